//! The `porter admin` command tree.

use clap::{Args, Subcommand, ValueEnum};
use porter_proto::admin::v1 as pb;

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Admin API address.
    #[arg(
        long,
        env = "PORTER_SERVER",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub server: String,
    /// Bearer token (default: the one `porter admin login` saved).
    #[arg(long, env = "PORTER_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Print responses as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: TopCmd,
}

#[derive(Debug, Subcommand)]
pub enum TopCmd {
    /// Log in and save the token for later commands. The password comes from --password,
    /// PORTER_PASSWORD, or the first line of standard input.
    Login {
        #[arg(long, env = "PORTER_USER")]
        username: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// End the session and forget the saved token.
    Logout,
    /// Show the logged-in account.
    Whoami,
    /// Change the password (other sessions end).
    Password {
        #[arg(long)]
        old: String,
        #[arg(long)]
        new: String,
    },
    /// The installer's time zone, customer service, billing information, account setting.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Sub-installer accounts.
    #[command(subcommand)]
    SubAccount(SubAccountCmd),
    /// Installer accounts (site operator only).
    #[command(subcommand)]
    Installer(InstallerCmd),
    #[command(subcommand)]
    Community(CommunityCmd),
    #[command(subcommand)]
    Building(BuildingCmd),
    /// Apartments with their resident (family master).
    #[command(subcommand)]
    Apartment(ApartmentCmd),
    /// Community-level resident search.
    #[command(subcommand)]
    Resident(ResidentCmd),
    /// Family members of an apartment.
    #[command(subcommand)]
    Family(FamilyCmd),
    /// Intercom devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// What devices reported.
    #[command(subcommand)]
    Event(EventCmd),
    /// Third-party RTSP cameras.
    #[command(subcommand)]
    Camera(CameraCmd),
    /// The resident and device import template.
    #[command(subcommand)]
    Template(TemplateCmd),
    /// The MAC library.
    #[command(subcommand)]
    Mac(MacCmd),
    /// Property manager accounts and their community assignments.
    #[command(subcommand, name = "pm")]
    PropertyManager(PmCmd),
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The firmware list: upload, list, delete images.
    #[command(subcommand)]
    Firmware(FirmwareCmd),
    /// Upgrade strategies of a community.
    #[command(subcommand)]
    Upgrade(UpgradeCmd),
    /// A device's Settings dialog: connection type, AutoP commands, one-time AutoP.
    #[command(subcommand)]
    DeviceSettings(SettingsCmd),
    /// Subscription orders (activation, renewal) and the operator's payment confirmation.
    #[command(subcommand)]
    Subscription(SubscriptionCmd),
}

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Set the account's time zone (IANA name).
    TimeZone { time_zone: String },
    /// Show, or with any flag set, the customer service contact.
    CustomerService {
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        receive_feedback: Option<bool>,
    },
    /// Show, or with any flag set, the billing information.
    Billing(BillingArgs),
    /// Show, or set, distributor access ("Permission Granted").
    Setting {
        #[arg(long)]
        distributor_access: Option<bool>,
    },
}

#[derive(Debug, Args)]
pub struct BillingArgs {
    #[arg(long)]
    company: Option<String>,
    #[arg(long)]
    attn: Option<String>,
    #[arg(long)]
    street: Option<String>,
    #[arg(long)]
    city: Option<String>,
    #[arg(long)]
    post_code: Option<String>,
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    tel: Option<String>,
    #[arg(long)]
    fax: Option<String>,
    #[arg(long)]
    email: Option<String>,
}

impl BillingArgs {
    pub fn is_empty(&self) -> bool {
        [
            &self.company,
            &self.attn,
            &self.street,
            &self.city,
            &self.post_code,
            &self.country,
            &self.tel,
            &self.fax,
            &self.email,
        ]
        .iter()
        .all(|f| f.is_none())
    }

    pub fn merge(self, cur: pb::BillingInfo) -> pb::BillingInfo {
        pb::BillingInfo {
            company: self.company.unwrap_or(cur.company),
            attn: self.attn.unwrap_or(cur.attn),
            street: self.street.unwrap_or(cur.street),
            city: self.city.unwrap_or(cur.city),
            post_code: self.post_code.unwrap_or(cur.post_code),
            country: self.country.unwrap_or(cur.country),
            tel: self.tel.unwrap_or(cur.tel),
            fax: self.fax.unwrap_or(cur.fax),
            email: self.email.unwrap_or(cur.email),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SubAccountCmd {
    /// New sub-account; without --password one is generated and shown once.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
    List,
    Update {
        id: u64,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
    Delete {
        id: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum InstallerCmd {
    /// New installer account (tenant); without --password one is generated.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Plan {
    Basic,
    Premium,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Hours {
    #[value(name = "24")]
    H24,
    #[value(name = "12")]
    H12,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DateFmt {
    Ymd,
    Mdy,
    Dmy,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Access {
    PublicAndPrivate,
    PublicOnly,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Pin {
    Pin,
    AptPin,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Payer {
    Installer,
    PropertyManager,
}

/// Community settings; unset flags keep the current value (or the default on create).
#[derive(Debug, Args)]
pub struct CommunityArgs {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    feature_plan: Option<Plan>,
    #[arg(long)]
    apartments: Option<u32>,
    #[arg(long)]
    home_automation: Option<bool>,
    #[arg(long)]
    community_calls: Option<bool>,
    #[arg(long)]
    landline: Option<bool>,
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    city: Option<String>,
    #[arg(long)]
    post_code: Option<String>,
    #[arg(long)]
    street: Option<String>,
    #[arg(long)]
    time_zone: Option<String>,
    #[arg(long)]
    time_format: Option<Hours>,
    #[arg(long)]
    date_format: Option<DateFmt>,
    #[arg(long)]
    access_control: Option<Access>,
    #[arg(long)]
    pin_mode: Option<Pin>,
    #[arg(long)]
    charge_mode: Option<Payer>,
    #[arg(long)]
    send_expiration_email: Option<bool>,
    #[arg(long)]
    send_renew_email: Option<bool>,
}

impl CommunityArgs {
    /// Whether any address flag is set (an edit then needs the current address).
    pub fn touches_address(&self) -> bool {
        [
            &self.country,
            &self.state,
            &self.city,
            &self.post_code,
            &self.street,
        ]
        .iter()
        .any(|f| f.is_some())
    }

    /// The settings; address flags not given keep `current`'s values (the API replaces the
    /// address as a whole).
    pub fn into_pb(self, current: Option<pb::Address>) -> pb::CommunitySettings {
        let address = if self.touches_address() {
            let cur = current.unwrap_or_default();
            Some(pb::Address {
                country: self.country.unwrap_or(cur.country),
                state: self.state.unwrap_or(cur.state),
                city: self.city.unwrap_or(cur.city),
                post_code: self.post_code.unwrap_or(cur.post_code),
                street: self.street.unwrap_or(cur.street),
            })
        } else {
            None
        };
        pb::CommunitySettings {
            apartment_count: self.apartments,
            home_automation: self.home_automation,
            community_calls: self.community_calls,
            landline_service: self.landline,
            feature_plan: self.feature_plan.map(|p| match p {
                Plan::Basic => pb::FeaturePlan::Basic as i32,
                Plan::Premium => pb::FeaturePlan::Premium as i32,
            }),
            name: self.name,
            address,
            time_zone: self.time_zone,
            time_format: self.time_format.map(|h| match h {
                Hours::H24 => pb::TimeFormat::Hours24 as i32,
                Hours::H12 => pb::TimeFormat::Hours12 as i32,
            }),
            date_format: self.date_format.map(|d| match d {
                DateFmt::Ymd => pb::DateFormat::Ymd as i32,
                DateFmt::Mdy => pb::DateFormat::Mdy as i32,
                DateFmt::Dmy => pb::DateFormat::Dmy as i32,
            }),
            access_control: self.access_control.map(|a| match a {
                Access::PublicAndPrivate => pb::AccessControlPermission::PublicAndPrivate as i32,
                Access::PublicOnly => pb::AccessControlPermission::PublicOnly as i32,
            }),
            pin_mode: self.pin_mode.map(|p| match p {
                Pin::Pin => pb::PinMode::Pin as i32,
                Pin::AptPin => pb::PinMode::AptPin as i32,
            }),
            charge_mode: self.charge_mode.map(|c| match c {
                Payer::Installer => pb::ChargeMode::Installer as i32,
                Payer::PropertyManager => pb::ChargeMode::PropertyManager as i32,
            }),
            send_expiration_email: self.send_expiration_email,
            send_renew_email: self.send_renew_email,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum CommunityOrder {
    #[default]
    NameAsc,
    NameDesc,
    CreatedAsc,
    CreatedDesc,
}

impl From<CommunityOrder> for pb::CommunitySort {
    fn from(o: CommunityOrder) -> Self {
        match o {
            CommunityOrder::NameAsc => pb::CommunitySort::NameAsc,
            CommunityOrder::NameDesc => pb::CommunitySort::NameDesc,
            CommunityOrder::CreatedAsc => pb::CommunitySort::CreatedAsc,
            CommunityOrder::CreatedDesc => pb::CommunitySort::CreatedDesc,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CommunityCmd {
    Create(CommunityArgs),
    Get {
        id: u64,
    },
    Update {
        id: u64,
        #[command(flatten)]
        settings: CommunityArgs,
    },
    /// Deletes the community with all its buildings, apartments and residents.
    Delete {
        id: u64,
    },
    List {
        #[arg(long, value_enum, default_value_t)]
        sort: CommunityOrder,
    },
}

#[derive(Debug, Subcommand)]
pub enum BuildingCmd {
    Create {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        name: String,
    },
    Rename {
        id: u64,
        #[arg(long)]
        name: String,
    },
    /// Refused while the building holds apartments, unless --cascade.
    Delete {
        id: u64,
        #[arg(long)]
        cascade: bool,
    },
    List {
        #[arg(long)]
        community: u64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Mode {
    Ip,
    Sip,
}

#[derive(Debug, Args)]
pub struct ApartmentArgs {
    /// APT number: 1-6 digits, '#' as a separator (2#123).
    #[arg(long = "apt")]
    apt_number: Option<String>,
    #[arg(long)]
    apt_name: Option<String>,
    #[arg(long)]
    floor: Option<u32>,
    #[arg(long)]
    web_relay_id: Option<u32>,
    /// Call type code 0-5.
    #[arg(long)]
    call_type: Option<u32>,
    #[arg(long)]
    call_mode: Option<Mode>,
    /// Comma-separated floors.
    #[arg(long, value_delimiter = ',')]
    accessible_floors: Option<Vec<u32>>,
}

impl ApartmentArgs {
    pub fn into_pb(self) -> pb::ApartmentInput {
        pb::ApartmentInput {
            floor: self.floor,
            apt_number: self.apt_number,
            apt_name: self.apt_name,
            web_relay_id: self.web_relay_id,
            call_type: self.call_type,
            call_mode: self.call_mode.map(|m| match m {
                Mode::Ip => pb::CallMode::Ip as i32,
                Mode::Sip => pb::CallMode::Sip as i32,
            }),
            accessible_floors: self.accessible_floors.map(|floors| pb::Floors { floors }),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Lang {
    English,
    SimplifiedChinese,
    Korean,
    Japanese,
    Turkish,
    Polish,
    Russian,
    Spanish,
    Bosnian,
    Danish,
    Vietnamese,
    French,
}

/// The family master; given any of these flags, the resident is created or edited.
#[derive(Debug, Args)]
pub struct ResidentArgs {
    #[arg(long)]
    first_name: Option<String>,
    #[arg(long)]
    last_name: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    language: Option<Lang>,
    #[arg(long)]
    calling_code: Option<String>,
    #[arg(long)]
    mobile: Option<String>,
    /// Comma-separated, up to three.
    #[arg(long, value_delimiter = ',')]
    landlines: Option<Vec<String>>,
}

impl ResidentArgs {
    pub fn into_pb(self) -> Option<pb::ResidentInput> {
        let any = self.first_name.is_some()
            || self.last_name.is_some()
            || self.email.is_some()
            || self.language.is_some()
            || self.calling_code.is_some()
            || self.mobile.is_some()
            || self.landlines.is_some();
        any.then(|| pb::ResidentInput {
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            language: self.language.map(Lang::to_pb),
            calling_code: self.calling_code,
            mobile: self.mobile,
            landlines: self.landlines.map(|numbers| pb::Landlines { numbers }),
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AppState {
    Registered,
    Unregistered,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Active {
    Inactivated,
    Normal,
    Expired,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    #[arg(long)]
    app_status: Option<AppState>,
    #[arg(long)]
    active: Option<Active>,
    /// Text in the resident's name or email.
    #[arg(long)]
    text: Option<String>,
}

impl FilterArgs {
    pub fn into_pb(self) -> pb::ResidentFilter {
        pb::ResidentFilter {
            app_status: self.app_status.map_or(0, |s| match s {
                AppState::Registered => pb::AppStatus::Registered as i32,
                AppState::Unregistered => pb::AppStatus::Unregistered as i32,
            }),
            active: self.active.map_or(0, |a| match a {
                Active::Inactivated => pb::ActiveStatus::Inactivated as i32,
                Active::Normal => pb::ActiveStatus::Normal as i32,
                Active::Expired => pb::ActiveStatus::Expired as i32,
            }),
            text: self.text.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Args)]
pub struct PageArgs {
    #[arg(long, default_value_t = 1)]
    page: u32,
    #[arg(long, default_value_t = 10)]
    page_size: u32,
}

impl PageArgs {
    pub fn into_pb(self) -> pb::Page {
        pb::Page {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum ApartmentOrder {
    #[default]
    AptAsc,
    AptDesc,
    AptNameAsc,
    AptNameDesc,
    CreatedAsc,
    CreatedDesc,
}

impl From<ApartmentOrder> for pb::ApartmentSort {
    fn from(o: ApartmentOrder) -> Self {
        match o {
            ApartmentOrder::AptAsc => pb::ApartmentSort::AptAsc,
            ApartmentOrder::AptDesc => pb::ApartmentSort::AptDesc,
            ApartmentOrder::AptNameAsc => pb::ApartmentSort::AptNameAsc,
            ApartmentOrder::AptNameDesc => pb::ApartmentSort::AptNameDesc,
            ApartmentOrder::CreatedAsc => pb::ApartmentSort::CreatedAsc,
            ApartmentOrder::CreatedDesc => pb::ApartmentSort::CreatedDesc,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ApartmentCmd {
    /// Add an APT; resident flags add its family master too.
    Create {
        #[arg(long)]
        building: u64,
        #[command(flatten)]
        apartment: ApartmentArgs,
        #[command(flatten)]
        resident: ResidentArgs,
        /// MAC of the apartment's indoor monitor (required on the Basic plan).
        #[arg(long)]
        monitor_mac: Option<String>,
        /// Name of that indoor monitor.
        #[arg(long, default_value = "Indoor Monitor")]
        monitor_name: String,
    },
    Get {
        id: u64,
    },
    Update {
        id: u64,
        #[command(flatten)]
        apartment: ApartmentArgs,
        #[command(flatten)]
        resident: ResidentArgs,
    },
    Delete {
        id: u64,
    },
    /// Reset Apartment and Resident (family members, contacts and app login go).
    Reset {
        id: u64,
    },
    List {
        #[arg(long)]
        building: u64,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value_t)]
        sort: ApartmentOrder,
        #[command(flatten)]
        page: PageArgs,
    },
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum ResidentOrder {
    #[default]
    NameAsc,
    NameDesc,
    CreatedAsc,
    CreatedDesc,
}

impl From<ResidentOrder> for pb::ResidentSort {
    fn from(o: ResidentOrder) -> Self {
        match o {
            ResidentOrder::NameAsc => pb::ResidentSort::NameAsc,
            ResidentOrder::NameDesc => pb::ResidentSort::NameDesc,
            ResidentOrder::CreatedAsc => pb::ResidentSort::CreatedAsc,
            ResidentOrder::CreatedDesc => pb::ResidentSort::CreatedDesc,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ResidentCmd {
    Search {
        #[arg(long)]
        community: u64,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value_t)]
        sort: ResidentOrder,
        #[command(flatten)]
        page: PageArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum FamilyCmd {
    Add {
        #[arg(long)]
        apartment: u64,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        calling_code: Option<String>,
        #[arg(long)]
        mobile: Option<String>,
    },
    /// Edit a family member (the email cannot change).
    Update {
        id: u64,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long)]
        calling_code: Option<String>,
        #[arg(long)]
        mobile: Option<String>,
    },
    Delete {
        id: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    List {
        /// Entries older than this sequence number.
        #[arg(long)]
        before: Option<u64>,
        #[arg(long)]
        limit: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PmCmd {
    /// New property manager; the login password is generated and shown once.
    Create {
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        language: Option<Lang>,
        #[arg(long)]
        monthly_password_reminder: bool,
    },
    List,
    Update {
        id: u64,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long)]
        language: Option<Lang>,
        #[arg(long)]
        monthly_password_reminder: Option<bool>,
    },
    /// Generate a new login password (shown once).
    ResetPassword {
        id: u64,
    },
    Delete {
        id: u64,
    },
    /// Assign to a community (or change the permissions there).
    Assign {
        id: u64,
        #[arg(long)]
        community: u64,
        #[arg(long)]
        app: bool,
        #[arg(long)]
        delete_accounts: bool,
        #[arg(long)]
        log_access: bool,
    },
    Unassign {
        id: u64,
        #[arg(long)]
        community: u64,
    },
}

impl Lang {
    pub fn to_pb(self) -> i32 {
        (match self {
            Lang::English => pb::Language::English,
            Lang::SimplifiedChinese => pb::Language::SimplifiedChinese,
            Lang::Korean => pb::Language::Korean,
            Lang::Japanese => pb::Language::Japanese,
            Lang::Turkish => pb::Language::Turkish,
            Lang::Polish => pb::Language::Polish,
            Lang::Russian => pb::Language::Russian,
            Lang::Spanish => pb::Language::Spanish,
            Lang::Bosnian => pb::Language::Bosnian,
            Lang::Danish => pb::Language::Danish,
            Lang::Vietnamese => pb::Language::Vietnamese,
            Lang::French => pb::Language::French,
        }) as i32
    }
}

#[derive(Debug, Subcommand)]
pub enum MacCmd {
    Add {
        mac: String,
    },
    /// Import a CSV or XLSX file with a MAC column (all or nothing).
    Import {
        file: std::path::PathBuf,
    },
    List {
        /// Any part of the MAC.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    Delete {
        mac: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Display {
    AptNumbers,
    MonitorsAndApps,
    AptNumbersMonitorsAndApps,
}

/// Device fields; unset flags keep the current value (or the default on create).
#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// 0 multi-tenant door phone, 1 single-tenant door phone, 2 indoor monitor,
    /// 3 guard phone, 50 access control.
    #[arg(long = "type")]
    device_type: Option<u32>,
    #[arg(long)]
    mac: Option<String>,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    network_group: Option<u32>,
    #[arg(long)]
    contact_display: Option<Display>,
    #[arg(long)]
    internet_access: Option<bool>,
    #[arg(long)]
    transfer_monitor_ip: Option<String>,
    #[arg(long)]
    works_offline: Option<bool>,
    #[arg(long)]
    arming: Option<bool>,
    /// A relay as NAME[:DTMF[:METHOD+METHOD...]] (methods: homepage, talking-page, pin,
    /// face, rf-card, bluetooth, nfc); repeat for up to four. Replaces the relays.
    #[arg(long = "relay")]
    relays: Vec<String>,
    /// The SR01 security relay as NAME[:DTMF[:METHODS]]; "none" removes it.
    #[arg(long)]
    security_relay: Option<String>,
}

fn parse_relay(spec: &str) -> anyhow::Result<pb::Relay> {
    let mut parts = spec.splitn(3, ':');
    let name = parts.next().unwrap_or_default().to_owned();
    let dtmf_code = parts.next().unwrap_or("#").to_owned();
    let unlock_methods = match parts.next() {
        None => (1..=7).collect(),
        Some(list) => list
            .split('+')
            .filter(|m| !m.is_empty())
            .map(|m| {
                Ok(match m {
                    "homepage" => pb::UnlockMethod::SmartplusHomepage,
                    "talking-page" => pb::UnlockMethod::SmartplusTalkingPage,
                    "pin" => pb::UnlockMethod::Pin,
                    "face" => pb::UnlockMethod::Face,
                    "rf-card" => pb::UnlockMethod::RfCard,
                    "bluetooth" => pb::UnlockMethod::Bluetooth,
                    "nfc" => pb::UnlockMethod::Nfc,
                    other => anyhow::bail!("unknown unlock method {other:?} in --relay {spec:?}"),
                } as i32)
            })
            .collect::<anyhow::Result<_>>()?,
    };
    Ok(pb::Relay {
        enabled: true,
        name,
        dtmf_code,
        unlock_methods,
    })
}

impl DeviceArgs {
    pub fn into_pb(self) -> anyhow::Result<pb::DeviceInput> {
        let relays = if self.relays.is_empty() {
            None
        } else {
            Some(pb::Relays {
                relays: self
                    .relays
                    .iter()
                    .map(|r| parse_relay(r))
                    .collect::<anyhow::Result<_>>()?,
            })
        };
        let security_relay = match self.security_relay.as_deref() {
            None => None,
            Some("none") => Some(pb::SecurityRelaySetting { relay: None }),
            Some(spec) => Some(pb::SecurityRelaySetting {
                relay: Some(parse_relay(spec)?),
            }),
        };
        Ok(pb::DeviceInput {
            device_type: self.device_type,
            mac: self.mac,
            name: self.name,
            network_group: self.network_group,
            contact_display: self.contact_display.map(|d| {
                (match d {
                    Display::AptNumbers => pb::ContactDisplay::AptNumbers,
                    Display::MonitorsAndApps => pb::ContactDisplay::MonitorsAndApps,
                    Display::AptNumbersMonitorsAndApps => {
                        pb::ContactDisplay::AptNumbersMonitorsAndApps
                    }
                }) as i32
            }),
            internet_access: self.internet_access,
            transfer_monitor_ip: self.transfer_monitor_ip,
            works_offline: self.works_offline,
            arming: self.arming,
            relays,
            security_relay,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum DeviceOrder {
    #[default]
    CreatedDesc,
    CreatedAsc,
    NameAsc,
    NameDesc,
}

impl From<DeviceOrder> for pb::DeviceSort {
    fn from(o: DeviceOrder) -> Self {
        match o {
            DeviceOrder::CreatedDesc => pb::DeviceSort::CreatedDesc,
            DeviceOrder::CreatedAsc => pb::DeviceSort::CreatedAsc,
            DeviceOrder::NameAsc => pb::DeviceSort::NameAsc,
            DeviceOrder::NameDesc => pb::DeviceSort::NameDesc,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum DeviceCmd {
    /// Add a device to a community's public area (--public-area COMMUNITY, optionally
    /// --buildings), a building, or an apartment.
    Create {
        #[arg(long, conflicts_with_all = ["building", "apartment"])]
        public_area: Option<u64>,
        /// With --public-area: the buildings it serves (default all).
        #[arg(long, value_delimiter = ',')]
        buildings: Vec<u64>,
        #[arg(long, conflicts_with = "apartment")]
        building: Option<u64>,
        #[arg(long)]
        apartment: Option<u64>,
        #[command(flatten)]
        device: DeviceArgs,
    },
    Get {
        id: u64,
    },
    Update {
        id: u64,
        #[command(flatten)]
        device: DeviceArgs,
    },
    Delete {
        id: u64,
    },
    List {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        public_only: bool,
        #[arg(long)]
        building: Option<u64>,
        #[arg(long)]
        apartment: Option<u64>,
        /// Any part of the MAC or the name.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        sort: DeviceOrder,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show the SIP password and gateway credential (audited).
    Secrets {
        id: u64,
    },
    /// Issue a new gateway credential; the old one stops working.
    RotateCredential {
        id: u64,
    },
    /// Open a relay of a connected device.
    Unlock {
        id: u64,
        #[arg(long, default_value_t = 1)]
        relay: u32,
    },
    Reboot {
        id: u64,
    },
    /// Set the SIP transport of a connected device.
    SipTransport {
        id: u64,
        #[arg(long, value_enum)]
        transport: Transport,
    },
    FactoryReset {
        id: u64,
    },
    /// A time-limited HTTPS link to a connected device's web interface.
    RemoteControl {
        id: u64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
}

#[derive(Debug, Subcommand)]
pub enum EventCmd {
    /// Door logs, call logs, alarms, arming and relay status, newest first.
    List {
        #[arg(long)]
        community: u64,
        /// door_log, call_log, alarm, arming_state or relay_status.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        device: Option<u64>,
        #[arg(long)]
        apartment: Option<u64>,
        /// Events older than this sequence number.
        #[arg(long)]
        before: Option<u64>,
        #[arg(long)]
        limit: Option<u32>,
    },
}

#[derive(Debug, Args)]
pub struct CameraArgs {
    #[arg(long)]
    name: Option<String>,
    /// rtsp://ip:port or rtsp://domain:port, path optional.
    #[arg(long)]
    rtsp_url: Option<String>,
    #[arg(long)]
    username: Option<String>,
    /// Read from PORTER_CAMERA_PASSWORD when not given here.
    #[arg(long, env = "PORTER_CAMERA_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// A door phone of the same area; 0 unlinks.
    #[arg(long)]
    linked_device: Option<u64>,
}

impl CameraArgs {
    pub fn into_pb(self) -> pb::CameraInput {
        pb::CameraInput {
            name: self.name,
            rtsp_url: self.rtsp_url,
            username: self.username,
            password: self.password,
            linked_device_id: self.linked_device,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CameraCmd {
    /// Add a camera to a public area (--public-area COMMUNITY), a building or an apartment.
    Create {
        #[arg(long, conflicts_with_all = ["building", "apartment"])]
        public_area: Option<u64>,
        #[arg(long, conflicts_with = "apartment")]
        building: Option<u64>,
        #[arg(long)]
        apartment: Option<u64>,
        #[command(flatten)]
        camera: CameraArgs,
    },
    Get {
        id: u64,
    },
    Update {
        id: u64,
        #[command(flatten)]
        camera: CameraArgs,
    },
    Delete {
        id: u64,
    },
    List {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        public_only: bool,
        #[arg(long)]
        building: Option<u64>,
        #[arg(long)]
        apartment: Option<u64>,
        #[arg(long)]
        search: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum TemplateKind {
    #[default]
    Xlsx,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Save the empty template.
    Download {
        #[arg(long, value_enum, default_value_t)]
        format: TemplateKind,
        /// Where to write it (default: the server's file name, in the current directory).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Import a filled-in template (CSV or XLSX) into a community: all or nothing.
    Import {
        #[arg(long)]
        community: u64,
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrderKindArg {
    Activation,
    Renewal,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrderStatusArg {
    Processing,
    Succeed,
    Cancelled,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionCmd {
    /// Order the SmartPlus service for apartments; they change once the payment is confirmed.
    Order {
        #[arg(long, value_enum)]
        kind: OrderKindArg,
        /// Apartment ids (up to 3000).
        #[arg(long = "apartment", required = true)]
        apartments: Vec<u64>,
        /// The new expiration time: a date (YYYY-MM-DD, midnight UTC) or RFC 3339.
        #[arg(long, value_parser = parse_time_ms)]
        until: i64,
    },
    /// The Payments list, newest first.
    List {
        #[arg(long, value_enum)]
        kind: Option<OrderKindArg>,
        #[arg(long, value_enum)]
        status: Option<OrderStatusArg>,
        /// Part of an order number.
        #[arg(long)]
        number: Option<String>,
        /// Site operator: every installer's orders.
        #[arg(long)]
        all_installers: bool,
    },
    Get {
        id: u64,
    },
    Cancel {
        id: u64,
    },
    Delete {
        id: u64,
    },
    /// Site operator: the order was paid (give the invoice or transfer number).
    Confirm {
        id: u64,
        #[arg(long)]
        reference: String,
    },
}

/// A date (midnight UTC) or an RFC 3339 time, as milliseconds since the epoch.
fn parse_time_ms(s: &str) -> Result<i64, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| format!("{s:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time"))
}

#[derive(Debug, Subcommand)]
pub enum FirmwareCmd {
    /// Upload an image; its SHA-256 and size go with it, so a damaged transfer is refused.
    Upload {
        file: std::path::PathBuf,
        /// As devices report it, e.g. 29.30.2.805.
        #[arg(long)]
        version: String,
        /// A device model it installs on (repeat for several).
        #[arg(long = "model", required = true)]
        models: Vec<String>,
        #[arg(long, default_value = "")]
        change_log: String,
    },
    /// Newest first.
    List {
        #[arg(long)]
        model: Option<String>,
    },
    Get {
        id: u64,
    },
    Delete {
        id: u64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UpgradeStatusArg {
    Pending,
    Processing,
    Executed,
    Failed,
    Halted,
}

#[derive(Debug, clap::Args)]
pub struct UpgradeArgs {
    #[arg(long)]
    pub community: u64,
    #[arg(long)]
    pub firmware: u64,
    #[arg(long)]
    pub model: String,
    /// A device to upgrade (repeat for several).
    #[arg(long = "device", required = true)]
    pub devices: Vec<u64>,
    /// "YYYY-MM-DD HH:MM" in the community's time zone (default: right now).
    #[arg(long)]
    pub at: Option<String>,
    #[arg(long)]
    pub reset_after_upgrade: bool,
    /// Devices in a first wave; the rest wait until it finished.
    #[arg(long)]
    pub canary: Option<u32>,
    #[arg(long)]
    pub max_concurrent: Option<u32>,
    #[arg(long)]
    pub start_spread_secs: Option<u32>,
    #[arg(long)]
    pub halt_failure_pct: Option<u32>,
    #[arg(long)]
    pub device_timeout_secs: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum UpgradeCmd {
    /// The devices of a model in a community, with the version they last reported.
    Candidates {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        model: String,
    },
    Create(UpgradeArgs),
    /// Edit a strategy none of whose devices has started.
    Update {
        id: u64,
        #[command(flatten)]
        upgrade: UpgradeArgs,
    },
    Get {
        id: u64,
    },
    /// Newest first.
    List {
        #[arg(long)]
        community: u64,
        #[arg(long, value_enum)]
        status: Option<UpgradeStatusArg>,
        /// Part of a version.
        #[arg(long)]
        version: Option<String>,
    },
    Delete {
        id: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    Get {
        id: u64,
    },
    /// Change the connection type and/or replace the AutoP commands.
    Set {
        id: u64,
        #[arg(long, value_enum)]
        connection_type: Option<Transport>,
        /// A file of `Key = value` lines ("-" for standard input).
        #[arg(long)]
        autop_file: Option<std::path::PathBuf>,
        /// The device's client certificate (PEM file) for the AutoP client-certificate
        /// listener; an empty file removes it.
        #[arg(long)]
        client_certificate: Option<std::path::PathBuf>,
    },
    /// Commands for the device's next AutoP file only.
    OneTimeAutop {
        id: u64,
        /// `Key = value` lines.
        commands: String,
    },
}
