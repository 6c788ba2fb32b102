//! `POST /captures?reason=…&at_ms=…` on the HTTPS listeners: a device uploads a picture it
//! took (someone at the door, a call, motion) as the request body, a JPEG or PNG of at most
//! `MAX_CAPTURE_BYTES`, behind its own authentication (`super::device_auth`). The store
//! keeps it with the community's events (`Store::record_capture`).

use std::sync::Arc;

use http::request::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use porter_edge::https::body::{Body, not_found, text};
use porter_edge::https::{Handler, Peer, Reply};
use porter_store::ops::captures::MAX_CAPTURE_BYTES;
use porter_store::{Store, StoreError};

use super::device_auth::DeviceAuth;

pub const PATH: &str = "/captures";

pub struct CapturedImages {
    pub store: Store,
    pub auth: Arc<DeviceAuth>,
}

impl Handler for CapturedImages {
    fn handle<'a>(&'a self, req: Request<Incoming>, peer: &'a Peer) -> Reply<'a> {
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            self.answer(&parts, body, peer).await
        })
    }
}

/// (reason, at_ms) of the query; a missing time is 0 (now).
fn query(parts: &Parts) -> Result<(String, i64), String> {
    let (mut reason, mut at_ms) = (None, 0);
    for pair in parts.uri.query().unwrap_or_default().split('&') {
        match pair.split_once('=') {
            Some(("reason", v)) => reason = Some(v.to_owned()),
            Some(("at_ms", v)) => {
                at_ms = v
                    .parse()
                    .map_err(|_| format!("at_ms: {v:?} is not a time in milliseconds"))?;
            }
            _ => {}
        }
    }
    let reason = reason.ok_or("reason: missing (door_log, call or motion)")?;
    Ok((reason, at_ms))
}

impl CapturedImages {
    async fn answer(&self, parts: &Parts, body: Incoming, peer: &Peer) -> Response<Body> {
        if parts.uri.path() != PATH {
            return not_found();
        }
        if parts.method != Method::POST {
            let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "POST only\n");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
        let device = match self
            .auth
            .device(&self.store, &parts.headers, peer, |_| true)
        {
            Ok(d) => d,
            Err(refused) => return refused.response(),
        };
        let (reason, at_ms) = match query(parts) {
            Ok(q) => q,
            Err(why) => return text(StatusCode::BAD_REQUEST, format!("{why}\n")),
        };
        let image = match Limited::new(body, MAX_CAPTURE_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return text(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "image: a captured image may be at most {} KiB\n",
                        MAX_CAPTURE_BYTES / 1024
                    ),
                );
            }
            Err(_) => return text(StatusCode::BAD_REQUEST, "the upload broke off\n"),
        };
        let recorded = self
            .store
            .record_capture(device.id, at_ms, &reason, &image)
            .await;
        match recorded {
            Ok(Some(event)) => {
                tracing::debug!(device = device.id, seq = event.seq, "captured image kept");
                text(
                    StatusCode::CREATED,
                    format!("kept as event {}\n", event.seq),
                )
            }
            Ok(None) => not_found(),
            Err(e @ StoreError::Invalid { .. }) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            Err(e) => {
                tracing::error!(device = device.id, error = %e, "keeping a captured image");
                text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the image could not be kept\n",
                )
            }
        }
    }
}
