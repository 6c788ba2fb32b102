//! DeviceSettingsService: the device Settings dialog (connection type, AutoP commands,
//! one-time AutoP).

use porter_proto::admin::v1::{self as pb, device_settings_service_server::DeviceSettingsService};
use porter_store::MaintenanceEdit;
use porter_store::model::Maintenance;
use porter_store::model::autop::commands_text;
use tonic::{Request, Response, Status};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

fn settings_pb(device_id: u64, m: &Maintenance) -> pb::DeviceSettings {
    pb::DeviceSettings {
        device_id,
        connection_type: convert::sip_transport_pb(m.sip_transport),
        autop_commands: commands_text(&m.autop_commands),
        pending_one_time_autop: commands_text(&m.one_time_autop),
        client_cert_sha256: m.client_cert_sha256.clone(),
    }
}

/// The SHA-256 of the first certificate in `pem` ("" for an empty text: remove it).
fn certificate_sha256(pem: &str) -> Result<String, Status> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use sha2::Digest as _;
    if pem.trim().is_empty() {
        return Ok(String::new());
    }
    let cert = CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
        invalid(
            "client_certificate_pem",
            format!("not a PEM certificate: {e}"),
        )
    })?;
    Ok(hex::encode(sha2::Sha256::digest(cert.as_ref())))
}

#[tonic::async_trait]
impl DeviceSettingsService for AdminApi {
    async fn get_device_settings(
        &self,
        request: Request<pb::GetDeviceRequest>,
    ) -> ApiResult<pb::DeviceSettings> {
        let actor = self.actor(&request)?;
        let id = request.get_ref().id;
        let m = self.store.device_maintenance(&actor, id).map_err(status)?;
        Ok(Response::new(settings_pb(id, &m)))
    }

    async fn update_device_settings(
        &self,
        request: Request<pb::UpdateDeviceSettingsRequest>,
    ) -> ApiResult<pb::DeviceSettings> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let edit = MaintenanceEdit {
            sip_transport: convert::sip_transport("connection_type", r.connection_type)?,
            autop_commands: r.autop_commands,
            client_cert_sha256: r
                .client_certificate_pem
                .as_deref()
                .map(certificate_sha256)
                .transpose()?,
        };
        let m = self
            .store
            .update_device_maintenance(&actor, r.device_id, edit)
            .await
            .map_err(status)?;
        Ok(Response::new(settings_pb(r.device_id, &m)))
    }

    async fn add_one_time_autop(
        &self,
        request: Request<pb::AddOneTimeAutopRequest>,
    ) -> ApiResult<pb::DeviceSettings> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let m = self
            .store
            .add_one_time_autop(&actor, r.device_id, &r.commands)
            .await
            .map_err(status)?;
        Ok(Response::new(settings_pb(r.device_id, &m)))
    }
}
