//! The HTTPS front for devices and browsers (default :8443): HTTP/1.1 over TLS with hyper,
//! under a connection limit, a TLS-handshake timeout, a request-head timeout and a cap on
//! each address's connections that have not sent a request yet. It knows no handler: the
//! `Router` it is given sends each request by path (AutoP, firmware downloads and remote
//! control are mounted by `porter serve`).

pub mod body;
pub mod router;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::accept::{AcceptBackoff, accept};
use crate::pending::{PendingGuard, PendingLimit};
pub use body::Body;
pub use router::{Handler, Peer, Reply, Router};

#[derive(Debug, Clone)]
pub struct HttpsConfig {
    /// Where to listen (default 0.0.0.0:8443).
    pub listen: SocketAddr,
    /// Connections at once (default 10,000).
    pub max_connections: usize,
    /// TLS handshake and request head, each; also how long open requests may finish at
    /// shutdown (default 10 s).
    pub handshake_timeout: Duration,
    /// Connections one address may hold before their first request (default 256).
    pub max_unauthenticated_per_address: u32,
    /// Lowest TLS version (default 1.2: third-party door phones and monitors often stop at
    /// TLS 1.2).
    pub tls_min: crate::tls::TlsMin,
    /// HTTP/2 besides HTTP/1.1, for clients that offer it by ALPN (default off: devices
    /// speak HTTP/1.1; the portal turns it on so that each page's live stream does not
    /// take one of a browser's six HTTP/1.1 connections).
    pub http2: bool,
}

impl Default for HttpsConfig {
    fn default() -> Self {
        HttpsConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 8443)),
            max_connections: 10_000,
            handshake_timeout: Duration::from_secs(10),
            max_unauthenticated_per_address: 256,
            tls_min: crate::tls::TlsMin::Tls12,
            http2: false,
        }
    }
}

/// A bound HTTPS listener, ready to `run` with its routes (given then, because the
/// handlers often need to know this listener's address first).
pub struct HttpsServer {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    config: HttpsConfig,
    /// The listener's name in logs ("https", "autop-mtls").
    name: &'static str,
}

impl HttpsServer {
    /// Opens `config.listen`. `tls` is used as given (ALPN included).
    pub async fn bind(
        config: HttpsConfig,
        tls: Arc<rustls::ServerConfig>,
        name: &'static str,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.listen).await?;
        Ok(HttpsServer {
            listener,
            acceptor: TlsAcceptor::from(tls),
            config,
            name,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves `router` until `shutdown`, then lets open requests finish within the
    /// handshake timeout and returns when every connection task has ended.
    pub async fn run(self, router: Router, shutdown: CancellationToken) {
        let router = Arc::new(router);
        let permits = Arc::new(Semaphore::new(self.config.max_connections));
        let silent = PendingLimit::new(self.config.max_unauthenticated_per_address);
        let mut backoff = AcceptBackoff::default();
        let tasks = TaskTracker::new();
        loop {
            let permit = tokio::select! {
                p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                () = shutdown.cancelled() => break,
            };
            let Some((tcp, remote)) =
                accept(&self.listener, self.name, &mut backoff, &shutdown).await
            else {
                break;
            };
            // Until its first request, a connection holds one of its address's few places.
            let Some(pending) = silent.try_enter(remote.ip()) else {
                tracing::debug!(%remote, listener = self.name, "connection refused: too many silent connections");
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let connection = Connection {
                http2: self.config.http2.then(|| tasks.clone()),
                acceptor: self.acceptor.clone(),
                router: router.clone(),
                limit: self.config.handshake_timeout,
                remote,
                pending,
                _permit: permit,
            };
            tasks.spawn(connection.serve(tcp, shutdown.clone()));
        }
        // Connections end within their own grace; this waits for them, bounded twice over.
        let grace = self.config.handshake_timeout * 2;
        crate::shutdown::drain(&tasks, grace, self.name).await;
    }
}

/// One accepted connection.
struct Connection {
    /// With HTTP/2, where its streams' tasks are spawned (and so drained at shutdown).
    http2: Option<TaskTracker>,
    acceptor: TlsAcceptor,
    router: Arc<Router>,
    limit: Duration,
    remote: SocketAddr,
    pending: PendingGuard,
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(self, tcp: TcpStream, shutdown: CancellationToken) {
        let remote = self.remote;
        let tls = match tokio::time::timeout(self.limit, self.acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => return tracing::debug!(%remote, error = %e, "HTTPS handshake failed"),
            Err(_) => return tracing::debug!(%remote, "HTTPS handshake timed out"),
        };
        let peer = Arc::new(Peer {
            ip: remote.ip(),
            cert_sha256: crate::tls::peer_fingerprint(tls.get_ref().1).map(Arc::from),
        });
        let pending = Arc::new(Mutex::new(Some(self.pending)));
        let router = self.router;
        let service = hyper::service::service_fn(move |req| {
            if let Some(first) = pending.lock().unwrap_or_else(|p| p.into_inner()).take() {
                first.settle();
            }
            let (router, peer) = (router.clone(), peer.clone());
            async move { Ok::<_, Infallible>(router.dispatch(req, &peer).await) }
        });
        let io = TokioIo::new(tls);
        if let Some(tasks) = self.http2 {
            let mut builder = hyper_util::server::conn::auto::Builder::new(TrackedExecutor(tasks));
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(self.limit);
            builder.http2().timer(TokioTimer::new());
            let conn = builder.serve_connection(io, service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => if let Err(e) = r {
                    tracing::debug!(%remote, error = %e, "HTTPS connection ended");
                },
                () = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(self.limit, conn).await;
                }
            }
            return;
        }
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limit)
            .serve_connection(io, service);
        let mut conn = std::pin::pin!(conn);
        tokio::select! {
            r = conn.as_mut() => if let Err(e) = r {
                tracing::debug!(%remote, error = %e, "HTTPS connection ended");
            },
            () = shutdown.cancelled() => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(self.limit, conn).await;
            }
        }
    }
}

/// hyper's HTTP/2 runs each stream as a task: spawned into the listener's tracker, so the
/// listener's drain waits for them too.
#[derive(Clone)]
struct TrackedExecutor(TaskTracker);

impl<F> hyper::rt::Executor<F> for TrackedExecutor
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        self.0.spawn(fut);
    }
}
