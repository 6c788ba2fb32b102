//! `porter admin credential`: PIN codes, RF cards, faces and visitor/delivery keys.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use porter_proto::admin::v1 as pb;

use crate::commands::shared::parse_time_ms;
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyKind {
    Pin,
    Qr,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RepeatKind {
    Never,
    Daily,
    Weekly,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    Pin,
    Card,
    Face,
    Key,
}

impl MethodArg {
    fn pb(self) -> pb::CredentialMethod {
        match self {
            MethodArg::Pin => pb::CredentialMethod::Pin,
            MethodArg::Card => pb::CredentialMethod::RfCard,
            MethodArg::Face => pb::CredentialMethod::Face,
            MethodArg::Key => pb::CredentialMethod::Key,
        }
    }
}

/// What a new credential is: exactly one of --pin, --card, --face, --key.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct What {
    /// A PIN code (4 to 8 digits).
    #[arg(long)]
    pin: Option<String>,
    /// An RF card number, decimal or the UID in hex.
    #[arg(long)]
    card: Option<String>,
    /// A face photo (JPEG or PNG).
    #[arg(long)]
    face: Option<PathBuf>,
    /// A visitor or delivery key, typed (pin) or scanned (qr); its code is generated.
    #[arg(long)]
    key: Option<KeyKind>,
}

/// A key's validity (with --key).
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// Start of the window (a date, RFC 3339 time, now, +2h); default now.
    #[arg(long, value_parser = parse_time_ms, allow_hyphen_values = true)]
    from: Option<i64>,
    /// End of the window.
    #[arg(long, value_parser = parse_time_ms, allow_hyphen_values = true)]
    until: Option<i64>,
    #[arg(long, value_enum, default_value = "never")]
    repeat: RepeatKind,
    /// Weekly: days as mon,tue,wed,thu,fri,sat,sun.
    #[arg(long, value_delimiter = ',')]
    days: Vec<String>,
    /// Repeating keys: from HH:MM each day (community time).
    #[arg(long, value_parser = parse_minute)]
    start: Option<u32>,
    /// Repeating keys: until HH:MM each day.
    #[arg(long, value_parser = parse_minute)]
    end: Option<u32>,
    /// How many times it opens; unlimited when not given.
    #[arg(long)]
    uses: Option<u32>,
    /// Floors the lift takes the holder to.
    #[arg(long, value_delimiter = ',')]
    floors: Vec<u32>,
}

fn parse_minute(s: &str) -> Result<u32, String> {
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not a time of day (HH:MM)"))?;
    match (h.parse::<u32>(), m.parse::<u32>()) {
        (Ok(h), Ok(m)) if h < 24 && m < 60 => Ok(h * 60 + m),
        _ => Err(format!("{s:?} is not a time of day (HH:MM)")),
    }
}

fn weekdays(days: &[String]) -> Result<u32, CliError> {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    days.iter().try_fold(0, |mask, d| {
        let d = d.trim().to_ascii_lowercase();
        match NAMES.iter().position(|n| d.starts_with(n)) {
            Some(i) => Ok(mask | 1 << i),
            None => crate::bail!("--days: {d:?} is not a weekday (mon … sun)"),
        }
    })
}

/// `resident`, `family:ID`, `visitor:NAME` or `delivery:NAME`.
fn parse_holder(s: &str) -> Result<pb::CredentialHolder, String> {
    let (kind, rest) = s.split_once(':').unwrap_or((s, ""));
    let holder = |kind: pb::HolderKind, id: u64, name: &str| pb::CredentialHolder {
        kind: kind as i32,
        family_member_id: id,
        name: name.to_owned(),
    };
    match kind {
        "resident" => Ok(holder(pb::HolderKind::Resident, 0, "")),
        "family" => rest
            .parse()
            .map(|id| holder(pb::HolderKind::FamilyMember, id, ""))
            .map_err(|_| format!("{s:?}: family:ID names a family member by id")),
        "visitor" => Ok(holder(pb::HolderKind::Visitor, 0, rest)),
        "delivery" => Ok(holder(pb::HolderKind::Delivery, 0, rest)),
        _ => Err(format!(
            "{s:?} is not resident, family:ID, visitor:NAME or delivery:NAME"
        )),
    }
}

/// `all`, `public`, or doors as DEVICE[:RELAY+RELAY],… (relays 1 to 4; none: every relay).
fn parse_doors(s: &str) -> Result<pb::Doors, String> {
    let area = |a: pb::DoorArea| pb::Doors {
        area: a as i32,
        chosen: Vec::new(),
    };
    match s.trim() {
        "all" => return Ok(area(pb::DoorArea::All)),
        "public" => return Ok(area(pb::DoorArea::Public)),
        _ => {}
    }
    let bad = || format!("{s:?} is not all, public, or DEVICE[:RELAY+RELAY],…");
    let chosen = s
        .split(',')
        .map(|door| {
            let (device, relays) = door.split_once(':').unwrap_or((door, ""));
            Ok(pb::DoorChoice {
                device_id: device.trim().parse().map_err(|_| bad())?,
                relays: relays
                    .split('+')
                    .filter(|r| !r.is_empty())
                    .map(|r| r.trim().parse().map_err(|_| bad()))
                    .collect::<Result<_, String>>()?,
                device_name: String::new(),
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(pb::Doors {
        area: pb::DoorArea::Chosen as i32,
        chosen,
    })
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    community: u64,
    /// The apartment; none for a community key.
    #[arg(long)]
    apartment: Option<u64>,
    /// resident, family:ID, visitor:NAME or delivery:NAME.
    #[arg(long, value_parser = parse_holder)]
    holder: pb::CredentialHolder,
    #[command(flatten)]
    what: What,
    #[command(flatten)]
    key: KeyArgs,
    /// all (default), public, or DEVICE[:RELAY+RELAY],…
    #[arg(long, value_parser = parse_doors, default_value = "all")]
    doors: pb::Doors,
}

#[derive(Debug, Subcommand)]
pub enum CredentialCmd {
    /// Issue a PIN code, an RF card, a face or a visitor/delivery key.
    Create(Box<CreateArgs>),
    /// Show one credential.
    Get { id: u64 },
    /// A community's credentials, newest first.
    List {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        apartment: Option<u64>,
        #[arg(long, value_enum)]
        method: Option<MethodArg>,
        /// Also keys past their window or out of uses.
        #[arg(long)]
        include_spent: bool,
        #[arg(long, default_value_t = 1)]
        page: u32,
        #[arg(long, default_value_t = 50)]
        page_size: u32,
    },
    /// Withdraw a credential; the door phones holding it drop it.
    Delete { id: u64 },
    /// Save a face credential's photo.
    FacePhoto {
        id: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

impl CredentialCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.credentials();
        match self {
            CredentialCmd::Create(args) => {
                ctx.print(c.create_credential(create_request(*args)?))
                    .await?
            }
            CredentialCmd::Get { id } => {
                ctx.print(c.get_credential(pb::CredentialRef { id }))
                    .await?
            }
            CredentialCmd::List {
                community,
                apartment,
                method,
                include_spent,
                page,
                page_size,
            } => {
                ctx.print(c.list_credentials(pb::ListCredentialsRequest {
                    community_id: community,
                    apartment_id: apartment.unwrap_or(0),
                    method: method.map_or(0, |m| m.pb() as i32),
                    include_spent,
                    page,
                    page_size,
                }))
                .await?
            }
            CredentialCmd::Delete { id } => {
                crate::confirm::confirm(
                    ctx.yes,
                    &format!("Credential {id} will be withdrawn from every door it opens"),
                    crate::confirm::DELETE,
                )?;
                ctx.done(c.delete_credential(pb::CredentialRef { id }))
                    .await?
            }
            CredentialCmd::FacePhoto { id, out } => {
                let photo = c
                    .get_face_photo(pb::CredentialRef { id })
                    .await?
                    .into_inner();
                std::fs::write(&out, &photo.data)
                    .map_err(|e| CliError::io(format!("writing {}", out.display()), e))?;
                ctx.emit(serde_json::json!({
                    "saved": out.display().to_string(),
                    "content_type": photo.content_type,
                    "bytes": photo.data.len(),
                }))
                .await?
            }
        }
        Ok(())
    }
}

fn create_request(args: CreateArgs) -> Result<pb::CreateCredentialRequest, CliError> {
    let CreateArgs {
        community,
        apartment,
        holder,
        what,
        key,
        doors,
    } = args;
    let mut r = pb::CreateCredentialRequest {
        community_id: community,
        apartment_id: apartment.unwrap_or(0),
        holder: Some(holder),
        doors: Some(doors),
        ..Default::default()
    };
    if let Some(pin) = what.pin {
        r.method = pb::CredentialMethod::Pin as i32;
        r.value = pin;
    } else if let Some(card) = what.card {
        r.method = pb::CredentialMethod::RfCard as i32;
        r.value = card;
    } else if let Some(path) = what.face {
        r.method = pb::CredentialMethod::Face as i32;
        r.face_photo = std::fs::read(&path)
            .map_err(|e| CliError::io(format!("reading {}", path.display()), e))?;
    } else if let Some(kind) = what.key {
        r.method = pb::CredentialMethod::Key as i32;
        r.key_format = match kind {
            KeyKind::Pin => pb::KeyFormat::Pin,
            KeyKind::Qr => pb::KeyFormat::Qr,
        } as i32;
        let Some(until_ms) = key.until else {
            crate::bail!("--key needs --until (the end of its window)");
        };
        let repeat = match key.repeat {
            RepeatKind::Never => pb::KeyRepeat::Never,
            RepeatKind::Daily => pb::KeyRepeat::Daily,
            RepeatKind::Weekly => pb::KeyRepeat::Weekly,
        };
        r.validity = Some(pb::KeyValidity {
            from_ms: key
                .from
                .unwrap_or_else(|| chrono::Utc::now().timestamp_millis()),
            until_ms,
            repeat: repeat as i32,
            weekdays: weekdays(&key.days)?,
            day_start_minute: key.start.unwrap_or(0),
            day_end_minute: key.end.unwrap_or(0),
            max_uses: key.uses.unwrap_or(0),
        });
        r.floors = key.floors;
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_doors_and_times_of_day_parse() {
        assert_eq!(parse_holder("family:42").unwrap().family_member_id, 42);
        assert_eq!(parse_holder("visitor:Ada Lee").unwrap().name, "Ada Lee");
        assert!(parse_holder("neighbour").is_err());
        let d = parse_doors("7:1+2,9").unwrap();
        assert_eq!(d.area, pb::DoorArea::Chosen as i32);
        assert_eq!(d.chosen[0].relays, [1, 2]);
        assert!(d.chosen[1].relays.is_empty());
        assert_eq!(
            parse_doors("public").unwrap().area,
            pb::DoorArea::Public as i32
        );
        assert!(parse_doors("gate").is_err());
        assert_eq!(parse_minute("09:30").unwrap(), 570);
        assert!(parse_minute("24:00").is_err());
        assert_eq!(
            weekdays(&["mon".into(), "Wednesday".into()]).unwrap(),
            0b101
        );
    }
}
