//! Firmware images in the firmware list: version, the device models it is for, its change
//! log, and the stored image (by SHA-256; the bytes live in the firmware store).

use serde::{Deserialize, Serialize};

use super::Id;
use crate::error::{Result, StoreError};
use crate::rules;

/// The longest change log kept.
pub const MAX_CHANGE_LOG_LEN: usize = 4000;
/// Models one image may be for.
pub const MAX_FIRMWARE_MODELS: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firmware {
    pub id: Id,
    pub installer_id: Id,
    /// As devices report it, e.g. "29.30.2.805".
    pub version: String,
    /// The device models it installs on, e.g. ["R29", "R29C"].
    pub models: Vec<String>,
    pub change_log: String,
    /// The image's SHA-256 (lower-case hex) in the firmware store, and its size.
    pub image_sha256: String,
    pub size: u64,
    pub created_at_ms: i64,
}

#[derive(Clone, Debug, Default)]
pub struct FirmwareInput {
    pub version: String,
    pub models: Vec<String>,
    pub change_log: String,
}

impl FirmwareInput {
    /// The version, models and change log, checked; each error names its field.
    pub fn validated(self) -> Result<FirmwareInput> {
        Ok(FirmwareInput {
            version: version(&self.version)?,
            models: models(&self.models)?,
            change_log: rules::multiline_text("change_log", &self.change_log, MAX_CHANGE_LOG_LEN)?,
        })
    }
}

/// Dot-separated numbers, 2 to 6 of them, as intercom firmware versions are written.
fn version(v: &str) -> Result<String> {
    let v = v.trim();
    let parts: Vec<&str> = v.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|c| c.is_ascii_digit()));
    if !(2..=6).contains(&parts.len()) || !numeric {
        return Err(StoreError::invalid(
            "version",
            format!(
                "{} is not a firmware version (2 to 6 dot-separated numbers, e.g. 29.30.2.805)",
                rules::quote(v)
            ),
        ));
    }
    Ok(v.to_owned())
}

fn models(models: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(models.len());
    for (i, m) in models.iter().enumerate() {
        let m = m.trim().to_ascii_uppercase();
        let ok = (1..=32).contains(&m.len())
            && m.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if !ok {
            return Err(StoreError::invalid(
                format!("models[{i}]"),
                "must be 1 to 32 letters, digits, '-' or '_' (a device model such as R29)",
            ));
        }
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.is_empty() || out.len() > MAX_FIRMWARE_MODELS {
        return Err(StoreError::invalid(
            "models",
            format!("name 1 to {MAX_FIRMWARE_MODELS} device models"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_models_are_checked() {
        let ok = FirmwareInput {
            version: " 29.30.2.805 ".into(),
            models: vec!["r29".into(), "R29".into(), "C317-A".into()],
            change_log: "Fixes".into(),
        }
        .validated()
        .expect("valid");
        assert_eq!(ok.version, "29.30.2.805");
        assert_eq!(ok.models, vec!["R29", "C317-A"]);
        for bad in ["29", "29.x.1", "1.2.3.4.5.6.7", "", "29..1"] {
            let e = FirmwareInput {
                version: bad.into(),
                models: vec!["R29".into()],
                ..Default::default()
            }
            .validated()
            .expect_err(bad);
            assert_eq!(e.field(), Some("version"), "{bad}");
        }
        let e = FirmwareInput {
            version: "1.2".into(),
            models: vec!["R 29".into()],
            ..Default::default()
        }
        .validated()
        .expect_err("space");
        assert_eq!(e.field(), Some("models[0]"));
        let e = FirmwareInput {
            version: "1.2".into(),
            ..Default::default()
        }
        .validated()
        .expect_err("none");
        assert_eq!(e.field(), Some("models"));
    }

    #[test]
    fn a_version_log_keeps_its_lines_and_refuses_other_controls() {
        let input = |log: &str| FirmwareInput {
            version: "1.2".into(),
            models: vec!["R29".into()],
            change_log: log.into(),
        };
        let ok = input("Fixes:\r\n\t- relay delay\n- DTMF\n")
            .validated()
            .expect("lines and tabs are fine");
        assert_eq!(ok.change_log, "Fixes:\n\t- relay delay\n- DTMF");
        let e = input("bell\u{7}").validated().expect_err("BEL");
        assert_eq!(e.field(), Some("change_log"));
        let e = input(&"x".repeat(MAX_CHANGE_LOG_LEN + 1))
            .validated()
            .expect_err("too long");
        assert_eq!(e.field(), Some("change_log"));
    }
}
