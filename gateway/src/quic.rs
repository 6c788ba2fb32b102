//! The device gateway over QUIC (RFC 9000, quinn) on the gateway's UDP port: the device
//! opens one bidirectional stream and speaks the same length-prefixed frames as over TLS.
//! QUIC suits devices on lossy or roaming links (no head-of-line blocking on the handshake,
//! connection migration when a NAT rebinds).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use quinn::crypto::rustls::QuicServerConfig;

use crate::connection::connection;
use porter_edge::CancellationToken;

use crate::gateway::{Gateway, GatewayConfig};
use crate::metrics::Transport;
use crate::transport::ByteStreamIo;

/// The ALPN token devices offer over QUIC.
pub const ALPN: &[u8] = b"porter-device/1";

/// How long a closing connection waits for the device to read its last frames.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum QuicError {
    #[error("the TLS configuration cannot serve QUIC: {0}")]
    Crypto(#[from] quinn::crypto::rustls::NoInitialCipherSuite),
    #[error("binding QUIC to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A QUIC endpoint on `addr` with the gateway's TLS identity and limits.
pub fn endpoint(
    tls: &rustls::ServerConfig,
    config: &GatewayConfig,
    addr: SocketAddr,
) -> Result<quinn::Endpoint, QuicError> {
    let mut tls = tls.clone();
    tls.alpn_protocols = vec![ALPN.to_vec()];
    let mut server = quinn::ServerConfig::with_crypto(Arc::new(QuicServerConfig::try_from(tls)?));
    let window = u32::try_from(config.max_frame.saturating_mul(2)).unwrap_or(u32::MAX);
    let idle = config.session.heartbeat_interval * (config.session.missed_heartbeats + 1);
    let mut transport = quinn::TransportConfig::default();
    transport
        // One stream per device, opened by the device; nothing else.
        .max_concurrent_bidi_streams(1u32.into())
        .max_concurrent_uni_streams(0u32.into())
        // Flow-control windows sized to a frame or two, so an idle or slow device holds
        // little memory.
        .stream_receive_window(window.into())
        .receive_window(window.into())
        .send_window(u64::from(window))
        // The session's heartbeat timer decides liveness; this only reaps silent peers.
        .max_idle_timeout(idle.try_into().ok())
        // Devices speak on their stream only: no unreliable datagrams to buffer.
        .datagram_receive_buffer_size(None)
        .datagram_send_buffer_size(0);
    server.transport_config(Arc::new(transport));
    server.max_incoming(config.max_connections.min(65_536));
    quinn::Endpoint::server(server, addr).map_err(|source| QuicError::Bind { addr, source })
}

/// Accepts QUIC connections until `shutdown`, like `serve_tcp`; then waits a moment for the
/// endpoint to say goodbye to its peers.
pub async fn serve_quic(
    gateway: Arc<Gateway>,
    endpoint: quinn::Endpoint,
    shutdown: CancellationToken,
) {
    loop {
        let incoming = tokio::select! {
            i = endpoint.accept() => match i { Some(i) => i, None => break },
            () = shutdown.cancelled() => break,
        };
        let remote = incoming.remote_address();
        let admission = match gateway.admit(remote, Transport::Quic, None) {
            Ok(a) => a,
            Err(why) => {
                tracing::debug!(%remote, ?why, "QUIC connection refused");
                incoming.refuse();
                continue;
            }
        };
        let gateway = gateway.clone();
        let stop = shutdown.clone();
        gateway.tasks.clone().spawn(async move {
            let limit = gateway.config.handshake_timeout;
            let metrics = gateway.metrics.clone();
            // Boxed: the handshake's state must not stay in the size of the task.
            let established = Box::pin(async {
                let conn = incoming.accept()?.await?;
                // The device opens its stream right after the handshake.
                let (send, recv) = conn.accept_bi().await?;
                Ok::<_, quinn::ConnectionError>((conn, send, recv))
            });
            let (conn, send, recv) = match tokio::time::timeout(limit, established).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    metrics.handshake(Transport::Quic, false);
                    return tracing::debug!(%remote, error = %e, "QUIC handshake failed");
                }
                Err(_) => {
                    metrics.handshake(Transport::Quic, false);
                    return tracing::debug!(%remote, "QUIC handshake timed out");
                }
            };
            metrics.handshake(Transport::Quic, true);
            let max = gateway.config.max_frame;
            let io = ByteStreamIo::new(tokio::io::join(recv, send), max);
            connection(gateway, io, admission, stop).await;
            // Closing at once would drop the last frames (an error, a GoAway) unsent: give
            // the device a moment to read them and close its side.
            let _ = tokio::time::timeout(CLOSE_LINGER, conn.closed()).await;
            conn.close(0u32.into(), b"closed");
        });
    }
    let grace = gateway.config.handshake_timeout + CLOSE_LINGER;
    let _ = tokio::time::timeout(grace, endpoint.wait_idle()).await;
}
