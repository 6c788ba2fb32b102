//! The admin API as one server: gRPC and gRPC-Web (tonic) on one listener, with `/metrics`
//! beside it. `AdminServer::bind` opens the listener; `run` serves until shutdown and lets
//! requests in flight finish within the grace period.
//!
//! Layers, outermost first: `metrics` (answers `/metrics`), `timeout` (a bound per request,
//! longer for uploads), gRPC-Web, `decode` (undecodable bodies are INVALID_ARGUMENT).

mod decode;
mod grpc_web;
mod metrics;
mod timeout;

use std::net::SocketAddr;
use std::time::Duration;

use porter_edge::CancellationToken;
use tokio::net::TcpListener;

pub use grpc_web::GrpcWebApi;
pub use metrics::{Metrics, Readiness};

use crate::AdminApi;

/// The admin listener's settings.
#[derive(Debug, Clone)]
pub struct AdminServerConfig {
    /// Where to listen (default 127.0.0.1:50051: keep it private, `/metrics` needs no login).
    pub listen: SocketAddr,
    /// Longest an admin request may run (default 60 s: an import of thousands of rows fits
    /// easily).
    pub request_timeout: Duration,
    /// How long a firmware upload may take (default 1 h: 512 MiB at about 1.2 Mbit/s).
    pub upload_timeout: Duration,
    /// Requests one connection may have in flight (default 64).
    pub streams_per_connection: u32,
    /// How long requests in flight may finish at shutdown (default 10 s).
    pub shutdown_grace: Duration,
}

impl Default for AdminServerConfig {
    fn default() -> Self {
        AdminServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            request_timeout: Duration::from_secs(60),
            upload_timeout: Duration::from_secs(3600),
            streams_per_connection: 64,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("binding the admin API to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("building the admin services: {0}")]
    Build(#[from] crate::BuildError),
    #[error("the admin API: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// A bound admin listener, ready to `run`.
pub struct AdminServer {
    listener: TcpListener,
    config: AdminServerConfig,
    routes: tonic::service::Routes,
    metrics: Metrics,
    ready: Option<metrics::Readiness>,
}

impl AdminServer {
    /// Opens `config.listen` for `api`; `/metrics` shows what `metrics` writes.
    pub async fn bind(
        config: AdminServerConfig,
        api: &AdminApi,
        metrics: Metrics,
    ) -> Result<Self, ServeError> {
        let routes = api.routes()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: config.listen,
                    source,
                })?;
        Ok(AdminServer {
            listener,
            config,
            routes,
            metrics,
            ready: None,
        })
    }

    /// `/ready` answers what `ready` says (without it, always ready).
    pub fn with_readiness(mut self, ready: metrics::Readiness) -> Self {
        self.ready = Some(ready);
        self
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown`; requests still running after the grace period are dropped.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServeError> {
        let AdminServer {
            listener,
            config,
            routes,
            metrics,
            ready,
        } = self;
        let stopped = shutdown.clone();
        let serve = tonic::transport::Server::builder()
            // Bounds: a request may run `request_timeout` (an upload `upload_timeout`); a
            // connection may have `streams_per_connection` requests in flight; dead peers
            // are found by HTTP/2 keepalive pings.
            .max_concurrent_streams(config.streams_per_connection)
            .concurrency_limit_per_connection(config.streams_per_connection as usize)
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .http2_keepalive_timeout(Some(Duration::from_secs(10)))
            .accept_http1(true)
            .layer(metrics::MetricsLayer { metrics, ready })
            .layer(timeout::AdminTimeout {
                request: config.request_timeout,
                upload: config.upload_timeout,
            })
            .layer(tonic_web::GrpcWebLayer::new())
            .layer(decode::DecodeErrorsAsInvalid)
            .trace_fn(|req| tracing::info_span!("admin", path = %req.uri().path()))
            .add_routes(routes)
            .serve_with_incoming_shutdown(
                // Without TCP_NODELAY, replies larger than one segment wait ~40 ms for the
                // client's delayed ACK.
                tonic::transport::server::TcpIncoming::from(listener)
                    .with_nodelay(Some(true))
                    .with_keepalive(Some(Duration::from_secs(60))),
                async move { stopped.cancelled().await },
            );
        let mut serve = std::pin::pin!(serve);
        tokio::select! {
            r = serve.as_mut() => return Ok(r?),
            () = shutdown.cancelled() => {}
        }
        match tokio::time::timeout(config.shutdown_grace, serve).await {
            Ok(r) => Ok(r?),
            Err(_) => {
                tracing::warn!(
                    "admin requests still running after the grace period; stopping anyway"
                );
                Ok(())
            }
        }
    }
}
