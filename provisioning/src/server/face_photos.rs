//! `GET /faces/{credential}/{sha256}` on the HTTPS listeners: the photo a face-recognition
//! door phone enrols for a face credential in its list (`DoorCredential.value` is the
//! photo's SHA-256), behind the device's own authentication (`super::device_auth`). A
//! device gets only photos of credentials it holds now; anything else is 404, whether it
//! exists elsewhere or not.

use std::sync::Arc;

use http::request::Parts;
use http::{Method, Request, Response, StatusCode, header};
use hyper::body::{Bytes, Incoming};
use porter_edge::https::body::{
    Body, empty, not_found, only_get_or_head, set_header as set, text, whole,
};
use porter_edge::https::{Handler, Peer, Reply};
use porter_store::Store;
use porter_store::model::Id;

use super::device_auth::DeviceAuth;
use crate::download;

pub const PREFIX: &str = "/faces/";

pub struct FacePhotos {
    pub store: Store,
    pub auth: Arc<DeviceAuth>,
}

impl Handler for FacePhotos {
    fn handle<'a>(&'a self, req: Request<Incoming>, peer: &'a Peer) -> Reply<'a> {
        let (parts, _body) = req.into_parts();
        Box::pin(async move { self.answer(&parts, peer).await })
    }
}

/// (credential id, photo SHA-256) of a path under `PREFIX`.
fn wanted(path: &str) -> Option<(Id, &str)> {
    let (id, sha256) = path.strip_prefix(PREFIX)?.split_once('/')?;
    let id_ok = !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit());
    let sha_ok = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !(id_ok && sha_ok) {
        return None;
    }
    Some((id.parse().ok()?, sha256))
}

impl FacePhotos {
    async fn answer(&self, req: &Parts, peer: &Peer) -> Response<Body> {
        if let Some(refused) = only_get_or_head(&req.method) {
            return refused;
        }
        let Some((credential_id, sha256)) = wanted(req.uri.path()) else {
            return not_found();
        };
        let device = match self.auth.device(&self.store, &req.headers, peer, |_| true) {
            Ok(d) => d,
            Err(refused) => return refused.response(),
        };
        let (format, bytes) = match self
            .store
            .door_face_photo(device.id, credential_id, sha256)
            .await
        {
            Ok(Some(photo)) => photo,
            Ok(None) => return not_found(),
            Err(e) => {
                tracing::error!(device = device.id, credential = credential_id, error = %e, "reading a face photo");
                return text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the photo cannot be read\n",
                );
            }
        };
        // The photo is named by its hash: it never changes under this URL.
        let etag = format!("\"{sha256}\"");
        let current = req
            .headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| download::if_none_match_hits(tags, &etag));
        let mut r = if current {
            empty(StatusCode::NOT_MODIFIED)
        } else {
            let len = bytes.len();
            let body = if req.method == Method::HEAD {
                Bytes::new()
            } else {
                Bytes::from(bytes)
            };
            let mut r = Response::new(whole(body));
            set(&mut r, header::CONTENT_TYPE, format.content_type());
            set(&mut r, header::CONTENT_LENGTH, &len.to_string());
            r
        };
        set(&mut r, header::ETAG, &etag);
        // A person's photo: not for shared caches, nor kept by a client beyond its need.
        set(&mut r, header::CACHE_CONTROL, "private, no-store");
        tracing::debug!(device = device.id, credential = credential_id, "face photo");
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_a_credential_and_a_hash() {
        let sha = "ab".repeat(32);
        assert_eq!(
            wanted(&format!("/faces/42/{sha}")),
            Some((42, sha.as_str()))
        );
        for bad in [
            format!("/faces//{sha}"),
            format!("/faces/x/{sha}"),
            format!("/faces/42/{}", "AB".repeat(32)),
            format!("/faces/42/{sha}/more"),
            "/faces/42/abc".to_owned(),
            "/faces/42".to_owned(),
            format!("/faces/99999999999999999999999/{sha}"),
        ] {
            assert_eq!(wanted(&bad), None, "{bad}");
        }
    }
}
