//! How frames travel: a byte stream with length prefixes (TLS/TCP, QUIC streams) or one
//! WebSocket binary message per frame. The connection loop sees only `FrameIo`.

use std::future::Future;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use porter_proto::device::v1 as d;
use porter_proto::frame::{self, FrameError};
use prost::Message as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

pub trait FrameIo: Send {
    /// The next frame; `None` once the peer is gone. Cancel-safe: nothing read is lost if
    /// the future is dropped.
    fn recv(&mut self) -> impl Future<Output = Option<Result<d::DeviceFrame, FrameError>>> + Send;
    fn send(
        &mut self,
        frames: Vec<d::ServerFrame>,
    ) -> impl Future<Output = std::io::Result<()>> + Send;
    fn close(&mut self) -> impl Future<Output = ()> + Send;
}

/// Length-prefixed frames on a byte stream.
pub struct ByteStreamIo<S> {
    stream: S,
    rbuf: BytesMut,
    wbuf: BytesMut,
    max: usize,
}

impl<S> ByteStreamIo<S> {
    pub fn new(stream: S, max: usize) -> Self {
        ByteStreamIo {
            stream,
            rbuf: BytesMut::new(),
            wbuf: BytesMut::new(),
            max,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> FrameIo for ByteStreamIo<S> {
    async fn recv(&mut self) -> Option<Result<d::DeviceFrame, FrameError>> {
        loop {
            match frame::decode::<d::DeviceFrame>(&mut self.rbuf, self.max) {
                Ok(Some(f)) => {
                    // Idle connections keep no large read buffer.
                    if self.rbuf.is_empty() && self.rbuf.capacity() > 4096 {
                        self.rbuf = BytesMut::new();
                    }
                    return Some(Ok(f));
                }
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            match self.stream.read_buf(&mut self.rbuf).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    async fn send(&mut self, frames: Vec<d::ServerFrame>) -> std::io::Result<()> {
        for f in &frames {
            frame::encode(f, &mut self.wbuf, self.max)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        }
        let written = self.stream.write_all(&self.wbuf).await;
        self.wbuf = BytesMut::new();
        written
    }

    async fn close(&mut self) {
        let _ = self.stream.shutdown().await;
    }
}

/// One protobuf message per binary WebSocket message.
pub struct WebSocketIo<S> {
    ws: WebSocketStream<S>,
    max: usize,
}

impl<S> WebSocketIo<S> {
    pub fn new(ws: WebSocketStream<S>, max: usize) -> Self {
        WebSocketIo { ws, max }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> FrameIo for WebSocketIo<S> {
    async fn recv(&mut self) -> Option<Result<d::DeviceFrame, FrameError>> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Binary(body)) => return Some(frame::decode_message(&body, self.max)),
                Ok(Message::Text(_)) => {
                    return Some(Err(FrameError::Decode(
                        "text messages are not part of the protocol".into(),
                    )));
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                // Pings are answered by the library on the next write or flush.
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
            }
        }
    }

    async fn send(&mut self, frames: Vec<d::ServerFrame>) -> std::io::Result<()> {
        let to_io = |e: tokio_tungstenite::tungstenite::Error| std::io::Error::other(e.to_string());
        for f in frames {
            self.ws
                .feed(Message::Binary(f.encode_to_vec().into()))
                .await
                .map_err(to_io)?;
        }
        self.ws.flush().await.map_err(to_io)
    }

    async fn close(&mut self) {
        let _ = self.ws.close(None).await;
    }
}
