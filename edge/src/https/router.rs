//! Which handler answers a request: the first route whose path prefix matches, else the
//! fallback (remote control's cookie-carried pages), else 404.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

use http::{Request, Response};
use hyper::body::Incoming;

use super::body::{Body, not_found};

/// Who sent a request.
#[derive(Debug, Clone)]
pub struct Peer {
    pub ip: IpAddr,
    /// SHA-256 (lower-case hex) of the client certificate the connection presented, on the
    /// client-certificate listener.
    pub cert_sha256: Option<Arc<str>>,
}

pub type Reply<'a> = Pin<Box<dyn Future<Output = Response<Body>> + Send + 'a>>;

/// Answers the requests routed to it.
pub trait Handler: Send + Sync + 'static {
    fn handle<'a>(&'a self, req: Request<Incoming>, peer: &'a Peer) -> Reply<'a>;
}

/// Path prefixes and their handlers, tried in the order they were added.
#[derive(Default, Clone)]
pub struct Router {
    routes: Vec<(&'static str, Arc<dyn Handler>)>,
    fallback: Option<Arc<dyn Handler>>,
}

impl Router {
    pub fn new() -> Self {
        Router::default()
    }

    /// Requests whose path starts with `prefix` go to `handler`.
    pub fn route(mut self, prefix: &'static str, handler: Arc<dyn Handler>) -> Self {
        self.routes.push((prefix, handler));
        self
    }

    /// Requests no prefix matched go to `handler` (without one they get 404).
    pub fn fallback(mut self, handler: Arc<dyn Handler>) -> Self {
        self.fallback = Some(handler);
        self
    }

    pub async fn dispatch(&self, req: Request<Incoming>, peer: &Peer) -> Response<Body> {
        let path = req.uri().path();
        let handler = self
            .routes
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix))
            .map(|(_, h)| h)
            .or(self.fallback.as_ref());
        match handler {
            Some(h) => h.handle(req, peer).await,
            None => not_found(),
        }
    }
}
