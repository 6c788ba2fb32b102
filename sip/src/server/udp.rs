//! SIP over UDP: one socket, read by `SipConfig::udp_workers` threads, each blocked in
//! `recvfrom`. The kernel wakes one waiting thread per datagram, so an idle server pays one
//! wake-up for each (a tokio task waiting on the socket cost two or three: the I/O driver's
//! thread out of `epoll_wait`, and another worker woken to look for work), and a busy one
//! has every thread reading. Responses go back to the address the request came from
//! (RFC 3581 symmetric response routing), which is what works behind NAT; they are sent
//! from whichever thread or task made them, without ever blocking (`Outbound`).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use porter_edge::CancellationToken;
use tokio::net::UdpSocket;

use super::SipServer;
use crate::registrar::{Source, Transport};

/// How long a reading thread waits for a datagram before it looks whether the server
/// stops: the longest a stop waits for the readers.
const STOP_CHECK: Duration = Duration::from_millis(200);

/// Serves `socket` with the configured number of reading threads until `stop`.
pub(super) async fn serve_udp(server: Arc<SipServer>, socket: UdpSocket, stop: CancellationToken) {
    let socket = match blocking(socket) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            tracing::error!(error = %e, "SIP UDP socket: cannot read it");
            return;
        }
    };
    server.outbound.set_udp(socket.clone());
    // Should this future be dropped rather than stopped (a runtime shutting down), the
    // readers stop with it: the runtime waits for its blocking threads.
    let stop = stop.child_token();
    let _stop_readers_when_dropped = stop.clone().drop_guard();
    let readers: Vec<_> = (0..server.config.udp_workers.max(1))
        .map(|_| {
            let (server, socket, stop) = (server.clone(), socket.clone(), stop.clone());
            // On the runtime's blocking pool: the threads may spawn tasks (a TCP connection
            // to a contact), and the runtime waits for them at its end.
            tokio::task::spawn_blocking(move || read(&server, &socket, &stop))
        })
        .collect();
    for reader in readers {
        if let Err(e) = reader.await {
            tracing::error!(error = %e, "SIP UDP reader failed");
        }
    }
}

/// The socket for blocking reads, with a timeout so readers see a stop.
fn blocking(socket: UdpSocket) -> io::Result<std::net::UdpSocket> {
    let socket = socket.into_std()?;
    socket.set_nonblocking(false)?;
    socket.set_read_timeout(Some(STOP_CHECK))?;
    Ok(socket)
}

fn read(server: &Arc<SipServer>, socket: &std::net::UdpSocket, stop: &CancellationToken) {
    // One byte more than the limit tells an oversized datagram from one that fits.
    let mut buf = vec![0u8; server.config.max_message + 1];
    while !stop.is_cancelled() {
        match socket.recv_from(&mut buf) {
            Ok((n, addr)) => handle(server, &buf, n, addr),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            // ICMP port unreachable from an earlier send shows up here on some systems.
            Err(e) => tracing::debug!(error = %e, "SIP UDP receive"),
        }
    }
}

fn handle(server: &Arc<SipServer>, buf: &[u8], n: usize, addr: SocketAddr) {
    if n > server.config.max_message {
        tracing::debug!(%addr, "SIP datagram over the size limit dropped");
        return;
    }
    let datagram = &buf[..n];
    // Keep-alives (CRLF) carry nothing to answer.
    if datagram.iter().all(|c| c.is_ascii_whitespace()) {
        return;
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
