//! `porter admin apartment|resident|family`: apartments with their resident (family
//! master), the community's resident search, and family members.

use clap::{Args, Subcommand, ValueEnum};
use porter_proto::admin::v1 as pb;

use crate::commands::shared::{Lang, PageArgs};
use crate::context::Ctx;
use crate::error::CliError;

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
    /// Show one apartment with its resident and family members.
    Get { id: u64 },
    Update {
        id: u64,
        #[command(flatten)]
        apartment: ApartmentArgs,
        #[command(flatten)]
        resident: ResidentArgs,
    },
    /// Delete APT: the apartment, its resident and family members.
    Delete { id: u64 },
    /// Reset Apartment and Resident (family members, contacts and app login go).
    Reset { id: u64 },
    /// The resident moves out: the resident's and family's accounts and the apartment's
    /// credentials go; the apartment, its devices and its service stay.
    MoveOut { id: u64 },
    /// The family SIP account the apartment's SmartPlus apps register with (audited).
    SipAccount { id: u64 },
    /// Reset Password: the family master is emailed a link that sets a new app password.
    ResetPassword { id: u64 },
    /// The apartments of a building, filtered, sorted and paged.
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
    /// Search the residents of a whole community.
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
    /// Add a family member account for the SmartPlus app.
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
    /// Delete a family member account.
    Delete { id: u64 },
}

impl ApartmentCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.apartment();
        match self {
            ApartmentCmd::Create {
                building,
                apartment,
                resident,
                monitor_mac,
                monitor_name,
            } => {
                ctx.print(c.create_apartment(pb::CreateApartmentRequest {
                    building_id: building,
                    apartment: Some(apartment.into_pb()),
                    resident: resident.into_pb(),
                    indoor_monitor: monitor_mac.map(|mac| pb::DeviceInput {
                        mac: Some(mac),
                        name: Some(monitor_name),
                        ..Default::default()
                    }),
                }))
                .await?
            }
            ApartmentCmd::Get { id } => {
                ctx.print(c.get_apartment(pb::GetApartmentRequest { id }))
                    .await?
            }
            ApartmentCmd::Update {
                id,
                apartment,
                resident,
            } => {
                ctx.print(c.update_apartment(pb::UpdateApartmentRequest {
                    id,
                    apartment: Some(apartment.into_pb()),
                    resident: resident.into_pb(),
                }))
                .await?
            }
            ApartmentCmd::Delete { id } => {
                ctx.done(c.delete_apartment(pb::DeleteApartmentRequest { id }))
                    .await?;
            }
            ApartmentCmd::Reset { id } => reset(ctx, id).await?,
            ApartmentCmd::MoveOut { id } => move_out(ctx, id).await?,
            ApartmentCmd::ResetPassword { id } => {
                ctx.done(c.reset_resident_password(pb::GetApartmentRequest { id }))
                    .await?;
            }
            ApartmentCmd::SipAccount { id } => {
                ctx.print(c.get_apartment_sip_account(pb::GetApartmentRequest { id }))
                    .await?
            }
            ApartmentCmd::List {
                building,
                filter,
                sort,
                page,
            } => {
                ctx.print(c.list_apartments(pb::ListApartmentsRequest {
                    building_id: building,
                    filter: Some(filter.into_pb()),
                    sort: pb::ApartmentSort::from(sort) as i32,
                    page: Some(page.into_pb()),
                }))
                .await?
            }
        }

        Ok(())
    }
}

impl FamilyCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        if let FamilyCmd::Add { apartment, .. } = &self {
            ctx.about(crate::context::About::Apartment(*apartment));
        }
        let mut c = ctx.apartment();
        match self {
            FamilyCmd::Add {
                apartment,
                first_name,
                last_name,
                email,
                calling_code,
                mobile,
            } => {
                ctx.print(c.add_family_member(pb::AddFamilyMemberRequest {
                    apartment_id: apartment,
                    first_name,
                    last_name,
                    email: email.unwrap_or_default(),
                    calling_code: calling_code.unwrap_or_default(),
                    mobile: mobile.unwrap_or_default(),
                }))
                .await?
            }
            FamilyCmd::Update {
                id,
                first_name,
                last_name,
                calling_code,
                mobile,
            } => {
                ctx.print(c.update_family_member(pb::UpdateFamilyMemberRequest {
                    id,
                    first_name,
                    last_name,
                    email: None,
                    calling_code,
                    mobile,
                }))
                .await?
            }
            FamilyCmd::Delete { id } => {
                ctx.done(c.delete_family_member(pb::DeleteFamilyMemberRequest { id }))
                    .await?;
            }
        }

        Ok(())
    }
}

impl ResidentCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let ResidentCmd::Search {
            community,
            filter,
            sort,
            page,
        } = self;
        ctx.in_community(community);
        ctx.print(
            ctx.apartment()
                .search_residents(pb::SearchResidentsRequest {
                    community_id: community,
                    filter: Some(filter.into_pb()),
                    sort: pb::ResidentSort::from(sort) as i32,
                    page: Some(page.into_pb()),
                }),
        )
        .await
    }
}

/// Reset Apartment and Resident, after the manual's warning.
async fn move_out(ctx: &Ctx, id: u64) -> Result<(), CliError> {
    let mut c = ctx.apartment();
    let before = c
        .get_apartment(pb::GetApartmentRequest { id })
        .await?
        .into_inner();
    let what = format!(
        "The resident of apartment {} moves out: the resident's and {} family member account(s) and every PIN, card, face and key of the apartment go",
        before.apt_number,
        before.family_members.len()
    );
    crate::confirm::confirm(ctx.yes, &what, crate::confirm::DELETE)?;
    ctx.print(c.move_out_resident(pb::MoveOutResidentRequest { id }))
        .await
}

async fn reset(ctx: &Ctx, id: u64) -> Result<(), CliError> {
    let mut c = ctx.apartment();
    let before = c
        .get_apartment(pb::GetApartmentRequest { id })
        .await?
        .into_inner();
    let what = format!(
        "Apartment {} will be reset: its resident's email, mobile number and landlines, its {} family member account(s), logs, messages and access settings go; its subscription, settings and SIP number stay",
        before.apt_number,
        before.family_members.len()
    );
    crate::confirm::confirm(ctx.yes, &what, crate::confirm::RESET_APARTMENT)?;
    let after = c
        .reset_apartment(pb::ResetApartmentRequest { id })
        .await?
        .into_inner();
    ctx.emit(serde_json::json!({
        "reset_apartment": crate::output::message_json(&after),
        "family_members_removed": before.family_members.len(),
    }))
    .await
}
