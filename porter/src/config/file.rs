//! The TOML file and how it combines with flags and the environment: a value given as a
//! flag or variable (clap reads both) wins over the file's.

use std::path::Path;

use anyhow::Context;

use super::sections::Settings;

/// Keys of the flat file older versions read, and where each lives now.
const FLAT_KEYS: &[(&str, &str)] = &[
    ("admin_listen", "[admin] listen"),
    ("token_ttl_secs", "[admin] token_ttl_secs"),
    ("gateway_listen", "[gateway] listen"),
    ("gateway_ws_listen", "[gateway] ws_listen"),
    ("gateway_plain_listen", "[gateway] plain_listen"),
    ("gateway_max_connections", "[gateway] max_connections"),
    ("gateway_accept_burst", "[gateway] accept_burst"),
    ("gateway_accept_rate", "[gateway] accept_rate"),
    ("gateway_tls_min", "[gateway] tls_min"),
    ("https_listen", "[https] listen"),
    ("public_url", "[https] public_url"),
    ("autop_mtls_listen", "[https] autop_mtls_listen"),
    ("https_tls_min", "[https] tls_min"),
    ("sip_listen", "[sip] listen"),
    ("sip_tls_listen", "[sip] tls_listen"),
    ("sip_ws_listen", "[sip] ws_listen"),
    ("sip_realm", "[sip] realm"),
    ("sip_digest_algorithms", "[sip] digest_algorithms"),
    ("sip_advertise", "[sip] advertise"),
    ("sip_ring_timeout_secs", "[sip] ring_timeout_secs"),
    ("sip_trunk", "[sip] trunk"),
    ("sip_trunk_user", "[sip] trunk_user"),
    ("sip_trunk_password", "[sip] trunk_password"),
    ("sip_tls_min", "[sip] tls_min"),
    ("firmware_max_mib", "[firmware] max_mib"),
    ("firmware_max_downloads", "[firmware] max_downloads"),
    ("gateway_cert", "[tls] cert"),
    ("gateway_key", "[tls] key"),
];

/// Reads the file at `path`; a file in the old flat form is refused, naming where each of
/// its keys goes now.
pub fn read(path: &Path) -> anyhow::Result<Settings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))?;
    let moved: Vec<String> = FLAT_KEYS
        .iter()
        .filter(|(old, _)| table.contains_key(*old))
        .map(|(old, new)| format!("{old} → {new}"))
        .collect();
    anyhow::ensure!(
        moved.is_empty(),
        "config file {}: settings now live in sections; move {}",
        path.display(),
        moved.join(", ")
    );
    toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
}

/// `given` (flags and environment) over `file`: every value `given` has wins.
pub fn combine(given: &Settings, file: Settings) -> anyhow::Result<Settings> {
    let mut merged = serde_json::to_value(file)?;
    overlay(&mut merged, serde_json::to_value(given)?);
    let mut settings: Settings = serde_json::from_value(merged)?;
    settings.config.clone_from(&given.config);
    Ok(settings)
}

/// Writes every non-null value of `top` into `base`, section by section.
fn overlay(base: &mut serde_json::Value, top: serde_json::Value) {
    match (base, top) {
        (serde_json::Value::Object(base), serde_json::Value::Object(top)) => {
            for (key, value) in top {
                match base.get_mut(&key) {
                    Some(slot) if value.is_object() => overlay(slot, value),
                    _ if value.is_null() => {}
                    _ => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, top) if !top.is_null() => *base = top,
        _ => {}
    }
}
