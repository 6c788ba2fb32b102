//! Device frames over TLS with rustls's unbuffered API, so that this code owns every buffer
//! and an idle connection keeps none. rustls's buffered `ServerConnection` keeps a 4 KiB
//! read buffer per connection forever; with 100,000 idle devices that alone is 400 MiB.
//! Here the TLS bytes read (`incoming`), the decrypted bytes not yet framed (`plain`) and
//! the TLS bytes not yet written (`out`) are each freed as soon as they are empty.
//!
//! The loop: `step` hands `incoming` to rustls and applies what it asks for (decrypted
//! records into `plain`, handshake records into `out`); when rustls needs more bytes, `out`
//! is flushed and the socket is read. Every wait (readable, writable) keeps its progress in
//! `self`, so `recv` is cancel-safe as the connection loop requires.

use std::io;
use std::sync::Arc;

use bytes::BytesMut;
use porter_proto::device::v1 as d;
use porter_proto::frame::{self, FrameError};
use rustls::server::UnbufferedServerConnection;
use rustls::unbuffered::{ConnectionState, EncodeError, EncodeTlsData, EncryptError};
use tokio::net::TcpStream;

use crate::transport::FrameIo;

/// Largest TLS data held unprocessed: a handshake message may take 64 KiB, a record 16 KiB.
const MAX_INCOMING: usize = 64 * 1024 + 5;
/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 4096;

pub struct TlsIo {
    tcp: TcpStream,
    conn: Box<UnbufferedServerConnection>,
    incoming: Vec<u8>,
    plain: BytesMut,
    out: Vec<u8>,
    max: usize,
}

/// What rustls made of the bytes so far.
enum Step {
    /// It did something (decrypted data, queued records): ask again.
    Progress,
    /// It needs more bytes from the peer.
    NeedRead,
    /// The peer sent close_notify.
    Closed,
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

/// Appends a handshake record rustls has ready to `out`, growing it to the size asked for.
fn encode_into<Data>(out: &mut Vec<u8>, record: &mut EncodeTlsData<'_, Data>) -> io::Result<()> {
    let at = out.len();
    let mut need = 0;
    loop {
        out.resize(at + need, 0);
        match record.encode(&mut out[at..]) {
            Ok(n) => {
                out.truncate(at + n);
                return Ok(());
            }
            Err(EncodeError::InsufficientSize(s)) => need = s.required_size,
            Err(e) => {
                out.truncate(at);
                return Err(invalid(e));
            }
        }
    }
}

/// Frees a buffer that holds nothing.
fn release(v: &mut Vec<u8>) {
    if v.is_empty() && v.capacity() > 0 {
        *v = Vec::new();
    }
}

impl TlsIo {
    /// Runs the server side of the handshake on `tcp` (the caller bounds it in time).
    pub async fn accept(
        tcp: TcpStream,
        config: Arc<rustls::ServerConfig>,
        max: usize,
    ) -> io::Result<TlsIo> {
        let conn = UnbufferedServerConnection::new(config).map_err(invalid)?;
        let mut io = TlsIo {
            tcp,
            conn: Box::new(conn),
            incoming: Vec::new(),
            plain: BytesMut::new(),
            out: Vec::new(),
            max,
        };
        loop {
            match io.step()? {
                Step::Progress => {}
                Step::Closed => return Err(io::ErrorKind::UnexpectedEof.into()),
                Step::NeedRead if !io.conn.is_handshaking() => {
                    io.flush_out().await?;
                    return Ok(io);
                }
                Step::NeedRead => {
                    io.flush_out().await?;
                    if !io.read_some().await? {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
        }
    }

    /// One round of rustls's state machine over `incoming`.
    fn step(&mut self) -> io::Result<Step> {
        let status = self.conn.process_tls_records(&mut self.incoming);
        let discard = status.discard;
        let step = match status.state.map_err(invalid)? {
            ConnectionState::ReadTraffic(mut records) => {
                while let Some(record) = records.next_record() {
                    let record = record.map_err(invalid)?;
                    self.plain.extend_from_slice(record.payload);
                }
                Step::Progress
            }
            ConnectionState::EncodeTlsData(mut record) => {
                encode_into(&mut self.out, &mut record)?;
                Step::Progress
            }
            // The encoded records are in `out`, written before the next read (in order).
            ConnectionState::TransmitTlsData(sent) => {
                sent.done();
                Step::Progress
            }
            ConnectionState::WriteTraffic(_) | ConnectionState::BlockedHandshake => Step::NeedRead,
            ConnectionState::PeerClosed | ConnectionState::Closed => Step::Closed,
            // Early data is not enabled; anything newer is not understood.
            _ => return Err(invalid("unexpected TLS state")),
        };
        self.incoming.drain(..discard);
        release(&mut self.incoming);
        Ok(step)
    }

    /// Reads what the socket has (at least one byte, or false at end of stream).
    async fn read_some(&mut self) -> io::Result<bool> {
        if self.incoming.len() >= MAX_INCOMING {
            return Err(invalid("TLS record too large"));
        }
        loop {
            self.tcp.readable().await?;
            match self.try_read() {
                Ok(n) => return Ok(n > 0),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// A non-blocking read into `incoming`, through a stack buffer so that nothing is
    /// allocated until bytes have arrived.
    fn try_read(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; READ_CHUNK];
        let n = self.tcp.try_read(&mut chunk)?;
        self.incoming.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Writes `out` to the socket; progress is kept, so an interrupted flush resumes.
    async fn flush_out(&mut self) -> io::Result<()> {
        while !self.out.is_empty() {
            self.tcp.writable().await?;
            match self.tcp.try_write(&self.out) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        release(&mut self.out);
        Ok(())
    }

    /// Encrypts `plain` into `out` (after any records rustls still has to send).
    fn encrypt(&mut self, plain: &[u8]) -> io::Result<()> {
        loop {
            let status = self.conn.process_tls_records(&mut []);
            match status.state.map_err(invalid)? {
                ConnectionState::WriteTraffic(mut writer) => {
                    let at = self.out.len();
                    let mut need = plain.len() + 64;
                    loop {
                        self.out.resize(at + need, 0);
                        match writer.encrypt(plain, &mut self.out[at..]) {
                            Ok(n) => {
                                self.out.truncate(at + n);
                                return Ok(());
                            }
                            Err(EncryptError::InsufficientSize(s)) => need = s.required_size,
                            Err(e) => {
                                self.out.truncate(at);
                                return Err(invalid(e));
                            }
                        }
                    }
                }
                ConnectionState::EncodeTlsData(mut record) => {
                    encode_into(&mut self.out, &mut record)?
                }
                ConnectionState::TransmitTlsData(sent) => sent.done(),
                ConnectionState::PeerClosed | ConnectionState::Closed => {
                    return Err(io::ErrorKind::BrokenPipe.into());
                }
                _ => return Err(invalid("TLS cannot send application data now")),
            }
        }
    }
}

impl FrameIo for TlsIo {
    async fn recv(&mut self) -> Option<Result<d::DeviceFrame, FrameError>> {
        loop {
            match frame::decode::<d::DeviceFrame>(&mut self.plain, self.max) {
                Ok(Some(f)) => {
                    if self.plain.is_empty() {
                        self.plain = BytesMut::new();
                    }
                    return Some(Ok(f));
                }
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            match self.step() {
                Ok(Step::Progress) => continue,
                Ok(Step::Closed) | Err(_) => return None,
                Ok(Step::NeedRead) => {}
            }
            if self.flush_out().await.is_err() {
                return None;
            }
            match self.read_some().await {
                Ok(true) => {}
                Ok(false) | Err(_) => return None,
            }
        }
    }

    async fn send(&mut self, frames: Vec<d::ServerFrame>) -> io::Result<()> {
        let mut plain = BytesMut::new();
        for f in &frames {
            frame::encode(f, &mut plain, self.max)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        }
        // A TLS record carries at most 16 KiB; rustls splits larger writes itself.
        self.encrypt(&plain)?;
        self.flush_out().await
    }

    async fn close(&mut self) {
        let status = self.conn.process_tls_records(&mut []);
        if let Ok(ConnectionState::WriteTraffic(mut writer)) = status.state {
            let at = self.out.len();
            self.out.resize(at + 64, 0);
            match writer.queue_close_notify(&mut self.out[at..]) {
                Ok(n) => self.out.truncate(at + n),
                Err(_) => self.out.truncate(at),
            }
        }
        let _ = self.flush_out().await;
        let _ = tokio::io::AsyncWriteExt::shutdown(&mut self.tcp).await;
    }
}
