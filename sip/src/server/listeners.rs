//! The SIP server's sockets: `SipListeners::bind` opens UDP and TCP on one address, TLS and
//! secure WebSocket, and creates the server naming itself by what was bound; `run` serves
//! every transport, the timers and the revocation feed until shutdown, then waits for the
//! server's tasks.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use porter_edge::tls::{Identity, TlsError};
use porter_edge::{CancellationToken, TaskTracker};
use porter_store::Store;
use tokio::net::{TcpListener, UdpSocket};
use tokio_rustls::TlsAcceptor;

use super::{SipConfig, SipServer};
use crate::proxy::LocalAddr;
use crate::registrar::Transport;

/// How long connections may take to close at shutdown.
const DRAIN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("binding SIP {what} to {addr}: {source}")]
    Listen {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("no port free for SIP on both UDP and TCP at {0}")]
    NoPortPair(SocketAddr),
    #[error("SIP's TLS: {0}")]
    Tls(#[from] TlsError),
}

/// Where SIP ended up listening, and the host it names itself by.
#[derive(Debug, Clone)]
pub struct SipAddrs {
    /// UDP and TCP.
    pub udp_tcp: SocketAddr,
    pub tls: SocketAddr,
    pub ws: SocketAddr,
    /// Written in Via and Record-Route, and in devices' AutoP files.
    pub host: String,
}

impl SipAddrs {
    /// Where other nodes of a cluster reach this one's SIP over TCP: the listening address,
    /// or when listening on all addresses, the advertised host if it is an IP address, else
    /// this machine's outward address.
    pub fn peer(&self) -> SocketAddr {
        let advertised = self.host.trim_start_matches('[').trim_end_matches(']');
        match advertised.parse() {
            Ok(ip) if self.udp_tcp.ip().is_unspecified() => {
                SocketAddr::new(ip, self.udp_tcp.port())
            }
            _ => super::reachable(self.udp_tcp),
        }
    }
}

/// A bound SIP server, ready to `run`.
pub struct SipListeners {
    server: Arc<SipServer>,
    udp: UdpSocket,
    tcp: TcpListener,
    tls: TcpListener,
    ws: TcpListener,
    acceptor: TlsAcceptor,
    addrs: SipAddrs,
}

impl SipListeners {
    pub async fn bind(
        config: SipConfig,
        store: Store,
        identity: &Identity,
    ) -> Result<Self, BindError> {
        let (udp, tcp) = bind_udp_and_tcp(config.listen).await?;
        let udp_tcp = addr_of("UDP", config.listen, udp.local_addr())?;
        super::udp::size_receive_buffer(&udp, config.udp_recv_buffer);
        let tls = listen("TLS", config.tls_listen).await?;
        let tls_addr = addr_of("TLS", config.tls_listen, tls.local_addr())?;
        let ws = listen("WebSocket", config.ws_listen).await?;
        let ws_addr = addr_of("WebSocket", config.ws_listen, ws.local_addr())?;
        let host = config
            .advertise
            .clone()
            .unwrap_or_else(|| super::advertised_host(udp_tcp));
        let local = LocalAddr {
            host: host.clone(),
            ports: vec![
                (Transport::Udp, udp_tcp.port()),
                (Transport::Tcp, udp_tcp.port()),
                (Transport::Tls, tls_addr.port()),
                (Transport::Wss, ws_addr.port()),
            ],
        };
        // SIP over TLS and WebSocket present the server's certificate, without ALPN.
        let mut tls_config = (*identity.server_config(config.tls_min)?).clone();
        tls_config.alpn_protocols = Vec::new();
        let server = SipServer::new(store, config, local);
        Ok(SipListeners {
            server,
            udp,
            tcp,
            tls,
            ws,
            acceptor: TlsAcceptor::from(Arc::new(tls_config)),
            addrs: SipAddrs {
                udp_tcp,
                tls: tls_addr,
                ws: ws_addr,
                host,
            },
        })
    }

    /// The server, for what other servers ask of it (calls in progress) or give it (device
    /// commands for DTMF unlocks).
    pub fn server(&self) -> Arc<SipServer> {
        self.server.clone()
    }

    pub fn addrs(&self) -> &SipAddrs {
        &self.addrs
    }

    /// Serves until `shutdown`, then returns once every connection and task has ended.
    pub async fn run(self, shutdown: CancellationToken) {
        let SipListeners {
            server,
            udp,
            tcp,
            tls,
            ws,
            acceptor,
            addrs,
        } = self;
        tracing::info!(addr = %addrs.udp_tcp, host = %addrs.host, udp_workers = server.config.udp_workers, "SIP (UDP and TCP) listening");
        tracing::info!(addr = %addrs.tls, "SIP (TLS) listening");
        tracing::info!(addr = %addrs.ws, "SIP (secure WebSocket) listening");
        let stop = server.stopping.clone();
        let loops = TaskTracker::new();
        loops.spawn(super::tcp::serve_tls(
            server.clone(),
            tls,
            acceptor.clone(),
            stop.clone(),
        ));
        loops.spawn(super::ws::serve_wss(
            server.clone(),
            ws,
            acceptor,
            stop.clone(),
        ));
        loops.spawn(super::udp::serve_udp(server.clone(), udp, stop.clone()));
        loops.spawn(super::tcp::serve_tcp(server.clone(), tcp, stop.clone()));
        loops.spawn(super::revoke::serve_revocations(
            server.clone(),
            stop.clone(),
        ));
        loops.spawn(super::timers::serve_timers(server.clone(), stop.clone()));
        shutdown.cancelled().await;
        stop.cancel();
        porter_edge::shutdown::drain(&loops, DRAIN_GRACE, "SIP").await;
        porter_edge::shutdown::drain(&server.tasks, DRAIN_GRACE, "SIP connections").await;
    }
}

async fn listen(what: &'static str, addr: SocketAddr) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| BindError::Listen { what, addr, source })
}

fn addr_of(
    what: &'static str,
    addr: SocketAddr,
    bound: std::io::Result<SocketAddr>,
) -> Result<SocketAddr, BindError> {
    bound.map_err(|source| BindError::Listen { what, addr, source })
}

/// SIP's UDP and TCP sockets on one address. With port 0, the TCP listener takes the port
/// the kernel gave UDP; should another program hold it on TCP, a new pair is tried.
async fn bind_udp_and_tcp(addr: SocketAddr) -> Result<(UdpSocket, TcpListener), BindError> {
    for _ in 0..20 {
        let udp = UdpSocket::bind(addr)
            .await
            .map_err(|source| BindError::Listen {
                what: "UDP",
                addr,
                source,
            })?;
        let bound = addr_of("UDP", addr, udp.local_addr())?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(_) if addr.port() == 0 => continue,
            Err(source) => {
                return Err(BindError::Listen {
                    what: "TCP",
                    addr,
                    source,
                });
            }
        }
    }
    Err(BindError::NoPortPair(addr))
}
