//! `GET /firmware/{device}/{expires}/{tag}/{sha256}.bin` on the HTTPS listener: a firmware
//! image by a signed per-device URL (`crate::signing`), with byte ranges and ETag conditions
//! (`crate::download`), under a cap on downloads at once so a
//! community upgrading together cannot starve the listener.

use std::sync::Arc;

use futures_util::TryStreamExt;
use http::request::Parts;
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use porter_edge::https::body::{Body, empty, only_get_or_head, set_header as set, text};
use porter_edge::https::{Handler, Peer, Reply};
use porter_firmware_store::{FirmwareError, FirmwareStore, ImageId};
use porter_store::Store;
use tokio::sync::Semaphore;
use tokio_util::io::ReaderStream;

use crate::download::{self, Conditions, Plan};
use crate::signing::{UrlRefusal, UrlSigner};

/// Bytes read from disk per body frame: large frames keep TLS records full.
const READ_CHUNK: usize = 256 * 1024;
/// What a client told to come back later waits, in seconds.
const RETRY_AFTER_SECS: &str = "30";

pub struct FirmwareDownloads {
    pub store: Store,
    pub images: FirmwareStore,
    pub signer: UrlSigner,
    /// Downloads sending at once; more get 503 with Retry-After.
    pub slots: Arc<Semaphore>,
    /// Cluster mode: one copy of an image from the shared store at a time.
    pub fetching: tokio::sync::Mutex<()>,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl Handler for FirmwareDownloads {
    /// Answers a request under `crate::signing::FIRMWARE_PREFIX`.
    fn handle<'a>(&'a self, req: Request<Incoming>, _peer: &'a Peer) -> Reply<'a> {
        let (parts, _body) = req.into_parts();
        Box::pin(async move { self.answer(&parts).await })
    }
}

impl FirmwareDownloads {
    /// Cluster mode: an image another node took, copied to this node's disk (and checked
    /// against its name) the first time this node is asked for it; its size.
    async fn fetch_shared(&self, id: &ImageId) -> Option<u64> {
        let _one_at_a_time = self.fetching.lock().await;
        if let Ok(size) = self.images.size(id).await {
            return Some(size);
        }
        let scratch = self.images.scratch_path().ok()?;
        let fetched = self.store.fetch_firmware_image(id.as_str(), &scratch).await;
        let size = match fetched {
            Ok(true) => match tokio::fs::File::open(&scratch).await {
                Ok(file) => match self.images.put_expecting(file, id).await {
                    Ok(stored) => Some(stored.size),
                    Err(e) => {
                        tracing::error!(error = %e, image = %id, "a shared firmware image did not match its name");
                        None
                    }
                },
                Err(e) => {
                    tracing::error!(error = %e, image = %id, "reading a fetched firmware image");
                    None
                }
            },
            Ok(false) => None,
            Err(e) => {
                tracing::warn!(error = %e, image = %id, "fetching a shared firmware image failed");
                None
            }
        };
        let _ = tokio::fs::remove_file(&scratch).await;
        if size.is_some() {
            tracing::info!(image = %id, "firmware image copied from the cluster's store");
        }
        size
    }

    async fn answer(&self, req: &Parts) -> Response<Body> {
        if let Some(refused) = only_get_or_head(&req.method) {
            return refused;
        }
        let head = req.method == Method::HEAD;
        let grant = match self.signer.check_firmware_path(req.uri.path(), unix_now()) {
            Ok(g) => g,
            Err(UrlRefusal::Expired) => {
                return text(
                    StatusCode::FORBIDDEN,
                    "this download link has expired; the device gets a new one with its next upgrade command\n",
                );
            }
            Err(UrlRefusal::Malformed | UrlRefusal::BadSignature) => {
                return text(StatusCode::NOT_FOUND, "not found\n");
            }
        };
        // A deleted device's links stop working.
        if self.store.read(|dir| dir.device(grant.device_id).is_none()) {
            return text(StatusCode::NOT_FOUND, "not found\n");
        }
        let Ok(id) = ImageId::parse(&grant.image_sha256) else {
            return text(StatusCode::NOT_FOUND, "not found\n");
        };
        let size = match self.images.size(&id).await {
            Ok(size) => size,
            Err(FirmwareError::NotFound(_)) => match self.fetch_shared(&id).await {
                Some(size) => size,
                None => return text(StatusCode::NOT_FOUND, "not found\n"),
            },
            Err(e) => {
                tracing::error!(error = %e, image = %id, "reading a firmware image");
                return text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the image cannot be read\n",
                );
            }
        };
        let etag = format!("\"{id}\"");
        let conditions = Conditions {
            range: header_str(&req.headers, header::RANGE),
            if_range: header_str(&req.headers, header::IF_RANGE),
            if_none_match: header_str(&req.headers, header::IF_NONE_MATCH),
        };
        let (status, start, end) = match download::plan(&conditions, &etag, size) {
            Plan::NotModified => {
                let mut r = empty(StatusCode::NOT_MODIFIED);
                set(&mut r, header::ETAG, &etag);
                return r;
            }
            Plan::Unsatisfiable => {
                let mut r = empty(StatusCode::RANGE_NOT_SATISFIABLE);
                set(&mut r, header::CONTENT_RANGE, &format!("bytes */{size}"));
                return r;
            }
            Plan::Full => (StatusCode::OK, 0, size - 1),
            Plan::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, start, end),
        };
        let mut response = if head {
            empty(status)
        } else {
            let Ok(slot) = self.slots.clone().try_acquire_owned() else {
                let mut r = text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many firmware downloads at once; try again shortly\n",
                );
                set(&mut r, header::RETRY_AFTER, RETRY_AFTER_SECS);
                return r;
            };
            let (reader, _) = match self.images.read_range(&id, start, end).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, image = %id, "reading a firmware image");
                    return text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the image cannot be read\n",
                    );
                }
            };
            // The slot is held by the body, so it frees when the last byte went or the
            // client left.
            let frames = ReaderStream::with_capacity(reader, READ_CHUNK)
                .map_ok(move |bytes| {
                    let _held = &slot;
                    Frame::data(bytes)
                })
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
            let mut r = Response::new(BodyExt::boxed_unsync(StreamBody::new(frames)));
            *r.status_mut() = status;
            r
        };
        set(
            &mut response,
            header::CONTENT_TYPE,
            "application/octet-stream",
        );
        set(
            &mut response,
            header::CONTENT_LENGTH,
            &(end - start + 1).to_string(),
        );
        set(&mut response, header::ACCEPT_RANGES, "bytes");
        set(&mut response, header::ETAG, &etag);
        set(
            &mut response,
            header::CACHE_CONTROL,
            "private, max-age=3600",
        );
        if status == StatusCode::PARTIAL_CONTENT {
            set(
                &mut response,
                header::CONTENT_RANGE,
                &format!("bytes {start}-{end}/{size}"),
            );
        }
        tracing::debug!(device = grant.device_id, image = %id, start, end, "firmware download");
        response
    }
}
