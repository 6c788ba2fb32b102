//! SIP over TCP and TLS: one task per connection, messages cut out of the stream by the
//! framer. A connection that sends something unparseable is closed: a stream cannot be
//! resynced. Each connection is registered by transport and peer address, so requests for
//! a device go down the connection it registered over.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

use porter_edge::CancellationToken;
use porter_edge::accept::{AcceptBackoff, accept};
use porter_edge::pending::PendingGuard;

use super::SipServer;
use super::streams::CONNECTION_QUEUE;
use crate::message::{Framed, StreamFramer};
use crate::registrar::{Source, Transport};

/// How long a TLS client has to finish its handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// SIP over TCP on `listener` until `stop`.
pub(super) async fn serve_tcp(
    server: Arc<SipServer>,
    listener: TcpListener,
    stop: CancellationToken,
) {
    serve_stream(server, listener, None, stop).await;
}

/// SIP over TLS (RFC 3261 §26.3.1, port 5061 by default) on `listener` until `stop`.
pub(super) async fn serve_tls(
    server: Arc<SipServer>,
    listener: TcpListener,
    acceptor: TlsAcceptor,
    stop: CancellationToken,
) {
    serve_stream(server, listener, Some(acceptor), stop).await;
}

async fn serve_stream(
    server: Arc<SipServer>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    stop: CancellationToken,
) {
    accept_loop(
        server,
        listener,
        stop,
        move |server, tcp, addr, pending, stop| {
            let tls = tls.clone();
            async move {
                let (tx, rx) = mpsc::channel(CONNECTION_QUEUE);
                let conn = Conn {
                    peer: addr,
                    pending: Some(pending),
                };
                match tls {
                    None => {
                        server.streams.add(Transport::Tcp, addr, tx);
                        run_connection(server, tcp, Transport::Tcp, conn, rx, stop).await;
                    }
                    Some(acceptor) => {
                        let handshake =
                            tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await;
                        match handshake {
                            Ok(Ok(stream)) => {
                                server.streams.add(Transport::Tls, addr, tx);
                                run_connection(server, stream, Transport::Tls, conn, rx, stop)
                                    .await;
                            }
                            Ok(Err(e)) => tracing::debug!(%addr, error = %e, "SIP TLS handshake"),
                            Err(_) => tracing::debug!(%addr, "SIP TLS handshake timed out"),
                        }
                    }
                }
            }
        },
    )
    .await;
}

/// A connection's peer, and its place among the peer address's connections that have not
/// sent a valid request yet (`None` once it has, or for connections Porter opened).
pub(super) struct Conn {
    pub peer: SocketAddr,
    pub pending: Option<PendingGuard>,
}

impl Conn {
    /// Connections Porter opened itself are trusted from the start.
    pub(super) fn outbound(peer: SocketAddr) -> Conn {
        Conn {
            peer,
            pending: None,
        }
    }

    /// A valid message arrived: the connection leaves the short first-request deadline and
    /// its address's count of silent connections.
    pub(super) fn proved(&mut self) {
        if let Some(p) = self.pending.take() {
            p.settle();
        }
    }

    /// When to close it for silence: the first-request deadline until a valid message
    /// arrived, then `idle` after the last thing read.
    pub(super) fn deadline(
        &self,
        opened: tokio::time::Instant,
        last_read: tokio::time::Instant,
        config: &super::SipConfig,
    ) -> tokio::time::Instant {
        if self.pending.is_some() {
            opened + Duration::from_millis(config.first_request_ms)
        } else {
            last_read + Duration::from_millis(config.idle_ms)
        }
    }
}

/// Whether a framed message is well formed enough to prove a connection speaks SIP.
pub(super) fn valid(message: &crate::message::Message) -> bool {
    match message {
        crate::message::Message::Request(r) => r.check().is_ok(),
        crate::message::Message::Response(r) => r.check().is_ok(),
    }
}

/// Accepts connections until `stop`, each handled by `serve` in a task of the server's, within
/// the server's connection limit (shared by TCP, TLS and WebSocket) and the per-address
/// limit of connections that have not sent a valid request yet.
pub(super) async fn accept_loop<F, Fut>(
    server: Arc<SipServer>,
    listener: TcpListener,
    stop: CancellationToken,
    serve: F,
) where
    F: Fn(Arc<SipServer>, TcpStream, SocketAddr, PendingGuard, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut backoff = AcceptBackoff::default();
    loop {
        let permit = tokio::select! {
            p = server.connections.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = stop.cancelled() => break,
        };
        let Some((tcp, addr)) = accept(&listener, "SIP", &mut backoff, &stop).await else {
            break;
        };
        let Some(pending) = server.unauthenticated.try_enter(addr.ip()) else {
            tracing::debug!(%addr, "SIP connection refused: too many silent connections from its address");
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let connection = serve(server.clone(), tcp, addr, pending, stop.clone());
        server.tasks.spawn(async move {
            connection.await;
            drop(permit);
        });
    }
}

/// Reads messages from one connection and writes what is queued for it, until either side
/// closes, it idles too long or the server stops; then it leaves the registry.
pub(super) async fn run_connection<S: AsyncRead + AsyncWrite + Unpin>(
    server: Arc<SipServer>,
    mut stream: S,
    transport: Transport,
    mut conn: Conn,
    mut queue: mpsc::Receiver<Bytes>,
    stop: CancellationToken,
) {
    let peer = conn.peer;
    let source = Source {
        transport,
        addr: peer,
    };
    let mut framer = StreamFramer::new(server.config.max_message);
    let mut buf = BytesMut::with_capacity(4096);
    let opened = tokio::time::Instant::now();
    let mut last_read = opened;
    'conn: loop {
        loop {
            match framer.next(&mut buf) {
                Ok(None) => break,
                Ok(Some(Framed::Ping)) => {
                    if stream.write_all(b"\r\n").await.is_err() {
                        break 'conn;
                    }
                }
                Ok(Some(Framed::Message(m))) => {
                    // Checked once per connection: after that the handler checks alone.
                    if conn.pending.is_some() && valid(&m) {
                        conn.proved();
                    }
                    let out = server.handle(*m, source);
                    server.dispatch(out);
                }
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "SIP stream closed");
                    break 'conn;
                }
            }
        }
        let silent_until = conn.deadline(opened, last_read, &server.config);
        tokio::select! {
            r = stream.read_buf(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(_) => last_read = tokio::time::Instant::now(),
            },
            Some(bytes) = queue.recv() => {
                if stream.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            () = stop.cancelled() => break,
            _ = tokio::time::sleep_until(silent_until) => {
                tracing::debug!(%peer, proved = conn.pending.is_none(), "SIP connection silent, closed");
                break;
            }
        }
    }
    server.streams.remove(transport, peer);
}
