//! SIP over UDP: one socket, received and handled by up to `SipConfig::udp_workers` tasks
//! at once (tokio's multi-threaded runtime runs them on every core). Responses go back to
//! the address the request came from (RFC 3581 symmetric response routing), which is what
//! works behind NAT.
//!
//! Only the first worker always waits on the socket. Every task waiting on a tokio socket
//! is woken by each datagram and all but one find nothing: with a task per core on it, that
//! herd cost 15 % more CPU per call and per REGISTER at moderate rates than one task
//! (benches/sip-bench.sh), and one task alone falls behind past about 3,000 calls/s. So the
//! other workers are helpers, called in by load: the first worker wakes one when it finds
//! datagrams queued behind the one it took, and from then on the helper waits on the socket
//! too (the runtime wakes it on another core) for as long as its wake-ups bring it more than
//! one datagram each. An idle server wakes one task per datagram; a busy one has every
//! worker reading.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use porter_edge::{CancellationToken, TaskTracker};
use tokio::net::UdpSocket;
use tokio::sync::Notify;

use super::SipServer;
use crate::registrar::{Source, Transport};

/// Datagrams found waiting, one after another without the socket running dry, before the
/// first worker wakes a helper: a short queue is cheaper drained by one task than shared.
const HELP_AFTER: u32 = 4;

/// A helper judges its use over this many wake-ups: when they brought it one datagram each
/// or fewer on average, the first worker was keeping up (a helper sharing a trickle just
/// splits it and pays for the wake-ups), and the helper stops waiting on the socket.
const HELPER_WINDOW: u32 = 32;

/// Serves `socket` with the configured number of workers until `stop`.
pub(super) async fn serve_udp(server: Arc<SipServer>, socket: UdpSocket, stop: CancellationToken) {
    let socket = Arc::new(socket);
    server.outbound.set_udp(socket.clone());
    let helpers = server.config.udp_workers.max(1) - 1;
    let call = Arc::new(HelperCall {
        wanted: Notify::new(),
        helpers,
        engaged: AtomicUsize::new(0),
    });
    let workers = TaskTracker::new();
    workers.spawn(Worker::new(&server, &socket, &call).wait_on_socket(stop.clone()));
    for _ in 0..helpers {
        workers.spawn(Worker::new(&server, &socket, &call).wait_to_be_woken(stop.clone()));
    }
    workers.close();
    workers.wait().await;
}

/// How workers call in helpers.
struct HelperCall {
    /// Where a helper waits to be called in.
    wanted: Notify,
    helpers: usize,
    /// Helpers waiting on the socket now.
    engaged: AtomicUsize,
}

impl HelperCall {
    fn call_one(&self) {
        if self.engaged.load(Ordering::Relaxed) < self.helpers {
            self.wanted.notify_one();
        }
    }
}

struct Worker {
    server: Arc<SipServer>,
    socket: Arc<UdpSocket>,
    helpers: Arc<HelperCall>,
    /// One byte more than the limit tells an oversized datagram from one that fits.
    buf: Vec<u8>,
}

impl Worker {
    fn new(server: &Arc<SipServer>, socket: &Arc<UdpSocket>, helpers: &Arc<HelperCall>) -> Worker {
        Worker {
            server: server.clone(),
            socket: socket.clone(),
            helpers: helpers.clone(),
            buf: vec![0u8; server.config.max_message + 1],
        }
    }

    async fn wait_on_socket(mut self, stop: CancellationToken) {
        while self.readable(&stop).await {
            self.drain(&stop).await;
        }
    }

    async fn wait_to_be_woken(mut self, stop: CancellationToken) {
        loop {
            tokio::select! {
                () = self.helpers.wanted.notified() => {},
                () = stop.cancelled() => return,
            }
            self.helpers.engaged.fetch_add(1, Ordering::Relaxed);
            self.server
                .udp_helper_call_ins
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!("SIP UDP helper called in");
            let stopped = self.help(&stop).await;
            tracing::debug!("SIP UDP helper stands down");
            self.helpers.engaged.fetch_sub(1, Ordering::Relaxed);
            if stopped {
                return;
            }
        }
    }

    /// Reads the socket with the others while there is more than a trickle for it; true
    /// when the server stops.
    async fn help(&mut self, stop: &CancellationToken) -> bool {
        loop {
            let mut handled = 0;
            for _ in 0..HELPER_WINDOW {
                handled += self.drain(stop).await;
                if !self.readable(stop).await {
                    return true;
                }
            }
            if handled <= HELPER_WINDOW {
                return false;
            }
        }
    }

    /// Waits for a datagram; false when the server stops (or the socket fails).
    async fn readable(&self, stop: &CancellationToken) -> bool {
        tokio::select! {
            r = self.socket.readable() => match r {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "SIP UDP socket");
                    false
                }
            },
            () = stop.cancelled() => false,
        }
    }

    /// Handles datagrams until the socket has none (or the server stops); how many.
    async fn drain(&mut self, stop: &CancellationToken) -> u32 {
        let mut handled = 0u32;
        while !stop.is_cancelled() {
            let (n, addr) = match self.socket.try_recv_from(&mut self.buf) {
                Ok(r) => r,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // ICMP port unreachable from an earlier send shows up here on some systems.
                Err(e) => {
                    tracing::debug!(error = %e, "SIP UDP receive");
                    continue;
                }
            };
            handled += 1;
            if handled == HELP_AFTER {
                self.helpers.call_one();
            }
            self.handle(n, addr);
            // Take turns with the other tasks on this thread, as an awaited receive would.
            tokio::task::consume_budget().await;
        }
        handled
    }

    fn handle(&self, n: usize, addr: SocketAddr) {
        if n > self.server.config.max_message {
            tracing::debug!(%addr, "SIP datagram over the size limit dropped");
            return;
        }
        let datagram = &self.buf[..n];
        // Keep-alives (CRLF) carry nothing to answer.
        if datagram.iter().all(|c| c.is_ascii_whitespace()) {
            return;
        }
        let out = self.server.handle_bytes(
            datagram,
            Source {
                transport: Transport::Udp,
                addr,
            },
        );
        self.server.dispatch(out);
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
