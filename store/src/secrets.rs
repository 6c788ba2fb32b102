//! Secrets at rest: device SIP passwords and camera passwords are sealed with
//! ChaCha20-Poly1305 under a key kept beside the data (`secret.key`, mode 0600), so a copy
//! of the records alone does not reveal them.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::error::{BackendError, Result, StoreError};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| {
        StoreError::ResourceExhausted(format!("the system random source failed: {e}"))
    })?;
    Ok(buf)
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Backend(BackendError::Sled(sled::Error::Io(e)))
}

impl Sealer {
    /// Reads the key at `path`, creating it (0600) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        let key = match std::fs::read(path) {
            Ok(bytes) => return Self::from_file_bytes(path, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random::<KEY_LEN>()?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(path).map_err(io)?;
                std::io::Write::write_all(&mut file, &key).map_err(io)?;
                file.sync_all().map_err(io)?;
                key.to_vec()
            }
            Err(e) => return Err(io(e)),
        };
        Ok(Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    /// Reads the key at `path`, never creating it: in cluster mode every node must seal
    /// with the same key, which the operator makes once (32 random bytes) and gives each.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| {
            StoreError::precondition(format!("the sealing key {}: {e}", path.display()))
        })?;
        Self::from_file_bytes(path, &bytes)
    }

    fn from_file_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        if bytes.len() != KEY_LEN {
            return Err(StoreError::precondition(format!(
                "{} holds {} bytes; a secret key is {KEY_LEN}",
                path.display(),
                bytes.len()
            )));
        }
        Ok(Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(bytes)),
        })
    }

    /// A key that lives only as long as the process (memory stores, tests).
    pub fn ephemeral() -> Result<Self> {
        Ok(Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&random::<KEY_LEN>()?)),
        })
    }

    /// hex(nonce ‖ ciphertext ‖ tag).
    pub fn seal(&self, plaintext: &str) -> Result<String> {
        let nonce = random::<NONCE_LEN>()?;
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| StoreError::precondition("sealing a secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(hex::encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<String> {
        let bad = || {
            StoreError::precondition("a sealed secret does not open with this server's secret.key")
        };
        let bytes = hex::decode(sealed).map_err(|_| bad())?;
        if bytes.len() < NONCE_LEN {
            return Err(bad());
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let pt = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| bad())?;
        String::from_utf8(pt).map_err(|_| bad())
    }
}

/// Secrets opened on a hot path (the SIP password behind every REGISTER's and INVITE's
/// digest), kept by their sealed form so each is decrypted once. A changed secret is a new
/// sealed string (a fresh nonce each time), so an entry never goes stale; one left behind by
/// a changed or deleted account only waits for the table to start over, which it does when
/// full: memory stays bounded at `max` entries (about 150 bytes each).
pub struct OpenedSecrets {
    opened: std::sync::Mutex<std::collections::HashMap<String, String>>,
    max: usize,
}

impl std::fmt::Debug for OpenedSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenedSecrets(..)")
    }
}

impl OpenedSecrets {
    pub fn new(max: usize) -> OpenedSecrets {
        OpenedSecrets {
            opened: Default::default(),
            max: max.max(1),
        }
    }

    /// `sealer.open(sealed)`, decrypted at most once while it stays in the table.
    pub fn open(&self, sealer: &Sealer, sealed: &str) -> Result<String> {
        let table = || self.opened.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(plain) = table().get(sealed) {
            return Ok(plain.clone());
        }
        let plain = sealer.open(sealed)?;
        let mut opened = table();
        if opened.len() >= self.max {
            opened.clear();
            opened.shrink_to_fit();
        }
        opened.insert(sealed.to_owned(), plain.clone());
        Ok(plain)
    }

    pub fn len(&self) -> usize {
        self.opened.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opened_secrets_are_kept_by_their_sealed_form_and_bounded() {
        let sealer = Sealer::ephemeral().unwrap();
        let cache = OpenedSecrets::new(2);
        let a = sealer.seal("alpha").unwrap();
        let b = sealer.seal("bravo").unwrap();
        assert_eq!(cache.open(&sealer, &a).unwrap(), "alpha");
        assert_eq!(cache.open(&sealer, &a).unwrap(), "alpha");
        assert_eq!(cache.len(), 1);
        // A new password is a new sealed string: never answered from the old entry.
        let a2 = sealer.seal("alpha-2").unwrap();
        assert_eq!(cache.open(&sealer, &b).unwrap(), "bravo");
        assert_eq!(cache.open(&sealer, &a2).unwrap(), "alpha-2");
        assert!(cache.len() <= 2, "bounded");
        // What does not open is an error, and is not kept.
        let other = Sealer::ephemeral().unwrap().seal("x").unwrap();
        assert!(cache.open(&sealer, &other).is_err());
        assert!(cache.len() <= 2);
    }

    #[test]
    fn seal_open_and_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let a = Sealer::load_or_create(&path).unwrap();
        let sealed = a.seal("hunter2").unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_ne!(sealed, a.seal("hunter2").unwrap(), "fresh nonce each time");
        let b = Sealer::load_or_create(&path).unwrap();
        assert_eq!(b.open(&sealed).unwrap(), "hunter2");
        assert!(Sealer::ephemeral().unwrap().open(&sealed).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
