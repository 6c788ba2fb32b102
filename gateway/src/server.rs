//! The device gateway as one server: `DeviceGateway::bind` opens its sockets (TLS and QUIC
//! on one port number, WebSocket, optional plain TCP), `run` serves until shutdown and
//! returns when every task it started has ended.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use porter_edge::tls::{Identity, TlsError};
use porter_edge::{CancellationToken, TaskTracker};
use porter_store::Store;
use tokio::net::TcpListener;

use crate::gateway::{Gateway, GatewayConfig};
use crate::listener::{TcpFlavor, serve_tcp};
use crate::presence::Presence;
use crate::quic::QuicError;
use crate::remote::{RemoteControlConfig, RemoteSessions};

/// Connections the kernel queues before the gateway accepts them (capped by
/// net.core.somaxconn): after an outage whole fleets reconnect at once, and a short backlog
/// turns that into SYN retransmits seconds apart.
const DEVICE_BACKLOG: u32 = 8192;

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("binding the device gateway's {what} listener to {addr}: {source}")]
    Listen {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Quic(#[from] QuicError),
    #[error("the device gateway's TLS: {0}")]
    Tls(#[from] TlsError),
}

/// Where the gateway ended up listening.
#[derive(Debug, Clone, Copy)]
pub struct GatewayAddrs {
    /// TLS on TCP, and QUIC on UDP with the same port number.
    pub tls: SocketAddr,
    pub ws: SocketAddr,
    pub plain: Option<SocketAddr>,
}

/// A bound gateway, ready to `run`.
pub struct DeviceGateway {
    gateway: Arc<Gateway>,
    remote: Arc<RemoteSessions>,
    tls: Arc<rustls::ServerConfig>,
    tls_listener: TcpListener,
    quic: quinn::Endpoint,
    ws_listener: TcpListener,
    plain_listener: Option<TcpListener>,
    addrs: GatewayAddrs,
}

impl DeviceGateway {
    /// Opens every listener of `config` with the server's `identity`.
    pub fn bind(
        config: GatewayConfig,
        store: Store,
        identity: &Identity,
        remote: RemoteControlConfig,
    ) -> Result<Self, BindError> {
        let tls = identity.server_config(config.tls_min)?;
        let tls_listener = device_listener("TLS", config.listen)?;
        let tls_addr = local_addr("TLS", config.listen, &tls_listener)?;
        // QUIC shares the TLS listener's port number, on UDP.
        let quic = crate::quic::endpoint(&tls, &config, tls_addr)?;
        let ws_listener = device_listener("WebSocket", config.ws_listen)?;
        let ws = local_addr("WebSocket", config.ws_listen, &ws_listener)?;
        let plain_listener = match config.plain_listen {
            Some(addr) => Some(device_listener("plain-TCP", addr)?),
            None => None,
        };
        let plain = match (&plain_listener, config.plain_listen) {
            (Some(l), Some(addr)) => Some(local_addr("plain-TCP", addr, l)?),
            _ => None,
        };
        let gateway = Gateway::new(store, config);
        let remote = Arc::new(RemoteSessions::new(
            gateway.presence.clone(),
            remote,
            gateway.tasks.clone(),
        ));
        Ok(DeviceGateway {
            gateway,
            remote,
            tls,
            tls_listener,
            quic,
            ws_listener,
            plain_listener,
            addrs: GatewayAddrs {
                tls: tls_addr,
                ws,
                plain,
            },
        })
    }

    pub fn addrs(&self) -> GatewayAddrs {
        self.addrs
    }

    /// Which devices are online, and commands to them.
    pub fn presence(&self) -> Arc<Presence> {
        self.gateway.presence.clone()
    }

    /// Remote control: grants for the admin API, the browser side for the HTTPS front.
    pub fn remote(&self) -> Arc<RemoteSessions> {
        self.remote.clone()
    }

    pub fn metrics(&self) -> Arc<crate::metrics::GatewayMetrics> {
        self.gateway.metrics.clone()
    }

    /// Serves until `shutdown`: live sessions then tell their devices to reconnect later,
    /// Last Connections are written, and this returns once every task has ended (or the
    /// handshake timeout passed twice over).
    pub async fn run(self, shutdown: CancellationToken) {
        let DeviceGateway {
            gateway,
            remote,
            tls,
            tls_listener,
            quic,
            ws_listener,
            plain_listener,
            addrs,
        } = self;
        tracing::info!(addr = %addrs.tls, "device gateway (TLS over TCP, QUIC over UDP) listening");
        tracing::info!(addr = %addrs.ws, path = crate::listener::WEBSOCKET_PATH, "device gateway (WebSocket over TLS) listening");
        let store = gateway.store.clone();
        let loops = TaskTracker::new();
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.clone());
        let (g, s) = (gateway.clone(), shutdown.clone());
        loops.spawn(serve_tcp(g, ws_listener, TcpFlavor::WebSocket(acceptor), s));
        let (g, s) = (gateway.clone(), shutdown.clone());
        loops.spawn(serve_tcp(g, tls_listener, TcpFlavor::Tls(tls), s));
        let (g, s) = (gateway.clone(), shutdown.clone());
        loops.spawn(crate::quic::serve_quic(g, quic, s));
        if let (Some(plain), Some(addr)) = (plain_listener, addrs.plain) {
            tracing::warn!(%addr, "device gateway over PLAIN TCP listening: credentials cross the network unencrypted");
            let (g, s) = (gateway.clone(), shutdown.clone());
            loops.spawn(serve_tcp(g, plain, TcpFlavor::Plain, s));
        }
        loops.spawn(crate::presence::persist_last_seen(
            store.clone(),
            shutdown.clone(),
        ));
        loops.spawn(crate::credentials::run(
            store.clone(),
            gateway.presence.clone(),
            shutdown.clone(),
        ));
        loops.spawn(crate::revoker::run(
            store,
            gateway.presence.clone(),
            remote,
            shutdown.clone(),
        ));
        shutdown.cancelled().await;
        let grace = gateway.config.handshake_timeout * 2 + Duration::from_secs(2);
        porter_edge::shutdown::drain(&loops, grace, "device gateway").await;
        porter_edge::shutdown::drain(&gateway.tasks, grace, "device gateway connections").await;
    }
}

/// A device listener with a deep accept backlog.
fn device_listener(what: &'static str, addr: SocketAddr) -> Result<TcpListener, BindError> {
    let listen = || {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(DEVICE_BACKLOG)
    };
    listen().map_err(|source| BindError::Listen { what, addr, source })
}

fn local_addr(
    what: &'static str,
    addr: SocketAddr,
    listener: &TcpListener,
) -> Result<SocketAddr, BindError> {
    listener
        .local_addr()
        .map_err(|source| BindError::Listen { what, addr, source })
}
