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

use crate::remote::{Grant, OpenError, PATH_PREFIX, Peers, RemoteSessions};

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
        let left = grant.seconds_left();
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

/// Marks a request one node passed to another: that node does not pass it on again.
const FORWARDED: &str = "x-porter-node-forwarded";
/// Time to reach the node holding the device.
const NODE_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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
    if !remote.holds(grant) {
        let first_hop = !req.headers().contains_key(FORWARDED);
        let node = remote
            .peers()
            .filter(|_| first_hop)
            .and_then(|p| Some((p, p.nodes.https_node_of(grant.device_id, &grant.mac)?)));
        return match node {
            Some((peers, addr)) => forward(remote, peers, addr, req).await,
            None => offline(),
        };
    }
    let stream = match remote.connect(grant).await {
        Ok(s) => s,
        Err(OpenError::Offline) => return offline(),
        Err(e) => return text(StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")),
    };
    let (sender, conn) = match hyper::client::conn::http1::handshake(TokioIo::new(stream.0)).await {
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
    strip_our_cookie(&mut parts.headers);
    parts
        .headers
        .insert(header::HOST, HeaderValue::from_static("device"));
    parts
        .headers
        .insert("x-forwarded-proto", HeaderValue::from_static("https"));
    send(sender, parts, body, "the device's web interface").await
}

fn offline() -> Response<Body> {
    text(
        StatusCode::BAD_GATEWAY,
        "The device is offline: remote control needs its gateway connection.\n",
    )
}

/// Passes the request as it came to the HTTPS of `node`, the cluster node that holds the
/// device's connection; that node checks the grant again and carries it to the device.
async fn forward(
    remote: &RemoteSessions,
    peers: &Peers,
    node: std::net::SocketAddr,
    req: Request<Incoming>,
) -> Response<Body> {
    let unreachable = |e: String| {
        tracing::info!(%node, error = %e, "passing remote control to another node failed");
        text(
            StatusCode::BAD_GATEWAY,
            "The node holding the device's connection cannot be reached; try again.\n",
        )
    };
    let tcp = match tokio::time::timeout(NODE_CONNECT_TIMEOUT, tokio::net::TcpStream::connect(node))
        .await
    {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => return unreachable(e.to_string()),
        Err(_) => return unreachable("timed out".into()),
    };
    // The name is not checked: the node must present the certificate every node shares.
    let name = rustls::pki_types::ServerName::IpAddress(node.ip().into());
    let tls = tokio_rustls::TlsConnector::from(peers.tls.clone());
    let tls = match tokio::time::timeout(NODE_CONNECT_TIMEOUT, tls.connect(name, tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => return unreachable(e.to_string()),
        Err(_) => return unreachable("TLS timed out".into()),
    };
    let (sender, conn) = match hyper::client::conn::http1::handshake(TokioIo::new(tls)).await {
        Ok(pair) => pair,
        Err(e) => return unreachable(e.to_string()),
    };
    remote.tasks().spawn(async move {
        let _ = conn.await;
    });
    let (mut parts, body) = req.into_parts();
    let origin_form = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let Ok(uri) = origin_form.parse() else {
        return text(StatusCode::BAD_REQUEST, "bad path\n");
    };
    parts.uri = uri;
    parts
        .headers
        .insert(FORWARDED, HeaderValue::from_static("1"));
    let mut resp = send(sender, parts, body, "the node holding the device").await;
    // The grant's cookie is this node's to set (`handle`).
    let kept: Vec<HeaderValue> = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter(|v| !v.as_bytes().starts_with(format!("{COOKIE}=").as_bytes()))
        .cloned()
        .collect();
    resp.headers_mut().remove(header::SET_COOKIE);
    for v in kept {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Sends a request over an HTTP/1.1 connection (to a device or to another node) and
/// passes the answer back; `what` names the far end in errors.
async fn send(
    mut sender: hyper::client::conn::http1::SendRequest<
        http_body_util::combinators::BoxBody<
            bytes::Bytes,
            Box<dyn std::error::Error + Send + Sync>,
        >,
    >,
    mut parts: http::request::Parts,
    body: Incoming,
    what: &str,
) -> Response<Body> {
    parts.version = http::Version::HTTP_11;
    strip_hop_by_hop(&mut parts.headers);
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
        Ok(Err(e)) => text(StatusCode::BAD_GATEWAY, format!("{what}: {e}\n")),
        Err(_) => text(
            StatusCode::GATEWAY_TIMEOUT,
            format!("{what} did not answer in time\n"),
        ),
    }
}
