//! FirmwareService: the Firmware module's list, and image uploads as a client stream.

use bytes::Bytes;
use futures_util::StreamExt;
use porter_firmware_store::{FirmwareStore, ImageId};
use porter_proto::admin::v1::{
    self as pb, firmware_service_server::FirmwareService, upload_firmware_request::Part,
};
use porter_provisioning::signing::FirmwareGrant;
use porter_store::model::{Firmware, FirmwareInput};
use tokio_util::io::StreamReader;
use tonic::{Request, Response, Status, Streaming};

use crate::AdminApi;
use crate::error::{ApiResult, firmware_status, invalid, status};

fn firmware_pb(f: &Firmware) -> pb::Firmware {
    pb::Firmware {
        id: f.id,
        version: f.version.clone(),
        models: f.models.clone(),
        change_log: f.change_log.clone(),
        sha256: f.image_sha256.clone(),
        size: f.size,
        created_at_ms: f.created_at_ms,
    }
}

/// How long a download link works unless the request says.
const DEFAULT_LINK_SECS: u32 = 24 * 3600;
const MAX_LINK_SECS: u32 = 7 * 24 * 3600;

impl AdminApi {
    /// The image store and how download links are made.
    fn firmware_parts(&self) -> Result<(&FirmwareStore, &crate::FirmwareLinks), Status> {
        self.firmware
            .as_ref()
            .map(|(images, links)| (images, links.as_ref()))
            .ok_or_else(|| Status::unimplemented("this server keeps no firmware images"))
    }

    fn images(&self) -> Result<&FirmwareStore, Status> {
        self.firmware_parts().map(|(images, _)| images)
    }
}

/// The image's bytes from the stream after the header; a second header, or the client's
/// stream failing, is a read error, so the store keeps nothing.
fn image_reader(stream: Streaming<pb::UploadFirmwareRequest>) -> impl tokio::io::AsyncRead + Unpin {
    StreamReader::new(stream.map(|message| match message {
        Ok(pb::UploadFirmwareRequest {
            part: Some(Part::Chunk(bytes)),
        }) => Ok(Bytes::from(bytes)),
        Ok(_) => Err(std::io::Error::other(invalid(
            "chunk",
            "after the header, every message must carry image bytes",
        ))),
        Err(s) => Err(std::io::Error::other(s)),
    }))
}

#[tonic::async_trait]
impl FirmwareService for AdminApi {
    async fn upload_firmware(
        &self,
        request: Request<Streaming<pb::UploadFirmwareRequest>>,
    ) -> ApiResult<pb::Firmware> {
        let actor = self.actor(&request)?;
        self.store
            .require_staff(&actor, "manage firmware")
            .map_err(status)?;
        let images = self.images()?;
        let mut stream = request.into_inner();
        let header = match stream.message().await? {
            Some(pb::UploadFirmwareRequest {
                part: Some(Part::Header(h)),
            }) => h,
            _ => {
                return Err(invalid(
                    "header",
                    "the first message must be the header (version, models, change log)",
                ));
            }
        };
        let input = self
            .store
            .check_new_firmware(
                &actor,
                FirmwareInput {
                    version: header.version,
                    models: header.models,
                    change_log: header.change_log,
                },
            )
            .map_err(status)?;
        if header.size > images.max_image_bytes() {
            return Err(invalid(
                "size",
                format!(
                    "the image has {} bytes; this server takes at most {}",
                    header.size,
                    images.max_image_bytes()
                ),
            ));
        }
        let expected = match header.sha256.trim() {
            "" => None,
            hex => Some(ImageId::parse(&hex.to_ascii_lowercase()).map_err(firmware_status)?),
        };
        let reader = image_reader(stream);
        let stored = match &expected {
            Some(id) => images.put_expecting(reader, id).await,
            None => images.put(reader).await,
        }
        .map_err(firmware_status)?;
        // From here the bytes are stored: a refusal removes them unless they were there
        // before or another entry names them.
        let forget = |e: Status| async {
            if !stored.already_stored
                && !self.store.firmware_image_listed(stored.id.as_str())
                && let Err(err) = images.remove(&stored.id).await
            {
                tracing::warn!(error = %err, image = %stored.id, "removing a refused image");
            }
            Err(e)
        };
        if header.size != 0 && header.size != stored.size {
            return forget(invalid(
                "size",
                format!(
                    "{} bytes arrived; the header said {}",
                    stored.size, header.size
                ),
            ))
            .await;
        }
        if let Err(e) = self
            .store
            .share_firmware_image(stored.id.as_str(), &images.path(&stored.id))
            .await
        {
            return forget(status(e)).await;
        }
        match self
            .store
            .add_firmware(&actor, input, stored.id.as_str(), stored.size)
            .await
        {
            Ok(fw) => {
                tracing::info!(firmware = fw.id, version = %fw.version, size = fw.size, "firmware uploaded");
                Ok(Response::new(firmware_pb(&fw)))
            }
            Err(e) => forget(status(e)).await,
        }
    }

    async fn list_firmware(
        &self,
        request: Request<pb::ListFirmwareRequest>,
    ) -> ApiResult<pb::ListFirmwareResponse> {
        let actor = self.actor(&request)?;
        let max_image_bytes = self.images().map_or(0, FirmwareStore::max_image_bytes);
        let model = request.get_ref().model.trim().to_ascii_uppercase();
        let firmware = self
            .store
            .list_firmware(&actor)
            .iter()
            .filter(|f| model.is_empty() || f.models.contains(&model))
            .map(firmware_pb)
            .collect();
        Ok(Response::new(pb::ListFirmwareResponse {
            firmware,
            max_image_bytes,
        }))
    }

    async fn get_firmware(&self, request: Request<pb::FirmwareRef>) -> ApiResult<pb::Firmware> {
        let actor = self.actor(&request)?;
        let fw = self
            .store
            .firmware(&actor, request.get_ref().firmware_id)
            .map_err(status)?;
        Ok(Response::new(firmware_pb(&fw)))
    }

    async fn get_download_url(
        &self,
        request: Request<pb::GetDownloadUrlRequest>,
    ) -> ApiResult<pb::DownloadUrl> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let (_, links) = self.firmware_parts()?;
        let valid_secs = match r.valid_secs {
            0 => DEFAULT_LINK_SECS,
            s if (60..=MAX_LINK_SECS).contains(&s) => s,
            s => {
                return Err(invalid(
                    "valid_secs",
                    format!("{s} is outside 60 to {MAX_LINK_SECS} seconds"),
                ));
            }
        };
        let fw = self.store.firmware(&actor, r.firmware_id).map_err(status)?;
        let device = self.store.device(&actor, r.device_id).map_err(status)?;
        // A connected device says its model; an image for other models would brick it.
        if let Some(presence) = &self.presence
            && let Some(online) = presence.presence(device.device.id, &device.device.mac)
            && !online.model.is_empty()
            && !fw.models.contains(&online.model.to_ascii_uppercase())
        {
            return Err(status(porter_store::StoreError::precondition(format!(
                "device {} is a {}; firmware {} is for {}",
                device.device.name,
                online.model,
                fw.version,
                fw.models.join(", ")
            ))));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let grant = FirmwareGrant {
            device_id: device.device.id,
            image_sha256: fw.image_sha256,
            expires_at: now + u64::from(valid_secs),
        };
        Ok(Response::new(pb::DownloadUrl {
            url: format!("{}{}", links.base_url, links.signer.firmware_path(&grant)),
            expires_at_ms: i64::try_from(grant.expires_at * 1000).unwrap_or(i64::MAX),
        }))
    }

    async fn delete_firmware(&self, request: Request<pb::FirmwareRef>) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        let (fw, last) = self
            .store
            .delete_firmware(&actor, request.get_ref().firmware_id)
            .await
            .map_err(status)?;
        if last {
            let id = ImageId::parse(&fw.image_sha256).map_err(firmware_status)?;
            // The entry is gone either way; bytes left behind only cost disk.
            if let Err(e) = self.images()?.remove(&id).await {
                tracing::warn!(error = %e, image = %id, "removing a deleted firmware's image");
            }
            if let Err(e) = self.store.forget_firmware_image(id.as_str()).await {
                tracing::warn!(error = %e, image = %id, "forgetting a deleted firmware's shared image");
            }
        }
        Ok(Response::new(pb::Empty {}))
    }
}
