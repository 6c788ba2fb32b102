//! DeviceService.

use porter_proto::admin::v1::{self as pb, device_service_server::DeviceService};
use porter_proto::device::v1::UnlockMethod;
use porter_store::events::EventKind;
use porter_store::model::autop::SipTransportKind;
use porter_store::presence::{CommandError, CommandOutcome, DeviceCommand, SipTransport};
use porter_store::{DeviceFilter, DeviceSort};
use tonic::{Request, Response, Status};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

impl AdminApi {
    /// A device with its connection state, when the gateway runs in this process.
    fn device_pb(&self, view: &porter_store::DeviceView) -> pb::Device {
        let mut d = convert::device(view);
        if let Some(p) = self
            .presence
            .as_ref()
            .and_then(|p| p.presence(view.device.id, &view.device.mac))
        {
            d.online = p.online;
            d.last_connection_ms = p.last_connected_ms;
            d.remote_address = p.remote_address;
            d.firmware_version = p.firmware_version;
            d.model = p.model;
        }
        d
    }
}

impl AdminApi {
    /// The door log entry of an unlock asked through the API. The gateway writes it, not the
    /// device, so who asked is always right; an unlock that never reached the device
    /// (offline, busy) opened nothing and is only in the audit log.
    pub(crate) fn door_log_remote_unlock(
        &self,
        device_id: u64,
        relay: u32,
        requested_by: &str,
        apartment_id: Option<u64>,
        result: &Result<CommandOutcome, CommandError>,
    ) {
        if matches!(
            result,
            Err(CommandError::Offline | CommandError::Busy | CommandError::Unreachable(_))
        ) {
            return;
        }
        let entry = EventKind::DoorLog {
            relay,
            method: UnlockMethod::Remote.as_str_name().to_owned(),
            success: matches!(result, Ok(o) if o.ok),
            who: requested_by.to_owned(),
            credential_id: 0,
            offline: false,
        };
        if let Err(e) = self
            .store
            .record_server_door_log(device_id, apartment_id, entry)
        {
            tracing::warn!(device_id, error = %e, "recording the door log of a remote unlock failed");
        }
    }
}

/// Who asked, for the door log and the device ("installer bob", "property manager
/// pat@example.com").
fn requester(actor: &porter_store::Actor) -> String {
    match actor.role {
        porter_store::model::Role::PropertyManager => {
            format!("property manager {}", actor.username)
        }
        _ => format!("installer {}", actor.username),
    }
}

/// How long a command may wait for the device's answer.
pub(crate) const COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl AdminApi {
    /// Sends a command to a device of the actor's and audits it with the answer.
    async fn command(
        &self,
        actor: &porter_store::Actor,
        device_id: u64,
        action: &str,
        command: DeviceCommand,
    ) -> ApiResult<pb::CommandReply> {
        let view = self
            .store
            .device_to_command(actor, device_id, action)
            .map_err(status)?;
        let commands = self.commands.as_ref().ok_or_else(|| {
            Status::unavailable("the device gateway is not running in this server")
        })?;
        let started = std::time::Instant::now();
        let result = commands
            .send(&view.device.mac, command.clone(), COMMAND_TIMEOUT)
            .await;
        let latency_ms = started.elapsed().as_millis() as u32;
        let detail = serde_json::json!({
            "command": command,
            "result": match &result { Ok(o) => if o.ok { "ok".to_owned() } else { format!("refused: {}", o.message) }, Err(e) => e.to_string() },
            "latency_ms": latency_ms,
        });
        self.store
            .audit_device_command(actor, device_id, action, detail)
            .await
            .map_err(status)?;
        if let DeviceCommand::Unlock {
            relay,
            requested_by,
        } = &command
        {
            self.door_log_remote_unlock(device_id, *relay, requested_by, None, &result);
        }
        command_reply(result, &view.device.name, latency_ms)
    }
}

/// A command's answer to the API: the device's reply, or the status saying why none came.
pub(crate) fn command_reply(
    result: Result<CommandOutcome, CommandError>,
    device_name: &str,
    latency_ms: u32,
) -> ApiResult<pb::CommandReply> {
    match result {
        Ok(o) => Ok(Response::new(pb::CommandReply {
            ok: o.ok,
            message: o.message,
            latency_ms,
        })),
        Err(e @ CommandError::Offline) => Err(Status::failed_precondition(format!(
            "device {device_name:?}: {e}"
        ))),
        Err(e @ CommandError::Timeout(_)) => Err(Status::deadline_exceeded(format!(
            "device {device_name:?}: {e}"
        ))),
        Err(e @ (CommandError::Disconnected | CommandError::Unreachable(_))) => {
            Err(Status::unavailable(format!("device {device_name:?}: {e}")))
        }
        Err(e @ CommandError::Busy) => Err(Status::resource_exhausted(format!(
            "device {device_name:?}: {e}"
        ))),
    }
}

#[tonic::async_trait]
impl DeviceService for AdminApi {
    async fn unlock_relay(
        &self,
        request: Request<pb::UnlockRelayRequest>,
    ) -> ApiResult<pb::CommandReply> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let view = self.store.device(&actor, r.device_id).map_err(status)?;
        let enabled = usize::try_from(r.relay)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| view.device.relays.get(i))
            .is_some_and(|relay| relay.enabled);
        if !enabled {
            return Err(invalid(
                "relay",
                format!(
                    "device {:?} has no enabled relay {}",
                    view.device.name, r.relay
                ),
            ));
        }
        let command = DeviceCommand::Unlock {
            relay: r.relay,
            requested_by: requester(&actor),
        };
        self.command(&actor, r.device_id, "device.unlock", command)
            .await
    }

    async fn reboot_device(
        &self,
        request: Request<pb::GetDeviceRequest>,
    ) -> ApiResult<pb::CommandReply> {
        let actor = self.actor(&request)?;
        self.command(
            &actor,
            request.into_inner().id,
            "device.reboot",
            DeviceCommand::Reboot,
        )
        .await
    }

    async fn set_device_sip_transport(
        &self,
        request: Request<pb::SetDeviceSipTransportRequest>,
    ) -> ApiResult<pb::CommandReply> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let (transport, kind) = match pb::SipTransportType::try_from(r.transport) {
            Ok(pb::SipTransportType::Udp) => (SipTransport::Udp, SipTransportKind::Udp),
            Ok(pb::SipTransportType::Tcp) => (SipTransport::Tcp, SipTransportKind::Tcp),
            Ok(pb::SipTransportType::Tls) => (SipTransport::Tls, SipTransportKind::Tls),
            _ => return Err(invalid("transport", "must be UDP, TCP or TLS")),
        };
        // Saved with the device's settings first, so its AutoP file says the same as the
        // live command and the choice outlives the device's next fetch and restart.
        self.store
            .update_device_maintenance(
                &actor,
                r.device_id,
                porter_store::MaintenanceEdit {
                    sip_transport: Some(kind),
                    ..Default::default()
                },
            )
            .await
            .map_err(status)?;
        match self
            .command(
                &actor,
                r.device_id,
                "device.sip_transport",
                DeviceCommand::SetSipTransport(transport),
            )
            .await
        {
            Err(offline) if offline.code() == tonic::Code::FailedPrecondition => {
                Ok(Response::new(pb::CommandReply {
                    ok: true,
                    message: "saved: the device is offline and takes the new SIP transport \
                              with its next AutoP fetch"
                        .into(),
                    latency_ms: 0,
                }))
            }
            answered => answered,
        }
    }

    async fn factory_reset_device(
        &self,
        request: Request<pb::GetDeviceRequest>,
    ) -> ApiResult<pb::CommandReply> {
        let actor = self.actor(&request)?;
        self.command(
            &actor,
            request.into_inner().id,
            "device.factory_reset",
            DeviceCommand::FactoryReset,
        )
        .await
    }

    async fn open_remote_control(
        &self,
        request: Request<pb::GetDeviceRequest>,
    ) -> ApiResult<pb::RemoteControlGrant> {
        let actor = self.actor(&request)?;
        let id = request.into_inner().id;
        let view = self
            .store
            .device_to_command(&actor, id, "device.remote_control")
            .map_err(status)?;
        let remote = self
            .remote
            .as_ref()
            .ok_or_else(|| Status::unavailable("remote control is not running in this server"))?;
        let who = requester(&actor);
        let grant = remote.grant(&view.device.mac, id, &who);
        let detail = serde_json::json!({
            "result": match &grant { Ok(g) => format!("granted until {}", g.expires_at_ms), Err(e) => e.to_string() },
        });
        self.store
            .audit_device_command(&actor, id, "device.remote_control", detail)
            .await
            .map_err(status)?;
        match grant {
            Ok(g) => Ok(Response::new(pb::RemoteControlGrant {
                url: g.url,
                expires_at_ms: g.expires_at_ms,
            })),
            Err(e) => Err(Status::failed_precondition(format!(
                "device {:?}: {e}",
                view.device.name
            ))),
        }
    }

    async fn create_device(
        &self,
        request: Request<pb::CreateDeviceRequest>,
    ) -> ApiResult<pb::Device> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let scope = convert::scope_request(r.scope.map(Into::into))?;
        let input = convert::device_input(r.device)?;
        let view = self
            .store
            .create_device(&actor, scope, input)
            .await
            .map_err(status)?;
        Ok(Response::new(self.device_pb(&view)))
    }

    async fn get_device(&self, request: Request<pb::GetDeviceRequest>) -> ApiResult<pb::Device> {
        let actor = self.actor(&request)?;
        let view = self
            .store
            .device(&actor, request.into_inner().id)
            .map_err(status)?;
        Ok(Response::new(self.device_pb(&view)))
    }

    async fn update_device(
        &self,
        request: Request<pb::UpdateDeviceRequest>,
    ) -> ApiResult<pb::Device> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let input = convert::device_input(r.device)?;
        let view = self
            .store
            .update_device(&actor, r.id, input)
            .await
            .map_err(status)?;
        Ok(Response::new(self.device_pb(&view)))
    }

    async fn delete_device(
        &self,
        request: Request<pb::DeleteDeviceRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_device(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn list_devices(
        &self,
        request: Request<pb::ListDevicesRequest>,
    ) -> ApiResult<pb::ListDevicesResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let narrowed = [r.public_only, r.building_id != 0, r.apartment_id != 0]
            .iter()
            .filter(|x| **x)
            .count();
        if narrowed > 1 {
            return Err(invalid(
                "public_only",
                "give at most one of public_only, building_id, apartment_id",
            ));
        }
        let sort = match pb::DeviceSort::try_from(r.sort) {
            Ok(pb::DeviceSort::Unspecified | pb::DeviceSort::CreatedDesc) => {
                DeviceSort::CreatedDesc
            }
            Ok(pb::DeviceSort::CreatedAsc) => DeviceSort::CreatedAsc,
            Ok(pb::DeviceSort::NameAsc) => DeviceSort::NameAsc,
            Ok(pb::DeviceSort::NameDesc) => DeviceSort::NameDesc,
            Err(_) => return Err(invalid("sort", "is not a known sort order")),
        };
        let filter = DeviceFilter {
            public_only: r.public_only,
            building_id: (r.building_id != 0).then_some(r.building_id),
            apartment_id: (r.apartment_id != 0).then_some(r.apartment_id),
            text: r.search,
        };
        let page = convert::page(r.page)?;
        let result = self
            .store
            .list_devices(&actor, r.community_id, &filter, sort, page)
            .map_err(status)?;
        Ok(Response::new(pb::ListDevicesResponse {
            devices: result.items.iter().map(|v| self.device_pb(v)).collect(),
            total: result.total,
        }))
    }

    async fn get_device_secrets(
        &self,
        request: Request<pb::GetDeviceRequest>,
    ) -> ApiResult<pb::DeviceSecrets> {
        let actor = self.actor(&request)?;
        let s = self
            .store
            .device_secrets(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::DeviceSecrets {
            sip_number: s.sip_number,
            sip_password: s.sip_password,
            credential: s.credential,
        }))
    }

    async fn rotate_device_credential(
        &self,
        request: Request<pb::GetDeviceRequest>,
    ) -> ApiResult<pb::DeviceSecrets> {
        let actor = self.actor(&request)?;
        let id = request.into_inner().id;
        let credential = self
            .store
            .rotate_device_credential(&actor, id)
            .await
            .map_err(status)?;
        let sip_number = self
            .store
            .device(&actor, id)
            .map(|v| v.device.sip_number)
            .unwrap_or_default();
        Ok(Response::new(pb::DeviceSecrets {
            sip_number,
            sip_password: String::new(),
            credential,
        }))
    }
}
