//! `GET /metrics` on the admin listener: Prometheus text from the servers (the `Metrics`
//! source `porter serve` gives) and the process.
//! A layer outside gRPC-Web (which refuses plain HTTP/1.1 requests) answers it; everything
//! else passes through. It carries counts only (no names, MACs or addresses), so it needs
//! no login; keep the admin listener on a private address, as by default.

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Method, Request, Response, StatusCode, header};
pub const PATH: &str = "/metrics";
/// `GET /ready`: 200 when the node serves current data (cluster mode: caught up with the
/// change log), else 503 saying why; for load balancers and orchestrators.
pub const READY_PATH: &str = "/ready";

/// Writes the servers' metrics in Prometheus text format.
pub type Metrics = Arc<dyn Fn(&mut String) + Send + Sync>;
/// Whether the node is ready; the error says why not.
pub type Readiness = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

#[derive(Clone)]
pub struct MetricsLayer {
    pub metrics: Metrics,
    pub ready: Option<Readiness>,
}

impl<S> tower_layer::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.metrics.clone(),
            ready: self.ready.clone(),
        }
    }
}

#[derive(Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Metrics,
    ready: Option<Readiness>,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B> tower_service::Service<Request<B>> for MetricsService<S>
where
    S: tower_service::Service<Request<B>, Response = Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let path = req.uri().path();
        if path != PATH && path != READY_PATH {
            return Box::pin(self.inner.call(req));
        }
        let response = if req.method() != Method::GET {
            Response::builder()
                .status(StatusCode::METHOD_NOT_ALLOWED)
                .header(header::ALLOW, "GET")
                .body(tonic::body::Body::new(format!("{path} answers GET only\n")))
        } else if path == READY_PATH {
            let (status, text) = match self.ready.as_ref().map_or(Ok(()), |ready| ready()) {
                Ok(()) => (StatusCode::OK, "ready\n".to_owned()),
                Err(why) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("not ready: {why}\n"),
                ),
            };
            Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(tonic::body::Body::new(text))
        } else {
            let mut text = String::with_capacity(16 * 1024);
            (self.metrics)(&mut text);
            process(&mut text);
            Response::builder()
                .header(
                    header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )
                .body(tonic::body::Body::new(text))
        };
        let response = response.unwrap_or_else(|_| Response::new(tonic::body::Body::empty()));
        Box::pin(async move { Ok(response) })
    }
}

/// Process figures an operator compares with the gateway's connection count.
fn process(out: &mut String) {
    let _ = writeln!(out, "# HELP porter_build_info The running version.");
    let _ = writeln!(out, "# TYPE porter_build_info gauge");
    let _ = writeln!(
        out,
        "porter_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(rss) = resident_bytes() {
        let _ = writeln!(
            out,
            "# HELP process_resident_memory_bytes Resident memory size in bytes."
        );
        let _ = writeln!(out, "# TYPE process_resident_memory_bytes gauge");
        let _ = writeln!(out, "process_resident_memory_bytes {rss}");
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        let _ = writeln!(
            out,
            "# HELP process_open_fds Number of open file descriptors."
        );
        let _ = writeln!(out, "# TYPE process_open_fds gauge");
        let _ = writeln!(out, "process_open_fds {}", entries.count());
    }
}

/// From /proc/self/statm (Linux): resident pages times the page size (4 KiB on the
/// platforms Porter ships for).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
