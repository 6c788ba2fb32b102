//! A simulated device's AutoP client: fetch `/autop/{MAC}.cfg` with the MAC and gateway
//! credential, send back the ETag it has, keep the file. It runs after each connection and
//! after a `ConfigChanged` command, as a device's provisioning client does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use http::{StatusCode, header};

use crate::device::{Counters, DeviceSpec};
use crate::https;

/// What the device holds of its configuration.
#[derive(Debug, Default)]
pub struct AutopState {
    pub etag: String,
    /// The last file received.
    pub file: String,
}

/// Fetches the device's file from `base` (`https://host:port`) and keeps it in `state`.
pub async fn fetch(
    tls: Arc<rustls::ClientConfig>,
    base: &str,
    spec: &DeviceSpec,
    state: &Mutex<AutopState>,
    counters: &Counters,
) {
    let url = format!("{}/autop/{}.cfg", base.trim_end_matches('/'), spec.mac);
    let credentials = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", spec.mac, spec.credential));
    let mut headers = vec![(header::AUTHORIZATION, format!("Basic {credentials}"))];
    let etag = state.lock().unwrap_or_else(|p| p.into_inner()).etag.clone();
    if !etag.is_empty() {
        headers.push((header::IF_NONE_MATCH, etag));
    }
    let bump = |c: &AtomicU64| {
        c.fetch_add(1, Ordering::Relaxed);
    };
    match https::get_text(tls, &url, &headers).await {
        Ok((StatusCode::OK, head, body)) => {
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            s.etag = head
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            s.file = body;
            bump(&counters.autop_fetched);
        }
        Ok((StatusCode::NOT_MODIFIED, _, _)) => bump(&counters.autop_unchanged),
        Ok(_) | Err(_) => bump(&counters.autop_failures),
    }
}
