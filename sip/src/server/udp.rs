//! SIP over UDP: one socket, one task. Responses go back to the address the request came
//! from (RFC 3581 symmetric response routing), which is what works behind NAT.

use std::sync::Arc;

use porter_edge::CancellationToken;
use tokio::net::UdpSocket;

use super::SipServer;
use crate::registrar::{Source, Transport};

pub(super) async fn serve_udp(server: Arc<SipServer>, socket: UdpSocket, stop: CancellationToken) {
    let socket = Arc::new(socket);
    server.outbound.set_udp(socket.clone());
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
