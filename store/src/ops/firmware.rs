//! The firmware list: an installer's uploaded images with their version, models and change
//! log. The bytes are in the firmware store; this is what the list shows and what upgrade
//! strategies pick from.

use serde_json::json;

use super::require_staff;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::{Firmware, FirmwareInput, Id};
use crate::record::{Record, RecordKey};
use crate::store::Store;

impl Store {
    /// Adds an uploaded image to the list. One version of a model is listed once.
    pub async fn add_firmware(
        &self,
        actor: &Actor,
        input: FirmwareInput,
        image_sha256: &str,
        size: u64,
    ) -> Result<Firmware> {
        require_staff(actor, "manage firmware")?;
        let input = input.validated()?;
        let image_sha256 = image_sha256.to_owned();
        self.write(|dir, txn| {
            check_unlisted(dir, actor, &input)?;
            let fw = Firmware {
                id: txn.next_id(),
                installer_id: actor.installer_id,
                version: input.version,
                models: input.models,
                change_log: input.change_log,
                image_sha256,
                size,
                created_at_ms: txn.now_ms(),
            };
            txn.put(Record::Firmware(fw.clone()));
            txn.audit(
                actor,
                "firmware.add",
                format!("firmware/{}", fw.id),
                json!({"version": fw.version, "models": fw.models, "sha256": fw.image_sha256, "size": fw.size}),
            );
            Ok(fw)
        })
        .await
    }

    /// The checks `add_firmware` makes, without writing: an upload runs them before it
    /// takes the image's bytes, so a refused upload costs no transfer. Returns the input
    /// as `add_firmware` will keep it.
    pub fn check_new_firmware(&self, actor: &Actor, input: FirmwareInput) -> Result<FirmwareInput> {
        let input = input.validated()?;
        self.read(|dir| check_unlisted(dir, actor, &input))?;
        Ok(input)
    }

    /// Whether any installer's list names the image (the firmware store keeps one copy of
    /// the same bytes for everyone).
    pub fn firmware_image_listed(&self, image_sha256: &str) -> bool {
        self.read(|dir| dir.firmware_naming(image_sha256).next().is_some())
    }

    /// Cluster mode: copies the image at `path` where every node finds it (a no-op on one
    /// node). Done before the image is listed, so a listed image is on every node.
    pub async fn share_firmware_image(&self, sha256: &str, path: &std::path::Path) -> Result<()> {
        Ok(self.backend().share_image(sha256, path).await?)
    }

    /// Cluster mode: writes a shared image this node does not have to `dest`; false when
    /// no node shared it (always on one node). The caller checks the bytes.
    pub async fn fetch_firmware_image(&self, sha256: &str, dest: &std::path::Path) -> Result<bool> {
        Ok(self.backend().fetch_image(sha256, dest).await?)
    }

    /// Cluster mode: forgets a shared image no entry names any more.
    pub async fn forget_firmware_image(&self, sha256: &str) -> Result<()> {
        Ok(self.backend().forget_image(sha256).await?)
    }

    /// The installer's firmware list, newest first.
    pub fn list_firmware(&self, actor: &Actor) -> Vec<Firmware> {
        if require_staff(actor, "see firmware").is_err() {
            return Vec::new();
        }
        let mut list: Vec<Firmware> =
            self.read(|dir| dir.firmware_list(actor.installer_id).cloned().collect());
        list.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then(b.id.cmp(&a.id)));
        list
    }

    pub fn firmware(&self, actor: &Actor, id: Id) -> Result<Firmware> {
        require_staff(actor, "see firmware")?;
        self.read(|dir| dir.firmware_of(actor, id).cloned())
    }

    /// Removes an image from the list; the caller removes its bytes when no other entry,
    /// of any installer, names them (the returned flag says so).
    pub async fn delete_firmware(&self, actor: &Actor, id: Id) -> Result<(Firmware, bool)> {
        require_staff(actor, "manage firmware")?;
        self.write(|dir, txn| {
            let fw = dir.firmware_of(actor, id)?.clone();
            let shared = dir.firmware_naming(&fw.image_sha256).any(|f| f.id != id);
            txn.delete(RecordKey::Firmware(id));
            txn.audit(
                actor,
                "firmware.delete",
                format!("firmware/{id}"),
                json!({"version": fw.version, "models": fw.models}),
            );
            Ok((fw, !shared))
        })
        .await
    }
}

/// One version of a model is listed once per installer.
fn check_unlisted(dir: &Directory, actor: &Actor, input: &FirmwareInput) -> Result<()> {
    let clash = dir
        .firmware_list(actor.installer_id)
        .find(|f| f.version == input.version && f.models.iter().any(|m| input.models.contains(m)));
    match clash {
        Some(f) => Err(StoreError::exists(
            "version",
            format!(
                "version {} is already listed for {} (firmware {})",
                f.version,
                f.models.join(", "),
                f.id
            ),
        )),
        None => Ok(()),
    }
}
