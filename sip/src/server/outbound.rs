//! Sending what the core produced: one UDP socket, a registry of TCP connections by peer
//! address (so a request reaches a device on the connection it registered over), new
//! connections to a contact when its own is gone.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::SipServer;
use crate::proxy::Transmit;
use crate::registrar::Transport;

/// Messages queued for one TCP connection; more are dropped, as a congested UDP path would.
pub(super) const CONNECTION_QUEUE: usize = 256;

#[derive(Default)]
pub(super) struct Outbound {
    udp: OnceLock<Arc<UdpSocket>>,
    streams: Mutex<HashMap<(Transport, SocketAddr), mpsc::Sender<Bytes>>>,
}

impl Outbound {
    pub(super) fn set_udp(&self, socket: Arc<UdpSocket>) {
        let _ = self.udp.set(socket);
    }

    pub(super) fn add_connection(&self, t: Transport, peer: SocketAddr, tx: mpsc::Sender<Bytes>) {
        super::locked(&self.streams).insert((t, peer), tx);
    }

    pub(super) fn remove_connection(&self, t: Transport, peer: SocketAddr) {
        super::locked(&self.streams).remove(&(t, peer));
    }

    fn connection(&self, t: Transport, peer: SocketAddr) -> Option<mpsc::Sender<Bytes>> {
        super::locked(&self.streams)
            .get(&(t, peer))
            .filter(|tx| !tx.is_closed())
            .cloned()
    }

    pub(super) fn send(&self, server: &Arc<SipServer>, t: Transmit) {
        match t.to.transport {
            Transport::Udp => {
                if let Some(s) = self.udp.get()
                    && let Err(e) = s.try_send_to(&t.bytes, t.to.addr)
                {
                    tracing::debug!(to = %t.to.addr, error = %e, "SIP UDP send");
                }
            }
            transport => {
                let existing = self
                    .connection(transport, t.to.addr)
                    .or_else(|| t.fallback.and_then(|f| self.connection(transport, f)));
                match (existing, t.fallback) {
                    (Some(tx), _) => {
                        if tx.try_send(t.bytes).is_err() {
                            tracing::debug!(to = %t.to.addr, "SIP connection queue full, message dropped");
                        }
                    }
                    // Only plain TCP is dialled out: a device does not serve TLS or
                    // WebSocket to its proxy; it keeps its own connection open.
                    (None, Some(contact)) if transport == Transport::Tcp => {
                        self.connect(server, contact, t.bytes);
                    }
                    _ => {
                        tracing::debug!(to = %t.to.addr, %transport, "SIP connection gone, message dropped");
                    }
                }
            }
        }
    }

    /// Opens a connection to a contact and queues `first` on it; what else is sent before
    /// it is up waits in its queue.
    fn connect(&self, server: &Arc<SipServer>, peer: SocketAddr, first: Bytes) {
        if server.stopping.is_cancelled() {
            return;
        }
        // Connections Porter opens count against the same limit as those it accepts.
        let Ok(permit) = server.connections.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "SIP connection limit reached, message dropped");
            return;
        };
        let (tx, rx) = mpsc::channel(CONNECTION_QUEUE);
        let _ = tx.try_send(first);
        self.add_connection(Transport::Tcp, peer, tx);
        let (server, stop) = (server.clone(), server.stopping.clone());
        server.tasks.clone().spawn(async move {
            let connected =
                tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(peer))
                    .await;
            let _permit = permit;
            match connected {
                Ok(Ok(tcp)) => {
                    let _ = tcp.set_nodelay(true);
                    super::tcp::run_connection(
                        server,
                        tcp,
                        Transport::Tcp,
                        super::tcp::Conn::outbound(peer),
                        rx,
                        stop,
                    )
                    .await;
                }
                _ => {
                    tracing::debug!(%peer, "SIP TCP connect failed");
                    server.outbound.remove_connection(Transport::Tcp, peer);
                }
            }
        });
    }
}

/// The host Porter writes in Via and Record-Route: the listener's address, or when it
/// listens on all addresses, the one this machine would use to reach the outside.
pub fn advertised_host(bound: SocketAddr) -> String {
    let ip = if bound.ip().is_unspecified() {
        outward_ip().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
    } else {
        bound.ip()
    };
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// The source address the kernel picks toward a public address (nothing is sent).
fn outward_ip() -> Option<IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    Some(s.local_addr().ok()?.ip())
}
