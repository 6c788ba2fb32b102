//! The HTTPS listener (default :8443): HTTP/1.1 over TLS with hyper, under a connection
//! limit, a TLS-handshake timeout and a request-head timeout. It serves AutoP files
//! (`autop_http.rs`), firmware downloads (`firmware_download.rs`) and remote control. Each request is routed by
//! path.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::gateway::{accept, stopped};
use crate::remote::RemoteSessions;

pub type Body = BoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Debug, Clone)]
pub struct HttpsConfig {
    /// Connections at once (default 10,000).
    pub max_connections: usize,
    /// TLS handshake and request head, each (default 10 s).
    pub handshake_timeout: Duration,
    /// Connections one address may hold before their first request (default 256).
    pub max_unauthenticated_per_address: u32,
}

impl Default for HttpsConfig {
    fn default() -> Self {
        HttpsConfig {
            max_connections: 10_000,
            handshake_timeout: Duration::from_secs(10),
            max_unauthenticated_per_address: 256,
        }
    }
}

/// What the HTTPS listener serves.
pub struct HttpsRoutes {
    /// None on the client-certificate listener, which serves devices only.
    pub remote: Option<Arc<RemoteSessions>>,
    pub firmware: Option<crate::firmware_download::FirmwareDownloads>,
    pub autop: Option<Arc<crate::autop_http::AutopFiles>>,
}

/// A short plain-text answer.
pub fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from(body.into()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn route(
    routes: Arc<HttpsRoutes>,
    req: Request<Incoming>,
    peer: std::net::IpAddr,
    peer_cert: Option<Arc<str>>,
) -> Response<Body> {
    if let Some(autop) = &routes.autop
        && let Some(resp) = autop.handle(&req, peer, peer_cert.as_deref()).await
    {
        return resp;
    }
    if let Some(firmware) = &routes.firmware
        && let Some(resp) = firmware.handle(&req).await
    {
        return resp;
    }
    if let Some(remote) = &routes.remote
        && let Some(resp) = crate::remote_proxy::handle(remote, req).await
    {
        return resp;
    }
    text(StatusCode::NOT_FOUND, "not found\n")
}

/// Accepts HTTPS connections until `stop` turns true.
pub async fn serve_https(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    routes: Arc<HttpsRoutes>,
    config: HttpsConfig,
    mut stop: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let silent = porter_store::edge::PendingLimit::new(config.max_unauthenticated_per_address);
    let mut backoff = porter_store::edge::AcceptBackoff::default();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = stopped(&mut stop) => break,
        };
        let Some((tcp, remote)) = accept(&listener, &mut backoff, &mut stop).await else {
            break;
        };
        // Until its first request, a connection holds one of its address's few places.
        let Some(pending) = silent.try_enter(remote.ip()) else {
            tracing::debug!(%remote, "HTTPS connection refused: too many silent connections");
            continue;
        };
        let pending = Arc::new(std::sync::Mutex::new(Some(pending)));
        let _ = tcp.set_nodelay(true);
        let (acceptor, routes, limit) =
            (acceptor.clone(), routes.clone(), config.handshake_timeout);
        let mut stop = stop.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let tls = match tokio::time::timeout(limit, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => return tracing::debug!(%remote, error = %e, "HTTPS handshake failed"),
                Err(_) => return tracing::debug!(%remote, "HTTPS handshake timed out"),
            };
            let peer_cert: Option<Arc<str>> =
                crate::client_certs::peer_fingerprint(tls.get_ref().1).map(Arc::from);
            let service = hyper::service::service_fn(move |req| {
                if let Some(first) = pending.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    first.settle();
                }
                let (routes, peer_cert) = (routes.clone(), peer_cert.clone());
                async move { Ok::<_, Infallible>(route(routes, req, remote.ip(), peer_cert).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limit)
                .serve_connection(TokioIo::new(tls), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => if let Err(e) = r {
                    tracing::debug!(%remote, error = %e, "HTTPS connection ended");
                },
                () = stopped(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(limit, conn).await;
                }
            }
        });
        while tasks.try_join_next().is_some() {}
    }
    let grace = config.handshake_timeout;
    let _ = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
}
