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
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;

use super::SipServer;
use super::outbound::CONNECTION_QUEUE;
use crate::message::{Framed, StreamFramer};
use crate::registrar::{Source, Transport};

/// How long a TLS client has to finish its handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// SIP over TCP on `listener` until `stop`.
pub async fn serve_tcp(server: Arc<SipServer>, listener: TcpListener, stop: watch::Receiver<bool>) {
    serve_stream(server, listener, None, stop).await;
}

/// SIP over TLS (RFC 3261 §26.3.1, port 5061 by default) on `listener` until `stop`.
pub async fn serve_tls(
    server: Arc<SipServer>,
    listener: TcpListener,
    acceptor: TlsAcceptor,
    stop: watch::Receiver<bool>,
) {
    serve_stream(server, listener, Some(acceptor), stop).await;
}

async fn serve_stream(
    server: Arc<SipServer>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    stop: watch::Receiver<bool>,
) {
    server.outbound.set_stop(stop.clone());
    accept_loop(server, listener, stop, move |server, tcp, addr, stop| {
        let tls = tls.clone();
        async move {
            let (tx, rx) = mpsc::channel(CONNECTION_QUEUE);
            match tls {
                None => {
                    server.outbound.add_connection(Transport::Tcp, addr, tx);
                    run_connection(server, tcp, Transport::Tcp, addr, rx, stop).await;
                }
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await;
                    match handshake {
                        Ok(Ok(stream)) => {
                            server.outbound.add_connection(Transport::Tls, addr, tx);
                            run_connection(server, stream, Transport::Tls, addr, rx, stop).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%addr, error = %e, "SIP TLS handshake"),
                        Err(_) => tracing::debug!(%addr, "SIP TLS handshake timed out"),
                    }
                }
            }
        }
    })
    .await;
}

/// Accepts connections until `stop`, each handled by `serve` in a task of its own, within
/// the server's connection limit (shared by TCP, TLS and WebSocket).
pub(super) async fn accept_loop<F, Fut>(
    server: Arc<SipServer>,
    listener: TcpListener,
    stop: watch::Receiver<bool>,
    serve: F,
) where
    F: Fn(Arc<SipServer>, TcpStream, SocketAddr, watch::Receiver<bool>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    let mut stop_accept = stop.clone();
    loop {
        let permit = tokio::select! {
            p = server.connections.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = stop_accept.wait_for(|s| *s) => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop_accept.wait_for(|s| *s) => break,
        };
        let (tcp, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!(error = %e, "SIP accept");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let connection = serve(server.clone(), tcp, addr, stop.clone());
        tasks.spawn(async move {
            connection.await;
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    tasks.shutdown().await;
}

/// Reads messages from one connection and writes what is queued for it, until either side
/// closes, it idles too long or the server stops; then it leaves the registry.
pub(super) async fn run_connection<S: AsyncRead + AsyncWrite + Unpin>(
    server: Arc<SipServer>,
    mut stream: S,
    transport: Transport,
    peer: SocketAddr,
    mut queue: mpsc::Receiver<Bytes>,
    mut stop: watch::Receiver<bool>,
) {
    let source = Source {
        transport,
        addr: peer,
    };
    let mut framer = StreamFramer::new(server.config.max_message);
    let mut buf = BytesMut::with_capacity(4096);
    let idle = Duration::from_millis(server.config.idle_ms);
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
                    let out = server.handle(*m, source);
                    server.dispatch(out);
                }
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "SIP stream closed");
                    break 'conn;
                }
            }
        }
        tokio::select! {
            r = stream.read_buf(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            },
            Some(bytes) = queue.recv() => {
                if stream.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            // The guard `wait_for` returns must not live across the writes above.
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
            _ = tokio::time::sleep(idle) => {
                tracing::debug!(%peer, "SIP connection idle, closed");
                break;
            }
        }
    }
    server.outbound.remove_connection(transport, peer);
}
