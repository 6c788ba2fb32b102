//! Signed, time-limited, per-device download URLs. A URL names the device, the image and
//! when it stops working, and carries an HMAC-SHA256 of those under a key kept in the data
//! directory, so the server checks a download without remembering the URLs it handed out.
//! Deleting the device revokes its URLs (the server checks the device still exists).

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of HMAC kept in a URL: 128 bits, as hex.
const TAG_BYTES: usize = 16;
/// The key file's size.
const KEY_BYTES: usize = 32;
/// The path prefix of firmware downloads.
pub const FIRMWARE_PREFIX: &str = "/firmware/";

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("the URL signing key {path}: {source}")]
    Key {
        path: String,
        source: std::io::Error,
    },
    #[error("the URL signing key {0} is not {KEY_BYTES} bytes")]
    KeySize(String),
}

/// Makes and checks download URLs.
#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; KEY_BYTES],
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(..)")
    }
}

/// A firmware download a URL grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirmwareGrant {
    pub device_id: u64,
    /// The image's SHA-256 (lower-case hex).
    pub image_sha256: String,
    /// Unix seconds after which the URL no longer works.
    pub expires_at: u64,
}

/// Why a download URL was refused. Devices learn only "not found" or "expired".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlRefusal {
    Malformed,
    BadSignature,
    Expired,
}

impl UrlSigner {
    pub fn from_key(key: [u8; KEY_BYTES]) -> Self {
        UrlSigner { key }
    }

    /// The key in `path`, which must be there (cluster mode: the operator gives every node
    /// the same one).
    pub fn load(path: &Path) -> Result<Self, SigningError> {
        let bytes = std::fs::read(path).map_err(|source| SigningError::Key {
            path: path.display().to_string(),
            source,
        })?;
        let key: [u8; KEY_BYTES] = bytes
            .try_into()
            .map_err(|_| SigningError::KeySize(path.display().to_string()))?;
        Ok(UrlSigner { key })
    }

    /// The key in `path`, made (mode 0600) on first use.
    pub fn load_or_create(path: &Path) -> Result<Self, SigningError> {
        let err = |source| SigningError::Key {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(path) {
            Ok(_) => Self::load(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; KEY_BYTES];
                getrandom::fill(&mut key).map_err(|e| err(std::io::Error::other(e.to_string())))?;
                write_private(path, &key).map_err(err)?;
                Ok(UrlSigner { key })
            }
            Err(e) => Err(err(e)),
        }
    }

    /// A key for another purpose (`purpose` names it), derived from this one: every node of a
    /// cluster has the same URL-signing key, so each derives the same key for talking to
    /// the others, and neither key tells the other.
    pub fn derive_key(&self, purpose: &str) -> [u8; KEY_BYTES] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"porter derived key: ");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn tag(&self, message: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(message.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..TAG_BYTES])
    }

    /// The path (from the server root) of a firmware download:
    /// `/firmware/{device}/{expires}/{tag}/{sha256}.bin`.
    pub fn firmware_path(&self, grant: &FirmwareGrant) -> String {
        let tag = self.tag(&firmware_message(grant));
        format!(
            "{FIRMWARE_PREFIX}{}/{}/{tag}/{}.bin",
            grant.device_id, grant.expires_at, grant.image_sha256
        )
    }

    /// Checks a path made by `firmware_path` at Unix time `now`.
    pub fn check_firmware_path(&self, path: &str, now: u64) -> Result<FirmwareGrant, UrlRefusal> {
        let rest = path
            .strip_prefix(FIRMWARE_PREFIX)
            .ok_or(UrlRefusal::Malformed)?;
        let mut parts = rest.split('/');
        let (Some(device), Some(expires), Some(tag), Some(file), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(UrlRefusal::Malformed);
        };
        let sha = file.strip_suffix(".bin").ok_or(UrlRefusal::Malformed)?;
        let hex_ok = |s: &str, len: usize| {
            s.len() == len && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        };
        if !hex_ok(sha, 64) || !hex_ok(tag, TAG_BYTES * 2) {
            return Err(UrlRefusal::Malformed);
        }
        let grant = FirmwareGrant {
            device_id: device.parse().map_err(|_| UrlRefusal::Malformed)?,
            image_sha256: sha.to_owned(),
            expires_at: expires.parse().map_err(|_| UrlRefusal::Malformed)?,
        };
        let expected = self.tag(&firmware_message(&grant));
        if !constant_time_eq(expected.as_bytes(), tag.as_bytes()) {
            return Err(UrlRefusal::BadSignature);
        }
        if now > grant.expires_at {
            return Err(UrlRefusal::Expired);
        }
        Ok(grant)
    }
}

fn firmware_message(g: &FirmwareGrant) -> String {
    format!(
        "firmware|{}|{}|{}",
        g.device_id, g.expires_at, g.image_sha256
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> FirmwareGrant {
        FirmwareGrant {
            device_id: 42,
            image_sha256: "ab".repeat(32),
            expires_at: 1_000,
        }
    }

    #[test]
    fn a_signed_path_checks_until_it_expires() {
        let signer = UrlSigner::from_key([7; KEY_BYTES]);
        let path = signer.firmware_path(&grant());
        assert!(path.starts_with("/firmware/42/1000/"), "{path}");
        assert_eq!(signer.check_firmware_path(&path, 1_000), Ok(grant()));
        assert_eq!(
            signer.check_firmware_path(&path, 1_001),
            Err(UrlRefusal::Expired)
        );
    }

    #[test]
    fn any_change_to_a_path_breaks_its_signature() {
        let signer = UrlSigner::from_key([7; KEY_BYTES]);
        let path = signer.firmware_path(&grant());
        let other_device = path.replacen("/firmware/42/", "/firmware/43/", 1);
        let later = path.replacen("/1000/", "/9000/", 1);
        let other_image = path.replace(&"ab".repeat(32), &"cd".repeat(32));
        for forged in [other_device, later, other_image] {
            assert_eq!(
                signer.check_firmware_path(&forged, 0),
                Err(UrlRefusal::BadSignature),
                "{forged}"
            );
        }
        let other_key = UrlSigner::from_key([8; KEY_BYTES]);
        assert_eq!(
            other_key.check_firmware_path(&path, 0),
            Err(UrlRefusal::BadSignature)
        );
        for bad in [
            "/firmware/",
            "/firmware/42/1000/x/y.bin",
            "/other",
            &format!("{path}/extra"),
        ] {
            assert_eq!(
                signer.check_firmware_path(bad, 0),
                Err(UrlRefusal::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_key_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("url-signing.key");
        let first = UrlSigner::load_or_create(&path).expect("create");
        let again = UrlSigner::load_or_create(&path).expect("load");
        assert_eq!(first.firmware_path(&grant()), again.firmware_path(&grant()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, b"short").expect("write");
        assert!(matches!(
            UrlSigner::load_or_create(&path),
            Err(SigningError::KeySize(_))
        ));
    }
}
