//! Which live sessions a write ends. A device's gateway session, its remote-control grants
//! and a SIP account's registrations were each opened by proving a secret that belonged to
//! a record at that moment; a write that deletes the record, moves its MAC, rotates the
//! secret or removes the client certificate it stood on takes that proof away. The write
//! path says so at once (`Store::subscribe_revocations`), and a session checks its
//! `DeviceBinding` before it acts (`Store::binding_revoked`), so neither a slow subscriber
//! nor a race with the write lets a session act for a record it did not authenticate as.
//! This module is the one home of that rule.

use sha2::{Digest, Sha256};

use crate::directory::Directory;
use crate::model::Id;
use crate::model::device::Device;
use crate::record::{Change, Record, RecordKey};

/// Why a session no longer speaks for its device or account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeReason {
    /// The device (or its apartment, building or community) was deleted.
    Deleted,
    /// The device was given another MAC; the old MAC no longer names it.
    MacChanged,
    /// The gateway credential was rotated.
    CredentialRotated,
    /// The client certificate the device was registered with was removed or replaced.
    ClientCertificateRemoved,
    /// The SIP password (or the SIP number) of the account changed.
    SipPasswordChanged,
}

impl RevokeReason {
    /// What the device (or the log) is told.
    pub fn message(self) -> &'static str {
        match self {
            RevokeReason::Deleted => "the device was deleted",
            RevokeReason::MacChanged => "the device's MAC was changed",
            RevokeReason::CredentialRotated => "the device's credential was rotated",
            RevokeReason::ClientCertificateRemoved => {
                "the device's client certificate was removed or replaced"
            }
            RevokeReason::SipPasswordChanged => "the SIP account's password was changed",
        }
    }

    /// A short label for metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            RevokeReason::Deleted => "deleted",
            RevokeReason::MacChanged => "mac_changed",
            RevokeReason::CredentialRotated => "credential_rotated",
            RevokeReason::ClientCertificateRemoved => "client_certificate_removed",
            RevokeReason::SipPasswordChanged => "sip_password_changed",
        }
    }
}

/// One ended authorisation, as the write that ended it reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// Gateway sessions and remote-control grants of this device (as it was: `mac` is the
    /// MAC the sessions authenticated with) end.
    Device {
        device_id: Id,
        mac: String,
        reason: RevokeReason,
    },
    /// Registrations and dialogs of this SIP account (a device's or a family's) end.
    SipAccount {
        number: String,
        reason: RevokeReason,
    },
}

/// What a device proved when its session was opened: the record, the MAC, the credential
/// (as a tag of its sealed form, so it never holds the secret) and the client certificate
/// registered then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceBinding {
    pub device_id: Id,
    pub mac: String,
    credential_tag: [u8; 16],
    client_cert_sha256: String,
}

fn credential_tag(sealed: &str) -> [u8; 16] {
    let digest = Sha256::digest(sealed.as_bytes());
    let mut tag = [0u8; 16];
    tag.copy_from_slice(&digest[..16]);
    tag
}

impl DeviceBinding {
    pub fn of(device: &Device) -> Self {
        Self::new(
            device.id,
            &device.mac,
            &device.credential_sealed,
            &device.maintenance.client_cert_sha256,
        )
    }

    /// A binding from its parts (`credential_sealed` as the record keeps it).
    pub fn new(
        device_id: Id,
        mac: &str,
        credential_sealed: &str,
        client_cert_sha256: &str,
    ) -> Self {
        DeviceBinding {
            device_id,
            mac: mac.to_owned(),
            credential_tag: credential_tag(credential_sealed),
            client_cert_sha256: client_cert_sha256.to_owned(),
        }
    }

    /// Why a session bound like this may no longer act for the device now stored as
    /// `current` (by the same id); `None` while it still may. Registering a certificate
    /// where there was none ends nothing: the session did not stand on one.
    pub fn revoked_by(&self, current: Option<&Device>) -> Option<RevokeReason> {
        let Some(d) = current else {
            return Some(RevokeReason::Deleted);
        };
        if d.id != self.device_id {
            return Some(RevokeReason::Deleted);
        }
        if d.mac != self.mac {
            return Some(RevokeReason::MacChanged);
        }
        if credential_tag(&d.credential_sealed) != self.credential_tag {
            return Some(RevokeReason::CredentialRotated);
        }
        if !self.client_cert_sha256.is_empty()
            && d.maintenance.client_cert_sha256 != self.client_cert_sha256
        {
            return Some(RevokeReason::ClientCertificateRemoved);
        }
        None
    }
}

/// What `change` ends, judged against the directory before it is applied.
pub(crate) fn revocations(dir: &Directory, change: &Change, out: &mut Vec<Revocation>) {
    match change {
        Change::Put(Record::Device(new)) => {
            let Some(old) = dir.device(new.id) else {
                return;
            };
            if let Some(reason) = DeviceBinding::of(old).revoked_by(Some(new)) {
                out.push(Revocation::Device {
                    device_id: old.id,
                    mac: old.mac.clone(),
                    reason,
                });
            }
            if old.sip_number != new.sip_number
                || old.sip_password_sealed != new.sip_password_sealed
            {
                out.push(Revocation::SipAccount {
                    number: old.sip_number.clone(),
                    reason: RevokeReason::SipPasswordChanged,
                });
            }
        }
        Change::Delete(RecordKey::Device(id)) => {
            if let Some(old) = dir.device(*id) {
                out.push(Revocation::Device {
                    device_id: old.id,
                    mac: old.mac.clone(),
                    reason: RevokeReason::Deleted,
                });
                out.push(Revocation::SipAccount {
                    number: old.sip_number.clone(),
                    reason: RevokeReason::Deleted,
                });
            }
        }
        Change::Put(Record::Apartment(new)) => {
            if let Some(old) = dir.apartment(new.id)
                && !old.sip_password_sealed.is_empty()
                && (old.sip_password_sealed != new.sip_password_sealed
                    || old.family_sip_number != new.family_sip_number)
            {
                out.push(Revocation::SipAccount {
                    number: old.family_sip_number.clone(),
                    reason: RevokeReason::SipPasswordChanged,
                });
            }
        }
        Change::Delete(RecordKey::Apartment(id)) => {
            if let Some(old) = dir.apartment(*id) {
                out.push(Revocation::SipAccount {
                    number: old.family_sip_number.clone(),
                    reason: RevokeReason::Deleted,
                });
            }
        }
        _ => {}
    }
}
