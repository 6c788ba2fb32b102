//! `GET /firmware/{device}/{expires}/{tag}/{sha256}.bin` on the HTTPS listener: a firmware
//! image by a signed per-device URL (`porter_provisioning::signing`), with byte ranges and
//! ETag conditions (`porter_provisioning::download`), under a cap on downloads at once so a
//! community upgrading together cannot starve the listener.

use std::sync::Arc;

use futures_util::TryStreamExt;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use porter_firmware_store::{FirmwareError, FirmwareStore, ImageId};
use porter_provisioning::download::{self, Conditions, Plan};
use porter_provisioning::signing::{FIRMWARE_PREFIX, UrlRefusal, UrlSigner};
use porter_store::Store;
use tokio::sync::Semaphore;
use tokio_util::io::ReaderStream;

use crate::https::{Body, text};

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
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(
        http_body_util::Empty::new()
            .map_err(|never| match never {})
            .boxed(),
    );
    *r.status_mut() = status;
    r
}

impl FirmwareDownloads {
    /// Answers a firmware download; `None` when the request is not one.
    pub async fn handle<B>(&self, req: &Request<B>) -> Option<Response<Body>> {
        let path = req.uri().path();
        if !path.starts_with(FIRMWARE_PREFIX) {
            return None;
        }
        Some(self.answer(req).await)
    }

    async fn answer<B>(&self, req: &Request<B>) -> Response<Body> {
        let head = req.method() == Method::HEAD;
        if req.method() != Method::GET && !head {
            let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
        let grant = match self
            .signer
            .check_firmware_path(req.uri().path(), unix_now())
        {
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
            Err(FirmwareError::NotFound(_)) => return text(StatusCode::NOT_FOUND, "not found\n"),
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
            range: header_str(req.headers(), header::RANGE),
            if_range: header_str(req.headers(), header::IF_RANGE),
            if_none_match: header_str(req.headers(), header::IF_NONE_MATCH),
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
            let mut r = Response::new(BodyExt::boxed(StreamBody::new(frames)));
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

fn set(r: &mut Response<Body>, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}
