//! What a simulated device does with an `UpgradeFirmware` command: download the image by
//! the link it was given, hash it on the way, report progress, and refuse an image whose
//! SHA-256 is not the one the command named. Installing is a reboot into the new version.

use std::sync::Arc;

use http::StatusCode;
use http_body_util::BodyExt;
use porter_proto::device::v1 as d;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::https;

/// Progress events, in order; the last is `Failed` or `Installing`.
pub type Progress = d::UpgradeProgress;

fn progress(
    version: &str,
    state: d::upgrade_progress::State,
    percent: u32,
    reason: &str,
) -> Progress {
    d::UpgradeProgress {
        version: version.to_owned(),
        state: state as i32,
        percent,
        reason: reason.to_owned(),
    }
}

/// Downloads and checks the image of `u`, sending progress to `out`. `corrupt` flips a
/// byte as it arrives (a damaged transfer, for tests).
pub async fn upgrade(
    tls: Arc<rustls::ClientConfig>,
    u: d::UpgradeFirmware,
    corrupt: bool,
    out: mpsc::Sender<Progress>,
) {
    use d::upgrade_progress::State;
    let version = u.version.clone();
    let last = match download(tls, &u, corrupt, &out).await {
        Ok(()) => progress(&version, State::Installing, 100, ""),
        Err(reason) => progress(&version, State::Failed, 0, &reason),
    };
    let _ = out.send(last).await;
}

async fn download(
    tls: Arc<rustls::ClientConfig>,
    u: &d::UpgradeFirmware,
    corrupt: bool,
    out: &mpsc::Sender<Progress>,
) -> Result<(), String> {
    use d::upgrade_progress::State;
    let response = https::get(tls, &u.url, &[])
        .await
        .map_err(|e| format!("download: {e}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!("download: HTTP {}", response.status()));
    }
    let total = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let mut body = response.into_body();
    let mut hasher = Sha256::new();
    let mut received = 0u64;
    let mut reported = 0u32;
    let _ = out
        .send(progress(&u.version, State::Downloading, 0, ""))
        .await;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("download: {e}"))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if corrupt && received == 0 && !data.is_empty() {
            let mut damaged = data.to_vec();
            damaged[0] ^= 0xff;
            hasher.update(&damaged);
        } else {
            hasher.update(&data);
        }
        received += data.len() as u64;
        let percent = (received * 100).checked_div(total).unwrap_or(0).min(100) as u32;
        if percent >= reported + 25 {
            reported = percent - percent % 25;
            let _ = out
                .send(progress(&u.version, State::Downloading, reported, ""))
                .await;
        }
    }
    if total != 0 && received != total {
        return Err(format!("download: {received} of {total} bytes arrived"));
    }
    let _ = out
        .send(progress(&u.version, State::Verifying, 100, ""))
        .await;
    let actual = hex::encode(hasher.finalize());
    if !actual.eq_ignore_ascii_case(&u.sha256) {
        return Err(format!(
            "SHA-256 mismatch: the image is {actual}, the command named {}",
            u.sha256
        ));
    }
    Ok(())
}
