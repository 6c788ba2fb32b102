//! The installer web portal's HTTPS origin (`--portal-listen`, default 0.0.0.0:9443, the
//! server's certificate): the single-page app from web/ (embedded at build time), the
//! admin API over gRPC-Web for it, under strict security headers. A server of its own, and
//! not a path on the device HTTPS listener, because that one relays untrusted device web
//! pages (remote control): an origin they share could read the installer's token.
//!
//! A request goes: `Portal::handle` → the admin API (paths of `porter.admin.v1` services,
//! gRPC-Web only) or the app's files (`assets`), then `headers::secure` on the answer.

mod assets;
mod headers;

use std::net::SocketAddr;
use std::sync::Arc;

use http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use porter_admin_api::server::GrpcWebApi;
use porter_edge::CancellationToken;
use porter_edge::https::body::{self, Body};
use porter_edge::https::{Handler, HttpsConfig, HttpsServer, Peer, Reply, Router};

pub use assets::Assets;

/// Paths of the admin API's services (`/porter.admin.v1.CommunityService/ListCommunities`).
const API_PREFIX: &str = "/porter.admin.v1.";

/// The portal listener's settings.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Where to listen (default 0.0.0.0:9443), with the HTTPS front's limits.
    pub https: HttpsConfig,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            https: HttpsConfig {
                listen: SocketAddr::from(([0, 0, 0, 0], 9443)),
                max_connections: 2_000,
                http2: true,
                ..HttpsConfig::default()
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("binding the portal to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound portal listener, ready to `run`.
pub struct PortalServer {
    https: HttpsServer,
    portal: Arc<Portal>,
}

impl PortalServer {
    /// Opens `config.https.listen` with `tls`; `api` answers the app's calls.
    pub async fn bind(
        config: PortalConfig,
        tls: Arc<rustls::ServerConfig>,
        api: GrpcWebApi,
    ) -> Result<Self, PortalError> {
        let addr = config.https.listen;
        // Browsers get HTTP/2 when they offer it (every current one does).
        let mut tls = (*tls).clone();
        if config.https.http2 {
            tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        let https = HttpsServer::bind(config.https, Arc::new(tls), "portal")
            .await
            .map_err(|source| PortalError::Bind { addr, source })?;
        let assets = Assets::load();
        if !assets.has_index() {
            tracing::warn!("this build holds no portal pages (web/dist was empty when built)");
        }
        Ok(PortalServer {
            https,
            portal: Arc::new(Portal { api, assets }),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.https.local_addr()
    }

    /// Serves until `shutdown`, then lets open requests finish within the grace period.
    pub async fn run(self, shutdown: CancellationToken) {
        let router = Router::new().fallback(self.portal);
        self.https.run(router, shutdown).await;
    }
}

/// Every request of the portal's origin.
struct Portal {
    api: GrpcWebApi,
    assets: Assets,
}

impl Handler for Portal {
    fn handle<'a>(&'a self, req: Request<Incoming>, _peer: &'a Peer) -> Reply<'a> {
        Box::pin(async move {
            let mut response = if req.uri().path().starts_with(API_PREFIX) {
                self.call_api(req).await
            } else {
                self.assets.answer(&req)
            };
            headers::secure(&mut response);
            response
        })
    }
}

impl Portal {
    async fn call_api(&self, req: Request<Incoming>) -> Response<Body> {
        let grpc_web = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/grpc-web"));
        if !grpc_web || req.method() != http::Method::POST {
            // No CORS here: a page of another origin (a device's) never gets a preflight
            // through, so it cannot call the API with the installer's browser.
            return body::text(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the portal's API takes gRPC-Web POSTs (application/grpc-web+proto) only\n",
            );
        }
        self.api
            .call(req)
            .await
            .map(|b| b.map_err(|status| status.into()).boxed_unsync())
    }
}
