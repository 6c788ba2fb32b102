//! SIP over TCP: one task per connection, messages cut out of the stream by the framer.
//! A connection that sends something unparseable is closed: a stream cannot be resynced.
//! Each connection is registered by its peer address, so requests for a device go down the
//! connection it registered over.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};

use super::SipServer;
use super::outbound::CONNECTION_QUEUE;
use crate::message::{Framed, StreamFramer};
use crate::registrar::{Source, Transport};

pub async fn serve_tcp(server: Arc<SipServer>, listener: TcpListener, stop: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(server.config.max_connections));
    let mut tasks = tokio::task::JoinSet::new();
    server.outbound.set_stop(stop.clone());
    let mut stop_accept = stop.clone();
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = stop_accept.wait_for(|s| *s) => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop_accept.wait_for(|s| *s) => break,
        };
        let (tcp, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!(error = %e, "SIP TCP accept");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let (server, stop) = (server.clone(), stop.clone());
        tasks.spawn(async move {
            let (tx, rx) = mpsc::channel(CONNECTION_QUEUE);
            server.outbound.add_connection(addr, tx);
            run_connection(server, tcp, addr, rx, stop).await;
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    tasks.shutdown().await;
}

/// Reads messages from one connection and writes what is queued for it, until either side
/// closes or the server stops; then the connection leaves the registry.
pub(super) async fn run_connection(
    server: Arc<SipServer>,
    mut tcp: TcpStream,
    peer: SocketAddr,
    mut queue: mpsc::Receiver<Bytes>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let source = Source {
        transport: Transport::Tcp,
        addr: peer,
    };
    let mut framer = StreamFramer::new(server.config.max_message);
    let mut buf = BytesMut::with_capacity(4096);
    let idle = std::time::Duration::from_millis(server.config.idle_ms);
    'conn: loop {
        loop {
            match framer.next(&mut buf) {
                Ok(None) => break,
                Ok(Some(Framed::Ping)) => {
                    if tcp.write_all(b"\r\n").await.is_err() {
                        break 'conn;
                    }
                }
                Ok(Some(Framed::Message(m))) => {
                    let out = server.handle(*m, source);
                    server.dispatch(out);
                }
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "SIP TCP stream closed");
                    break 'conn;
                }
            }
        }
        tokio::select! {
            r = tcp.read_buf(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            },
            Some(bytes) = queue.recv() => {
                if tcp.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            // The guard `wait_for` returns must not live across the writes above.
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
            _ = tokio::time::sleep(idle) => {
                tracing::debug!(%peer, "SIP TCP connection idle, closed");
                break;
            }
        }
    }
    server.outbound.remove_connection(peer);
}
