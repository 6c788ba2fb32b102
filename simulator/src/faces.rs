//! A simulated face-recognition door phone's enrolment: for each face credential in its
//! list without its photo, `GET /faces/{id}/{sha256}` from the AutoP server with the MAC and
//! gateway credential, and enrol the photo when its bytes hash to what the list says.

use std::sync::Arc;

use base64::Engine as _;
use http::{StatusCode, header};
use http_body_util::{BodyExt, Limited};
use sha2::Digest;

use crate::device::DeviceSpec;
use crate::entries::Door;
use crate::https;

/// The largest photo taken (the server keeps at most 2 MiB).
const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;

/// What one enrolment pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Enrolled {
    pub enrolled: usize,
    pub failed: usize,
}

/// Fetches the photos `door` lacks from `base` (`https://host:port`) and enrols them.
pub async fn enrol(
    tls: Arc<rustls::ClientConfig>,
    base: &str,
    spec: &DeviceSpec,
    door: &Door,
) -> Enrolled {
    let credentials = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", spec.mac, spec.credential));
    let auth = [(header::AUTHORIZATION, format!("Basic {credentials}"))];
    let mut done = Enrolled::default();
    let wanted = door.lock().list.faces_to_enrol();
    for (id, sha256) in wanted {
        let url = format!("{}/faces/{id}/{sha256}", base.trim_end_matches('/'));
        let photo = match https::get(tls.clone(), &url, &auth).await {
            Ok(r) if r.status() == StatusCode::OK => Limited::new(r.into_body(), MAX_PHOTO_BYTES)
                .collect()
                .await
                .ok(),
            _ => None,
        };
        let fits = photo.is_some_and(|p| hex::encode(sha2::Sha256::digest(p.to_bytes())) == sha256);
        if fits && door.lock().list.enrol(id, &sha256) {
            done.enrolled += 1;
        } else {
            done.failed += 1;
        }
    }
    done
}
