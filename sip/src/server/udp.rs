//! SIP over UDP: one socket, received and handled by `SipConfig::udp_workers` tasks at once
//! (tokio's multi-threaded runtime runs them on every core). Responses go back to the
//! address the request came from (RFC 3581 symmetric response routing), which is what
//! works behind NAT.

use std::sync::Arc;

use porter_edge::{CancellationToken, TaskTracker};
use tokio::net::UdpSocket;

use super::SipServer;
use crate::registrar::{Source, Transport};

/// Serves `socket` with the configured number of workers until `stop`.
pub(super) async fn serve_udp(server: Arc<SipServer>, socket: UdpSocket, stop: CancellationToken) {
    let socket = Arc::new(socket);
    server.outbound.set_udp(socket.clone());
    let workers = TaskTracker::new();
    for _ in 0..server.config.udp_workers.max(1) {
        workers.spawn(receive(server.clone(), socket.clone(), stop.clone()));
    }
    workers.close();
    workers.wait().await;
}

/// One worker: takes datagrams off the shared socket and handles each in turn.
async fn receive(server: Arc<SipServer>, socket: Arc<UdpSocket>, stop: CancellationToken) {
    // One byte more than the limit tells an oversized datagram from one that fits.
    let mut buf = vec![0u8; server.config.max_message + 1];
    loop {
        let received = tokio::select! {
            r = socket.recv_from(&mut buf) => r,
            () = stop.cancelled() => return,
        };
        let (n, addr) = match received {
            Ok(r) => r,
            // ICMP port unreachable from an earlier send shows up here on some systems.
            Err(e) => {
                tracing::debug!(error = %e, "SIP UDP receive");
                continue;
            }
        };
        if n > server.config.max_message {
            tracing::debug!(%addr, "SIP datagram over the size limit dropped");
            continue;
        }
        let datagram = &buf[..n];
        // Keep-alives (CRLF) carry nothing to answer.
        if datagram.iter().all(|c| c.is_ascii_whitespace()) {
            continue;
        }
        let out = server.handle_bytes(
            datagram,
            Source {
                transport: Transport::Udp,
                addr,
            },
        );
        server.dispatch(out);
    }
}

/// Asks the kernel for a receive buffer of `bytes` on `socket` (past `net.core.rmem_max`
/// when the process may), and says what it got.
pub(super) fn size_receive_buffer(socket: &UdpSocket, bytes: usize) {
    let sock = socket2::SockRef::from(socket);
    let forced = force_receive_buffer(socket, bytes);
    if !forced && let Err(e) = sock.set_recv_buffer_size(bytes) {
        tracing::warn!(error = %e, bytes, "setting the SIP UDP receive buffer failed");
    }
    match sock.recv_buffer_size() {
        // Linux reports twice what was set (the other half is its bookkeeping): less than
        // asked even so means the system capped it.
        Ok(granted) if granted < bytes => tracing::warn!(
            asked = bytes,
            granted,
            "SIP UDP receive buffer smaller than asked (raise net.core.rmem_max, or run as root)"
        ),
        Ok(granted) => tracing::info!(asked = bytes, granted, "SIP UDP receive buffer"),
        Err(e) => tracing::debug!(error = %e, "reading the SIP UDP receive buffer size"),
    }
}

/// SO_RCVBUFFORCE: whether it took (it needs CAP_NET_ADMIN).
#[cfg(target_os = "linux")]
fn force_receive_buffer(socket: &UdpSocket, bytes: usize) -> bool {
    nix::sys::socket::setsockopt(socket, nix::sys::socket::sockopt::RcvBufForce, &bytes).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn force_receive_buffer(_socket: &UdpSocket, _bytes: usize) -> bool {
    false
}
