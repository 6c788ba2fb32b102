//! Sending what the core produced: over the one UDP socket, down the stream connection the
//! peer registered over (`streams`), or over a new TCP connection to a contact when its
//! own is gone.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::SipServer;
use super::streams::CONNECTION_QUEUE;
use crate::proxy::Transmit;
use crate::registrar::Transport;

/// Where messages leave: the one UDP socket, or a stream connection from the registry.
#[derive(Default)]
pub(super) struct Outbound {
    udp: OnceLock<Arc<std::net::UdpSocket>>,
}

impl Outbound {
    pub(super) fn set_udp(&self, socket: Arc<std::net::UdpSocket>) {
        let _ = self.udp.set(socket);
    }

    pub(super) fn send(&self, server: &Arc<SipServer>, t: Transmit) {
        match t.to.transport {
            Transport::Udp => {
                // The socket blocks for its readers (udp.rs); a send never waits, from a
                // reader thread or a task: a full send buffer drops the datagram, as UDP may.
                if let Some(s) = self.udp.get()
                    && let Err(e) = socket2::SockRef::from(s.as_ref()).send_to_with_flags(
                        &t.bytes,
                        &t.to.addr.into(),
                        nix::libc::MSG_DONTWAIT,
                    )
                {
                    tracing::debug!(to = %t.to.addr, error = %e, "SIP UDP send");
                }
            }
            transport => {
                let existing = server
                    .streams
                    .get(transport, t.to.addr)
                    .or_else(|| t.fallback.and_then(|f| server.streams.get(transport, f)));
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
        server.streams.add(Transport::Tcp, peer, tx);
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
                    server.streams.remove(Transport::Tcp, peer);
                }
            }
        });
    }
}

/// The host Porter writes in Via and Record-Route: the listener's address, or when it
/// listens on all addresses, the one this machine would use to reach the outside.
pub fn advertised_host(bound: SocketAddr) -> String {
    match reachable(bound).ip() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// Where another machine reaches a listener bound to `bound`: that address, or when it
/// listens on all of them, this machine's outward address (loopback if it has none).
pub fn reachable(bound: SocketAddr) -> SocketAddr {
    if !bound.ip().is_unspecified() {
        return bound;
    }
    let ip = outward_ip().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    SocketAddr::new(ip, bound.port())
}

/// The source address the kernel picks toward a public address (nothing is sent).
fn outward_ip() -> Option<IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    Some(s.local_addr().ok()?.ip())
}
