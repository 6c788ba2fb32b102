//! The browser side of remote control. `/remote/{token}/…` is proxied to the device's web
//! interface with the prefix removed, and sets a cookie so that pages using absolute links
//! (`/css/app.css`) keep working: a request outside the listener's own paths that carries a
//! live grant's cookie goes to that device too. Each request is one tunnel stream speaking
//! HTTP/1.1 to the device. The HTTPS front mounts `RemoteSessions` at `/remote/` and as its
//! fallback.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

use porter_edge::https::body::{Body, not_found, text};
use porter_edge::https::{Handler, Peer, Reply};

use crate::remote::{Grant, OpenError, PATH_PREFIX, RemoteSessions};

/// The cookie that ties a browser to its grant.
pub const COOKIE: &str = "porter_remote";
/// Largest request body sent to a device (a firmware upload through its web page fits).
const MAX_UPLOAD: usize = 64 * 1024 * 1024;
/// Time for the device to start answering.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// Paths the HTTPS listener keeps for itself; never proxied on a cookie.
const OWN_PATHS: [&str; 3] = ["/autop/", "/firmware/", "/portal/"];

impl Handler for RemoteSessions {
    fn handle<'a>(&'a self, req: Request<Incoming>, _peer: &'a Peer) -> Reply<'a> {
        Box::pin(async move { handle(self, req).await.unwrap_or_else(not_found) })
    }
}

/// Answers a remote-control request; `None` when the request is not one.
pub async fn handle(remote: &RemoteSessions, req: Request<Incoming>) -> Option<Response<Body>> {
    let path = req.uri().path().to_owned();
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    if let Some(rest) = path.strip_prefix(PATH_PREFIX) {
        let (token, device_path) = match rest.split_once('/') {
            Some((t, p)) => (t.to_owned(), format!("/{p}")),
            // `/remote/{token}` without the slash: relative links need it.
            None => {
                let mut r = text(StatusCode::PERMANENT_REDIRECT, "");
                let to = format!("{PATH_PREFIX}{rest}/{query}");
                if let Ok(v) = HeaderValue::from_str(&to) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                return Some(r);
            }
        };
        let Some(grant) = remote.grant_for(&token) else {
            return Some(expired());
        };
        let mut resp = proxy(remote, &grant, req, format!("{device_path}{query}")).await;
        let left = grant
            .expires
            .saturating_duration_since(std::time::Instant::now())
            .as_secs();
        let cookie =
            format!("{COOKIE}={token}; Path=/; Max-Age={left}; Secure; HttpOnly; SameSite=Lax");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
        return Some(resp);
    }
    if OWN_PATHS.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let token = cookie_token(req.headers())?;
    let grant = remote.grant_for(&token)?;
    Some(proxy(remote, &grant, req, format!("{path}{query}")).await)
}

fn expired() -> Response<Body> {
    text(
        StatusCode::NOT_FOUND,
        "This remote-control link is unknown or has expired. Open Remote Control again from the device's settings.\n",
    )
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// Headers that belong to one hop (RFC 9110 §7.6.1), never forwarded.
const HOP_BY_HOP: [header::HeaderName; 7] = [
    header::CONNECTION,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers the Connection header names are hop-by-hop too.
    let named: Vec<header::HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| header::HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for h in HOP_BY_HOP.iter().chain(&named) {
        headers.remove(h);
    }
    headers.remove("keep-alive");
}

/// Our cookie stays between the browser and Porter; the device's own cookies pass.
fn strip_our_cookie(headers: &mut HeaderMap) {
    let kept: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|kv| !kv.is_empty() && !kv.starts_with(&format!("{COOKIE}=")))
        .map(str::to_owned)
        .collect();
    headers.remove(header::COOKIE);
    if !kept.is_empty()
        && let Ok(v) = HeaderValue::from_str(&kept.join("; "))
    {
        headers.insert(header::COOKIE, v);
    }
}

async fn proxy(
    remote: &RemoteSessions,
    grant: &Grant,
    req: Request<Incoming>,
    path_and_query: String,
) -> Response<Body> {
    let stream = match remote.connect(grant).await {
        Ok(s) => s,
        Err(OpenError::Offline) => {
            return text(
                StatusCode::BAD_GATEWAY,
                "The device is offline: remote control needs its gateway connection.\n",
            );
        }
        Err(e) => return text(StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")),
    };
    let (mut sender, conn) =
        match hyper::client::conn::http1::handshake(TokioIo::new(stream.0)).await {
            Ok(pair) => pair,
            Err(e) => return text(StatusCode::BAD_GATEWAY, format!("device connection: {e}\n")),
        };
    remote.tasks().spawn(async move {
        let _ = conn.await;
    });
    let (mut parts, body) = req.into_parts();
    let Ok(uri) = path_and_query.parse() else {
        return text(StatusCode::BAD_REQUEST, "bad path\n");
    };
    parts.uri = uri;
    parts.version = http::Version::HTTP_11;
    strip_hop_by_hop(&mut parts.headers);
    strip_our_cookie(&mut parts.headers);
    parts
        .headers
        .insert(header::HOST, HeaderValue::from_static("device"));
    parts
        .headers
        .insert("x-forwarded-proto", HeaderValue::from_static("https"));
    let body = Limited::new(body, MAX_UPLOAD).boxed();
    let sent = tokio::time::timeout(
        RESPONSE_TIMEOUT,
        sender.send_request(Request::from_parts(parts, body)),
    )
    .await;
    match sent {
        Ok(Ok(resp)) => {
            let (mut parts, body) = resp.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, body.map_err(Into::into).boxed_unsync())
        }
        Ok(Err(e)) => text(
            StatusCode::BAD_GATEWAY,
            format!("the device's web interface: {e}\n"),
        ),
        Err(_) => text(
            StatusCode::GATEWAY_TIMEOUT,
            "the device's web interface did not answer in time\n",
        ),
    }
}
