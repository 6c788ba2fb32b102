//! SIP over TCP: one task per connection, messages cut out of the stream by the framer.
//! A connection that sends something unparseable is closed: a stream cannot be resynced.

use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use super::SipServer;
use crate::message::{Framed, StreamFramer};
use crate::registrar::{Source, Transport};

pub async fn serve_tcp(server: Arc<SipServer>, listener: TcpListener, stop: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(server.config.max_connections));
    let mut tasks = tokio::task::JoinSet::new();
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
            connection(
                server,
                tcp,
                Source {
                    transport: Transport::Tcp,
                    addr,
                },
                stop,
            )
            .await;
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    tasks.shutdown().await;
}

async fn connection(
    server: Arc<SipServer>,
    mut tcp: TcpStream,
    source: Source,
    mut stop: watch::Receiver<bool>,
) {
    let mut framer = StreamFramer::new(server.config.max_message);
    let mut buf = BytesMut::with_capacity(4096);
    loop {
        loop {
            match framer.next(&mut buf) {
                Ok(None) => break,
                Ok(Some(Framed::Ping)) => {
                    if tcp.write_all(b"\r\n").await.is_err() {
                        return;
                    }
                }
                Ok(Some(Framed::Message(m))) => {
                    if let Some(reply) = server.handle(*m, source)
                        && tcp.write_all(&reply).await.is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    tracing::debug!(%source.addr, error = %e, "SIP TCP stream closed");
                    return;
                }
            }
        }
        let read = tokio::select! {
            r = tcp.read_buf(&mut buf) => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
