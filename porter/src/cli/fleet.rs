//! `porter admin firmware|upgrade|device-settings`: the firmware list, upgrade strategies
//! and a device's Settings dialog.

use porter_proto::admin::v1::{
    self as pb, device_settings_service_client::DeviceSettingsServiceClient,
    firmware_service_client::FirmwareServiceClient, upgrade_service_client::UpgradeServiceClient,
};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use super::args::{FirmwareCmd, SettingsCmd, Transport, UpgradeArgs, UpgradeCmd, UpgradeStatusArg};
use super::output::emit;
use super::session::Bearer;
use super::{fail, upload};

type Svc = InterceptedService<Channel, Bearer>;

pub async fn firmware(
    mut c: FirmwareServiceClient<Svc>,
    cmd: FirmwareCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        FirmwareCmd::Upload {
            file,
            version,
            models,
            change_log,
        } => {
            let header = pb::FirmwareHeader {
                version,
                models,
                change_log,
                ..Default::default()
            };
            let request = upload::request(&file, header).await?;
            emit(
                json,
                &c.upload_firmware(request).await.map_err(fail)?.into_inner(),
            )
        }
        FirmwareCmd::List { model } => emit(
            json,
            &c.list_firmware(pb::ListFirmwareRequest {
                model: model.unwrap_or_default(),
            })
            .await
            .map_err(fail)?
            .into_inner(),
        ),
        FirmwareCmd::Get { id } => emit(
            json,
            &c.get_firmware(pb::FirmwareRef { firmware_id: id })
                .await
                .map_err(fail)?
                .into_inner(),
        ),
        FirmwareCmd::Delete { id } => emit(
            json,
            &c.delete_firmware(pb::FirmwareRef { firmware_id: id })
                .await
                .map_err(fail)?
                .into_inner(),
        ),
    }
}

fn upgrade_request(a: UpgradeArgs) -> pb::UpgradeRequest {
    pb::UpgradeRequest {
        community_id: a.community,
        firmware_id: a.firmware,
        model: a.model,
        device_ids: a.devices,
        at_local: a.at.unwrap_or_default(),
        reset_after_upgrade: a.reset_after_upgrade,
        policy: Some(pb::RolloutPolicy {
            canary: a.canary,
            max_concurrent: a.max_concurrent,
            start_spread_secs: a.start_spread_secs,
            halt_failure_pct: a.halt_failure_pct,
            device_timeout_secs: a.device_timeout_secs,
        }),
    }
}

pub async fn upgrade(
    mut c: UpgradeServiceClient<Svc>,
    cmd: UpgradeCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        UpgradeCmd::Candidates { community, model } => emit(
            json,
            &c.list_upgrade_candidates(pb::ListUpgradeCandidatesRequest {
                community_id: community,
                model,
            })
            .await
            .map_err(fail)?
            .into_inner(),
        ),
        UpgradeCmd::Create(a) => emit(
            json,
            &c.create_upgrade(upgrade_request(a))
                .await
                .map_err(fail)?
                .into_inner(),
        ),
        UpgradeCmd::Update { id, upgrade } => emit(
            json,
            &c.update_upgrade(pb::UpdateUpgradeRequest {
                id,
                upgrade: Some(upgrade_request(upgrade)),
            })
            .await
            .map_err(fail)?
            .into_inner(),
        ),
        UpgradeCmd::Get { id } => emit(
            json,
            &c.get_upgrade(pb::UpgradeRef { id })
                .await
                .map_err(fail)?
                .into_inner(),
        ),
        UpgradeCmd::List {
            community,
            status,
            version,
        } => {
            let status = status.map_or(pb::UpgradeStatus::Unspecified, |s| match s {
                UpgradeStatusArg::Pending => pb::UpgradeStatus::Pending,
                UpgradeStatusArg::Processing => pb::UpgradeStatus::Processing,
                UpgradeStatusArg::Executed => pb::UpgradeStatus::Executed,
                UpgradeStatusArg::Failed => pb::UpgradeStatus::Failed,
                UpgradeStatusArg::Halted => pb::UpgradeStatus::Halted,
            });
            emit(
                json,
                &c.list_upgrades(pb::ListUpgradesRequest {
                    community_id: community,
                    status: status as i32,
                    version: version.unwrap_or_default(),
                })
                .await
                .map_err(fail)?
                .into_inner(),
            )
        }
        UpgradeCmd::Delete { id } => emit(
            json,
            &c.delete_upgrade(pb::UpgradeRef { id })
                .await
                .map_err(fail)?
                .into_inner(),
        ),
    }
}

pub async fn settings(
    mut c: DeviceSettingsServiceClient<Svc>,
    cmd: SettingsCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        SettingsCmd::Get { id } => emit(
            json,
            &c.get_device_settings(pb::GetDeviceRequest { id })
                .await
                .map_err(fail)?
                .into_inner(),
        ),
        SettingsCmd::Set {
            id,
            connection_type,
            autop_file,
            client_certificate,
        } => {
            let autop_commands = match autop_file {
                None => None,
                Some(path) if path.as_os_str() == "-" => {
                    Some(std::io::read_to_string(std::io::stdin())?)
                }
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?,
                ),
            };
            let connection_type =
                connection_type.map_or(pb::SipTransportType::Unspecified, |t| match t {
                    Transport::Udp => pb::SipTransportType::Udp,
                    Transport::Tcp => pb::SipTransportType::Tcp,
                    Transport::Tls => pb::SipTransportType::Tls,
                });
            emit(
                json,
                &c.update_device_settings(pb::UpdateDeviceSettingsRequest {
                    device_id: id,
                    connection_type: connection_type as i32,
                    autop_commands,
                    client_certificate_pem: match client_certificate {
                        None => None,
                        Some(path) => Some(
                            std::fs::read_to_string(&path)
                                .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?,
                        ),
                    },
                })
                .await
                .map_err(fail)?
                .into_inner(),
            )
        }
        SettingsCmd::OneTimeAutop { id, commands } => emit(
            json,
            &c.add_one_time_autop(pb::AddOneTimeAutopRequest {
                device_id: id,
                commands,
            })
            .await
            .map_err(fail)?
            .into_inner(),
        ),
    }
}
