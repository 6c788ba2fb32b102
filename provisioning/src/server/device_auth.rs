//! Who a device request on the HTTPS listeners comes from: HTTP Basic authentication with
//! the device's MAC and gateway credential, or on the client-certificate listener the
//! certificate registered in the device's settings. Every refusal looks the same, so an
//! unknown MAC, a bad credential and another device's MAC teach a caller nothing; an
//! address that keeps failing is refused for a while, across everything devices fetch.

use std::time::{Duration, Instant};

use base64::Engine as _;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use porter_edge::https::Peer;
use porter_edge::https::body::{Body, text};
use porter_store::Store;
use porter_store::auth_failures::AuthFailures;
use porter_store::model::Device;

#[derive(Default)]
pub struct DeviceAuth {
    failures: AuthFailures,
}

/// Why a device request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The address failed too often; it may try again after this long.
    HeldBack(Duration),
    /// No device, or not the one the request is for.
    Unauthenticated,
}

impl Refused {
    /// 429 with Retry-After, or 401 asking for Basic credentials.
    pub fn response(self) -> Response<Body> {
        match self {
            Refused::HeldBack(wait) => {
                let mut r = text(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many failed authentications from this address\n",
                );
                if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Refused::Unauthenticated => {
                let mut r = text(StatusCode::UNAUTHORIZED, "authentication required\n");
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"Porter AutoP\", charset=\"UTF-8\""),
                );
                r
            }
        }
    }
}

impl DeviceAuth {
    /// The device behind the request, when `accept` takes it (AutoP checks the MAC in the
    /// path).
    pub fn device(
        &self,
        store: &Store,
        headers: &HeaderMap,
        peer: &Peer,
        accept: impl FnOnce(&Device) -> bool,
    ) -> Result<Device, Refused> {
        if let Some(wait) = self.failures.blocked_for(peer.ip, Instant::now()) {
            return Err(Refused::HeldBack(wait));
        }
        let device = match peer.cert_sha256.as_deref() {
            Some(fingerprint) => store.read(|dir| dir.device_by_cert(fingerprint).cloned()),
            None => basic_auth(headers).and_then(|(user, password)| {
                let mac = porter_store::rules::mac("user", &user).ok()?;
                store.authenticate_device(&mac, &password)
            }),
        };
        match device {
            Some(d) if accept(&d) => Ok(d),
            _ => {
                self.failures.failed(peer.ip, Instant::now());
                tracing::debug!(peer = %peer.ip, "device authentication failed");
                Err(Refused::Unauthenticated)
            }
        }
    }
}

/// (user, password) of a Basic Authorization header.
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
