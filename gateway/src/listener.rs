//! The TCP-based device listeners: length-prefixed frames over TLS, WebSocket over TLS,
//! and plain TCP when explicitly enabled. Each accepts under the global connection limit and
//! the per-address accept rate, runs the handshake under a timeout (slowloris), then hands
//! the frames to `connection`.

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_tungstenite::accept_hdr_async_with_config;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::connection::connection;
use porter_edge::CancellationToken;
use porter_edge::accept::{AcceptBackoff, accept};

use crate::gateway::{Admission, Gateway};
use crate::metrics::Transport;
use crate::tls_io::TlsIo;
use crate::transport::{ByteStreamIo, WebSocketIo};

/// What a TCP listener speaks.
#[derive(Clone)]
pub enum TcpFlavor {
    /// Length-prefixed frames on a TLS stream (rustls unbuffered: see `tls_io`).
    Tls(Arc<rustls::ServerConfig>),
    /// A WebSocket (RFC 6455) upgrade on `WEBSOCKET_PATH` over TLS, then one binary message
    /// per frame.
    WebSocket(TlsAcceptor),
    /// Length-prefixed frames on bare TCP: for a trusted network or a TLS-terminating proxy,
    /// never on by default.
    Plain,
}

impl TcpFlavor {
    fn transport(&self) -> Transport {
        match self {
            TcpFlavor::Tls(_) => Transport::Tls,
            TcpFlavor::WebSocket(_) => Transport::WebSocket,
            TcpFlavor::Plain => Transport::Tcp,
        }
    }
}

/// The WebSocket path devices connect to.
pub const WEBSOCKET_PATH: &str = "/device/v1";

/// Accepts connections until `shutdown`; live sessions then tell their devices to reconnect
/// later and end (their tasks are the gateway's, which `DeviceGateway::run` drains).
pub async fn serve_tcp(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    flavor: TcpFlavor,
    shutdown: CancellationToken,
) {
    let transport = flavor.transport();
    let mut backoff = AcceptBackoff::default();
    loop {
        let Some((tcp, remote)) = accept(&listener, "device", &mut backoff, &shutdown).await else {
            break;
        };
        // Over its address's budget: closed before any TLS work (and before it could wait
        // for a place).
        if !gateway.within_accept_rate(remote) {
            tracing::debug!(%remote, "connection refused: accept rate");
            continue;
        }
        // At the limit, this newcomer waits for a place (and the ones after it wait in
        // the kernel's backlog).
        let permit = match gateway.try_room() {
            Some(p) => p,
            None => tokio::select! {
                p = gateway.room() => match p { Some(p) => p, None => break },
                () = shutdown.cancelled() => break,
            },
        };
        let Ok(admission) = gateway.admit(remote, transport, Some(permit)) else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        // One task per connection, sized for its own transport: a task is as large as the
        // largest state of its future, and thousands of them sit idle at once.
        let (gateway, stop) = (gateway.clone(), shutdown.clone());
        let tasks = gateway.tasks.clone();
        match &flavor {
            TcpFlavor::Plain => {
                gateway.metrics.handshake(transport, true);
                let io = ByteStreamIo::new(tcp, gateway.config.max_frame);
                tasks.spawn(connection(gateway, io, admission, stop));
            }
            TcpFlavor::Tls(config) => {
                tasks.spawn(tls(gateway, config.clone(), tcp, admission, stop));
            }
            TcpFlavor::WebSocket(acceptor) => {
                tasks.spawn(websocket(gateway, acceptor.clone(), tcp, admission, stop));
            }
        }
    }
}

/// The TLS handshake under the handshake timeout. The handshake's state is boxed so that
/// it does not stay in the size of the connection's task afterwards.
async fn handshake(
    gateway: &Gateway,
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    admission: &Admission,
) -> Option<TlsStream<TcpStream>> {
    let remote = admission.remote;
    let accept = Box::pin(acceptor.accept(tcp));
    match tokio::time::timeout(gateway.config.handshake_timeout, accept).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(e)) => {
            gateway.metrics.handshake(admission.transport, false);
            tracing::debug!(%remote, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            gateway.metrics.handshake(admission.transport, false);
            tracing::debug!(%remote, "TLS handshake timed out");
            None
        }
    }
}

async fn tls(
    gateway: Arc<Gateway>,
    config: Arc<rustls::ServerConfig>,
    tcp: TcpStream,
    admission: Admission,
    stop: CancellationToken,
) {
    let remote = admission.remote;
    let limit = gateway.config.handshake_timeout;
    // Boxed: the handshake's state must not stay in the size of the task.
    let accept = Box::pin(TlsIo::accept(tcp, config, gateway.config.max_frame));
    let io = match tokio::time::timeout(limit, accept).await {
        Ok(Ok(io)) => io,
        Ok(Err(e)) => {
            gateway.metrics.handshake(Transport::Tls, false);
            return tracing::debug!(%remote, error = %e, "TLS handshake failed");
        }
        Err(_) => {
            gateway.metrics.handshake(Transport::Tls, false);
            return tracing::debug!(%remote, "TLS handshake timed out");
        }
    };
    gateway.metrics.handshake(Transport::Tls, true);
    connection(gateway, io, admission, stop).await;
}

async fn websocket(
    gateway: Arc<Gateway>,
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    admission: Admission,
    stop: CancellationToken,
) {
    let Some(tls) = handshake(&gateway, acceptor, tcp, &admission).await else {
        return;
    };
    let max = gateway.config.max_frame;
    let remote = admission.remote;
    // tungstenite reserves a 128 KiB read buffer per connection by default (it was 146 KB per
    // idle device); device frames are small, and the buffer grows for a large one.
    let config = WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        .read_buffer_size(2048)
        .write_buffer_size(0);
    // The error type is tungstenite's handshake callback signature.
    #[allow(clippy::result_large_err)]
    let check_path = |req: &Request, resp: Response| {
        if req.uri().path() == WEBSOCKET_PATH {
            Ok(resp)
        } else {
            let mut not_found =
                ErrorResponse::new(Some(format!("devices connect to {WEBSOCKET_PATH}")));
            *not_found.status_mut() = StatusCode::NOT_FOUND;
            Err(not_found)
        }
    };
    let upgrade = Box::pin(accept_hdr_async_with_config(tls, check_path, Some(config)));
    match tokio::time::timeout(gateway.config.handshake_timeout, upgrade).await {
        Ok(Ok(ws)) => {
            gateway.metrics.handshake(Transport::WebSocket, true);
            connection(gateway, WebSocketIo::new(ws, max), admission, stop).await
        }
        Ok(Err(e)) => {
            gateway.metrics.handshake(Transport::WebSocket, false);
            tracing::debug!(%remote, error = %e, "WebSocket handshake failed")
        }
        Err(_) => {
            gateway.metrics.handshake(Transport::WebSocket, false);
            tracing::debug!(%remote, "WebSocket handshake timed out")
        }
    }
}
