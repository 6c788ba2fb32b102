//! `GET /metrics` on the admin listener: Prometheus text for the gateway and the process.
//! It carries counts only (no names, MACs or addresses), so it needs no login; keep the
//! admin listener on a private address, as by default.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use porter_gateway::metrics::GatewayMetrics;

/// The admin API's routes plus `/metrics`.
pub fn with_metrics(
    routes: tonic::service::Routes,
    metrics: Arc<GatewayMetrics>,
) -> tonic::service::Routes {
    let router = routes.into_axum_router().route(
        "/metrics",
        get(move || {
            let metrics = metrics.clone();
            async move {
                let mut text = String::with_capacity(16 * 1024);
                metrics.render(&mut text);
                process(&mut text);
                (
                    [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    text,
                )
            }
        }),
    );
    tonic::service::Routes::from(router)
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

/// From /proc/self/statm (Linux): resident pages times the page size.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
