//! `porter admin device`: intercom devices and the commands they take.

use clap::{Args, Subcommand, ValueEnum};
use porter_proto::admin::v1 as pb;

use crate::commands::shared::{PageArgs, Placement, Transport};
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Display {
    AptNumbers,
    MonitorsAndApps,
    AptNumbersMonitorsAndApps,
}

/// The manual's device types by the names an installer types, with their codes.
const DEVICE_TYPES: [(&str, u32); 5] = [
    ("multi-tenant-door-phone", 0),
    ("single-tenant-door-phone", 1),
    ("indoor-monitor", 2),
    ("guard-phone", 3),
    ("access-control", 50),
];

fn parse_device_type(text: &str) -> Result<u32, String> {
    let wanted = text.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    DEVICE_TYPES
        .iter()
        .find(|(name, code)| *name == wanted || code.to_string() == wanted)
        .map(|(_, code)| *code)
        .ok_or_else(|| {
            let names: Vec<&str> = DEVICE_TYPES.iter().map(|(name, _)| *name).collect();
            format!(
                "'{text}' is not a device type; use one of {}",
                names.join(", ")
            )
        })
}

/// Device fields; unset flags keep the current value (or the default on create).
#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// multi-tenant-door-phone, single-tenant-door-phone, indoor-monitor, guard-phone or
    /// access-control (or the manual's code: 0, 1, 2, 3, 50).
    #[arg(long = "type", value_parser = parse_device_type)]
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

fn parse_relay(spec: &str) -> Result<pb::Relay, CliError> {
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
                    other => crate::bail!("unknown unlock method {other:?} in --relay {spec:?}"),
                } as i32)
            })
            .collect::<Result<_, CliError>>()?,
    };
    Ok(pb::Relay {
        enabled: true,
        name,
        dtmf_code,
        unlock_methods,
    })
}

impl DeviceArgs {
    pub fn into_pb(self) -> Result<pb::DeviceInput, CliError> {
        let relays = if self.relays.is_empty() {
            None
        } else {
            Some(pb::Relays {
                relays: self
                    .relays
                    .iter()
                    .map(|r| parse_relay(r))
                    .collect::<Result<_, CliError>>()?,
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
            public_buildings: None,
        })
    }
}

/// `--serves`: "all", or building ids separated by commas.
fn parse_served(spec: &str) -> Result<pb::BuildingSelection, CliError> {
    if spec.trim().eq_ignore_ascii_case("all") {
        return Ok(pb::BuildingSelection::default());
    }
    let building_ids = spec
        .split(',')
        .map(|id| {
            id.trim().parse::<u64>().map_err(|_| {
                CliError::Usage(format!(
                    "--serves: {:?} is not a building id (give ids separated by commas, or \"all\")",
                    id.trim()
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(pb::BuildingSelection { building_ids })
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
    /// Show one device with its relays, status and last connection.
    Get { id: u64 },
    Update {
        id: u64,
        #[command(flatten)]
        device: DeviceArgs,
        /// A public-area device: the buildings it serves, comma-separated ("all" for every
        /// building).
        #[arg(long, value_name = "IDS|all")]
        serves: Option<String>,
    },
    /// Delete a device (its MAC stays in the MAC library).
    Delete { id: u64 },
    /// The devices of a community, a building or an apartment.
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
    Secrets { id: u64 },
    /// Issue a new gateway credential; the old one stops working.
    RotateCredential { id: u64 },
    /// Open a relay of a connected device.
    Unlock {
        id: u64,
        #[arg(long, default_value_t = 1)]
        relay: u32,
    },
    /// Reboot a connected device.
    Reboot { id: u64 },
    /// Set the SIP transport of a connected device.
    SipTransport {
        id: u64,
        #[arg(long, value_enum)]
        transport: Transport,
    },
    /// Reset a connected device to factory settings.
    FactoryReset { id: u64 },
    /// A time-limited HTTPS link to a connected device's web interface.
    RemoteControl { id: u64 },
    /// Wait until the device is online (connected to the gateway), then show it.
    WaitOnline {
        id: u64,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60)]
        timeout_secs: u64,
    },
}

impl DeviceCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.devices();
        match self {
            DeviceCmd::Create {
                public_area,
                buildings,
                building,
                apartment,
                device,
            } => {
                use pb::create_device_request::Scope;
                let scope =
                    match Placement::from_flags(public_area, buildings, building, apartment)? {
                        Placement::PublicArea(p) => Scope::PublicArea(p),
                        Placement::Building(b) => Scope::BuildingId(b),
                        Placement::Apartment(a) => Scope::ApartmentId(a),
                    };
                ctx.print(c.create_device(pb::CreateDeviceRequest {
                    scope: Some(scope),
                    device: Some(device.into_pb()?),
                }))
                .await?
            }
            DeviceCmd::Get { id } => ctx.print(c.get_device(pb::GetDeviceRequest { id })).await?,
            DeviceCmd::Update { id, device, serves } => {
                let mut device = device.into_pb()?;
                device.public_buildings = serves.as_deref().map(parse_served).transpose()?;
                ctx.print(c.update_device(pb::UpdateDeviceRequest {
                    id,
                    device: Some(device),
                }))
                .await?
            }
            DeviceCmd::Delete { id } => {
                ctx.done(c.delete_device(pb::DeleteDeviceRequest { id }))
                    .await?;
            }
            DeviceCmd::List {
                community,
                public_only,
                building,
                apartment,
                search,
                sort,
                page,
            } => {
                ctx.print(c.list_devices(pb::ListDevicesRequest {
                    community_id: community,
                    public_only,
                    building_id: building.unwrap_or(0),
                    apartment_id: apartment.unwrap_or(0),
                    search: search.unwrap_or_default(),
                    sort: pb::DeviceSort::from(sort) as i32,
                    page: Some(page.into_pb()),
                }))
                .await?
            }
            action => action.act(ctx, &mut c).await?,
        }

        Ok(())
    }
}

type DeviceClient =
    porter_proto::admin::v1::device_service_client::DeviceServiceClient<crate::context::Svc>;

impl DeviceCmd {
    /// The commands that act on one device (its secrets, unlocking, rebooting and the like).
    async fn act(self, ctx: &Ctx, c: &mut DeviceClient) -> Result<(), CliError> {
        if let Some(id) = self.device_id() {
            ctx.about(crate::context::About::Device(id));
        }
        match self {
            DeviceCmd::Secrets { id } => {
                ctx.print(c.get_device_secrets(pb::GetDeviceRequest { id }))
                    .await?
            }
            DeviceCmd::RotateCredential { id } => {
                ctx.print(c.rotate_device_credential(pb::GetDeviceRequest { id }))
                    .await?
            }
            DeviceCmd::Unlock { id, relay } => {
                ctx.print(c.unlock_relay(pb::UnlockRelayRequest {
                    device_id: id,
                    relay,
                }))
                .await?
            }
            DeviceCmd::Reboot { id } => {
                ctx.print(c.reboot_device(pb::GetDeviceRequest { id }))
                    .await?
            }
            DeviceCmd::SipTransport { id, transport } => {
                let transport = pb::SipTransportType::from(transport);
                ctx.print(
                    c.set_device_sip_transport(pb::SetDeviceSipTransportRequest {
                        device_id: id,
                        transport: transport as i32,
                    }),
                )
                .await?
            }
            DeviceCmd::FactoryReset { id } => {
                ctx.print(c.factory_reset_device(pb::GetDeviceRequest { id }))
                    .await?
            }
            DeviceCmd::RemoteControl { id } => {
                ctx.print(c.open_remote_control(pb::GetDeviceRequest { id }))
                    .await?
            }
            DeviceCmd::WaitOnline { id, timeout_secs } => {
                let deadline =
                    std::time::Instant::now() + std::time::Duration::from_secs(timeout_secs);
                loop {
                    let device = c
                        .get_device(pb::GetDeviceRequest { id })
                        .await?
                        .into_inner();
                    if device.online {
                        ctx.show(&device).await?;
                        break;
                    }
                    if std::time::Instant::now() >= deadline {
                        crate::bail!(
                            "device {id} ({}) is still offline after {timeout_secs} s",
                            device.name
                        );
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
            DeviceCmd::Create { .. }
            | DeviceCmd::Get { .. }
            | DeviceCmd::Update { .. }
            | DeviceCmd::Delete { .. }
            | DeviceCmd::List { .. } => unreachable!("handled by run"),
        }
        Ok(())
    }
}

impl DeviceCmd {
    /// The device an action is about.
    fn device_id(&self) -> Option<u64> {
        match self {
            DeviceCmd::Secrets { id }
            | DeviceCmd::RotateCredential { id }
            | DeviceCmd::Unlock { id, .. }
            | DeviceCmd::Reboot { id }
            | DeviceCmd::SipTransport { id, .. }
            | DeviceCmd::FactoryReset { id }
            | DeviceCmd::RemoteControl { id }
            | DeviceCmd::WaitOnline { id, .. } => Some(*id),
            DeviceCmd::Create { .. }
            | DeviceCmd::Get { .. }
            | DeviceCmd::Update { .. }
            | DeviceCmd::Delete { .. }
            | DeviceCmd::List { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_device_type;

    #[test]
    fn device_types_by_name_or_code() {
        assert_eq!(parse_device_type("indoor-monitor"), Ok(2));
        assert_eq!(parse_device_type("Guard phone"), Ok(3));
        assert_eq!(parse_device_type("50"), Ok(50));
        let refused = parse_device_type("doorbell").unwrap_err();
        assert!(refused.contains("multi-tenant-door-phone"), "{refused}");
        assert!(parse_device_type("7").is_err());
    }
}
