//! `porter admin community`: create, read, update, list and delete communities with every
//! setting of the manual's community form.

use clap::{Args, Subcommand, ValueEnum};
use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;

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

impl Hours {
    pub fn pb(self) -> i32 {
        match self {
            Hours::H24 => pb::TimeFormat::Hours24 as i32,
            Hours::H12 => pb::TimeFormat::Hours12 as i32,
        }
    }
}

impl DateFmt {
    pub fn pb(self) -> i32 {
        match self {
            DateFmt::Ymd => pb::DateFormat::Ymd as i32,
            DateFmt::Mdy => pb::DateFormat::Mdy as i32,
            DateFmt::Dmy => pb::DateFormat::Dmy as i32,
        }
    }
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
    /// When the feature plan's service ends (a date, RFC 3339 time or +365d), or `never`.
    #[arg(long, value_parser = parse_end, allow_hyphen_values = true)]
    feature_plan_expires: Option<i64>,
}

/// `never` (0 on the wire), or a time.
fn parse_end(s: &str) -> Result<i64, String> {
    if s.trim() == "never" {
        Ok(0)
    } else {
        crate::commands::shared::parse_time_ms(s)
    }
}

/// What residents may use; unset flags keep the current value.
#[derive(Debug, Args)]
pub struct FeatureArgs {
    /// Package Notification (R29 door phones).
    #[arg(long)]
    package_notification: Option<bool>,
    /// PIN codes as residents' access method.
    #[arg(long)]
    pin_codes: Option<bool>,
    /// QR codes as residents' access method.
    #[arg(long)]
    qr_codes: Option<bool>,
    /// Residents may create family accounts.
    #[arg(long)]
    family_accounts: Option<bool>,
    #[arg(long)]
    face_recognition: Option<bool>,
}

impl FeatureArgs {
    fn over(self, current: pb::ResidentFeatures) -> pb::ResidentFeatures {
        pb::ResidentFeatures {
            package_notification: self
                .package_notification
                .unwrap_or(current.package_notification),
            pin_codes: self.pin_codes.unwrap_or(current.pin_codes),
            qr_codes: self.qr_codes.unwrap_or(current.qr_codes),
            family_accounts: self.family_accounts.unwrap_or(current.family_accounts),
            face_recognition: self.face_recognition.unwrap_or(current.face_recognition),
        }
    }
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
            time_format: self.time_format.map(Hours::pb),
            date_format: self.date_format.map(DateFmt::pb),
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
            feature_plan_expires_at_ms: self.feature_plan_expires,
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
    /// Show one community with its settings and counts.
    Get {
        id: u64,
    },
    Update {
        id: u64,
        #[command(flatten)]
        settings: CommunityArgs,
    },
    /// What residents may use (a property manager: on the Premium plan only).
    Features {
        id: u64,
        #[command(flatten)]
        features: FeatureArgs,
    },
    /// Deletes the community with all its buildings, apartments and residents.
    Delete {
        id: u64,
    },
    /// Your communities with device and end-user counts and property managers.
    List {
        #[arg(long, value_enum, default_value_t)]
        sort: CommunityOrder,
    },
}

impl CommunityCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.community();
        match self {
            CommunityCmd::Create(s) => {
                ctx.print(c.create_community(pb::CreateCommunityRequest {
                    settings: Some(s.into_pb(None)),
                }))
                .await?
            }
            CommunityCmd::Get { id } => {
                ctx.print(c.get_community(pb::GetCommunityRequest { id }))
                    .await?
            }
            CommunityCmd::Update { id, settings } => {
                let current = if settings.touches_address() {
                    c.get_community(pb::GetCommunityRequest { id })
                        .await?
                        .into_inner()
                        .address
                } else {
                    None
                };
                let updated = c
                    .update_community(pb::UpdateCommunityRequest {
                        id,
                        settings: Some(settings.into_pb(current)),
                    })
                    .await?
                    .into_inner();
                ctx.show(&updated).await?;
            }
            CommunityCmd::Features { id, features } => {
                let current = c
                    .get_community(pb::GetCommunityRequest { id })
                    .await?
                    .into_inner()
                    .resident_features
                    .unwrap_or_default();
                ctx.print(c.set_resident_features(pb::SetResidentFeaturesRequest {
                    community_id: id,
                    features: Some(features.over(current)),
                }))
                .await?
            }
            CommunityCmd::Delete { id } => {
                let gone = c
                    .get_community(pb::GetCommunityRequest { id })
                    .await?
                    .into_inner();
                let what = format!(
                    "Community {id} ({}) and everything in it will be deleted: {} building(s), {} apartment(s), {} device(s), {} end user(s)",
                    gone.name,
                    gone.building_count,
                    gone.apartments_used,
                    gone.device_count,
                    gone.end_user_count
                );
                crate::confirm::confirm(ctx.yes, &what, crate::confirm::DELETE)?;
                c.delete_community(pb::DeleteCommunityRequest { id })
                    .await?;
                ctx.emit(serde_json::json!({
                    "deleted_community": { "id": id, "name": gone.name },
                    "buildings": gone.building_count,
                    "apartments": gone.apartments_used,
                    "devices": gone.device_count,
                    "end_users": gone.end_user_count,
                }))
                .await?;
            }
            CommunityCmd::List { sort } => {
                ctx.print(c.list_communities(pb::ListCommunitiesRequest {
                    sort: pb::CommunitySort::from(sort) as i32,
                }))
                .await?
            }
        }

        Ok(())
    }
}
