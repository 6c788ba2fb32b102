//! A device's connection to the gateway over any of its transports: TLS over TCP, QUIC,
//! WebSocket over TLS, or plain TCP. Frames in, frames out; the rest of the simulator never
//! sees which transport carries them.

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use porter_proto::device::v1 as d;
use porter_proto::frame;
use prost::Message as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// The ALPN token of the device protocol over QUIC.
pub const QUIC_ALPN: &[u8] = b"porter-device/1";
/// Where devices upgrade to WebSocket.
pub const WEBSOCKET_PATH: &str = "/device/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tls,
    Quic,
    Ws,
    Tcp,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("connecting: {0}")]
    Io(#[from] std::io::Error),
    #[error("QUIC: {0}")]
    Quic(String),
    #[error("WebSocket: {0}")]
    WebSocket(String),
    #[error("timed out")]
    Timeout,
    #[error("TLS trust anchors: {0}")]
    Trust(String),
    #[error("frame: {0}")]
    Frame(#[from] frame::FrameError),
}

/// How to reach the gateway; shared by every simulated device.
pub struct Connector {
    pub transport: Transport,
    /// The gateway; the other nodes' gateways follow (`with_fallbacks`).
    pub addr: SocketAddr,
    /// Every gateway address, `addr` first: a device starts on one (spread by its index)
    /// and moves to the next when its node is gone, as firmware given several servers does.
    addrs: Vec<SocketAddr>,
    /// The address each device last connected to (only with several addresses).
    last_good: std::sync::Mutex<std::collections::HashMap<usize, usize>>,
    server_name: ServerName<'static>,
    name: String,
    tls: Arc<rustls::ClientConfig>,
    roots: Arc<rustls::RootCertStore>,
    /// Checked in every HTTPS server's certificate instead of its URL's host
    /// (`with_https_name`).
    https_name: Option<ServerName<'static>>,
    /// With `resume`: one configuration (and so one ticket cache) per device, as each real
    /// device keeps its own tickets.
    per_device:
        Option<std::sync::Mutex<std::collections::HashMap<usize, Arc<rustls::ClientConfig>>>>,
    /// Local addresses to connect from, round robin (spreads the 4-tuple space).
    sources: Vec<IpAddr>,
    /// One QUIC endpoint (UDP socket) per source address.
    quic: Vec<quinn::Endpoint>,
    pub timeout: Duration,
    pub max_frame: usize,
}

impl Connector {
    /// TLS for the device's HTTPS requests (AutoP, firmware) to the same server.
    pub fn https_tls(&self) -> Arc<rustls::ClientConfig> {
        let mut tls = match &self.https_name {
            Some(name) => crate::https::verifying_as(self.roots.clone(), name.clone())
                .unwrap_or_else(|_| (*self.tls).clone()),
            None => (*self.tls).clone(),
        };
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(tls)
    }

    /// Checks the server name the gateway's certificate is checked for in the HTTPS
    /// servers' too, whatever host their links name: as a device configured with a
    /// cluster's one name is handed links to its nodes by address.
    pub fn with_https_name(mut self) -> Self {
        self.https_name = Some(self.server_name.clone());
        self
    }

    /// `ca_pem`: the certificate(s) the gateway's chain must lead to (its self-signed
    /// certificate by default). `resume`: keep TLS session tickets for fast reconnects.
    pub fn new(
        transport: Transport,
        addr: SocketAddr,
        server_name: &str,
        ca_pem: &[u8],
        sources: Vec<IpAddr>,
        resume: bool,
    ) -> Result<Self, LinkError> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem) {
            let cert = cert.map_err(|e| LinkError::Trust(e.to_string()))?;
            roots
                .add(cert)
                .map_err(|e| LinkError::Trust(e.to_string()))?;
        }
        if roots.is_empty() && transport != Transport::Tcp {
            return Err(LinkError::Trust("no certificate in the CA file".into()));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = Arc::new(roots);
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| LinkError::Trust(e.to_string()))?
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        tls.resumption = if resume {
            rustls::client::Resumption::in_memory_sessions(2)
        } else {
            rustls::client::Resumption::disabled()
        };
        let mut quic_tls = tls.clone();
        quic_tls.alpn_protocols = vec![QUIC_ALPN.to_vec()];
        let tls = Arc::new(tls);
        let server_name_text = server_name.to_owned();
        let server_name = ServerName::try_from(server_name.to_owned())
            .map_err(|e| LinkError::Trust(format!("server name: {e}")))?;
        let sources = if sources.is_empty() {
            vec![if addr.is_ipv4() {
                IpAddr::from([0, 0, 0, 0])
            } else {
                IpAddr::from([0u16; 8])
            }]
        } else {
            sources
        };
        let mut quic = Vec::new();
        if transport == Transport::Quic {
            let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(quic_tls)
                .map_err(|e| LinkError::Quic(e.to_string()))?;
            let mut client = quinn::ClientConfig::new(Arc::new(crypto));
            let mut t = quinn::TransportConfig::default();
            // The connection's idle timeout is the smaller of both sides' offers; quinn's
            // default of 30 s equals the heartbeat interval, and every device would race its
            // own heartbeat. The gateway offers 4 heartbeat intervals; so do we.
            t.keep_alive_interval(None)
                .max_idle_timeout(Duration::from_secs(120).try_into().ok());
            client.transport_config(Arc::new(t));
            for ip in &sources {
                let mut endpoint = quinn::Endpoint::client(SocketAddr::new(*ip, 0))?;
                endpoint.set_default_client_config(client.clone());
                quic.push(endpoint);
            }
        }
        Ok(Connector {
            transport,
            addr,
            addrs: vec![addr],
            last_good: std::sync::Mutex::default(),
            server_name,
            name: server_name_text,
            tls,
            roots,
            https_name: None,
            per_device: resume.then(|| std::sync::Mutex::new(std::collections::HashMap::new())),
            sources,
            quic,
            timeout: Duration::from_secs(10),
            max_frame: frame::DEFAULT_MAX_FRAME,
        })
    }

    /// Other gateways (a cluster's other nodes) to use when `addr` cannot be reached.
    pub fn with_fallbacks(mut self, more: impl IntoIterator<Item = SocketAddr>) -> Self {
        self.addrs.extend(more);
        self
    }

    /// Opens a link for device `n` (which also picks the source address): to the gateway it
    /// last reached, else the next one that answers.
    pub async fn connect(&self, n: usize) -> Result<Link, LinkError> {
        let count = self.addrs.len();
        let first = match count {
            1 => 0,
            _ => *lock(&self.last_good).get(&n).unwrap_or(&(n % count)),
        };
        let mut failure = LinkError::Timeout;
        for k in 0..count {
            let i = (first + k) % count;
            match tokio::time::timeout(self.timeout, self.connect_to(self.addrs[i], n)).await {
                Ok(Ok(link)) => {
                    if count > 1 {
                        lock(&self.last_good).insert(n, i);
                    }
                    return Ok(link);
                }
                Ok(Err(e)) => failure = e,
                Err(_) => failure = LinkError::Timeout,
            }
        }
        Err(failure)
    }

    async fn connect_to(&self, addr: SocketAddr, n: usize) -> Result<Link, LinkError> {
        let source = self.sources[n % self.sources.len()];
        let inner = match self.transport {
            Transport::Tcp => Inner::Stream(Box::new(self.tcp(source, addr).await?)),
            Transport::Tls => Inner::Stream(Box::new(self.tls(source, addr, n).await?)),
            Transport::Ws => {
                let tls = self.tls(source, addr, n).await?;
                let url = format!("wss://{addr}{WEBSOCKET_PATH}");
                let (ws, _) = tokio_tungstenite::client_async(url, tls)
                    .await
                    .map_err(|e| LinkError::WebSocket(e.to_string()))?;
                Inner::Ws(Box::new(ws))
            }
            Transport::Quic => {
                let endpoint = &self.quic[n % self.quic.len()];
                let conn = endpoint
                    .connect(addr, &self.name)
                    .map_err(|e| LinkError::Quic(e.to_string()))?
                    .await
                    .map_err(|e| LinkError::Quic(e.to_string()))?;
                let (send, recv) = conn
                    .open_bi()
                    .await
                    .map_err(|e| LinkError::Quic(e.to_string()))?;
                Inner::Quic(Box::new(tokio::io::join(recv, send)), conn)
            }
        };
        Ok(Link {
            inner,
            rbuf: BytesMut::new(),
            max: self.max_frame,
        })
    }

    async fn tcp(&self, source: IpAddr, addr: SocketAddr) -> std::io::Result<TcpStream> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if !source.is_unspecified() {
            socket.bind(SocketAddr::new(source, 0))?;
        }
        let tcp = socket.connect(addr).await?;
        tcp.set_nodelay(true)?;
        Ok(tcp)
    }

    async fn tls(
        &self,
        source: IpAddr,
        addr: SocketAddr,
        n: usize,
    ) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let tcp = self.tcp(source, addr).await?;
        let config = match &self.per_device {
            Some(configs) => configs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(n)
                .or_insert_with(|| {
                    let mut own = (*self.tls).clone();
                    own.resumption = rustls::client::Resumption::in_memory_sessions(2);
                    Arc::new(own)
                })
                .clone(),
            None => self.tls.clone(),
        };
        TlsConnector::from(config)
            .connect(self.server_name.clone(), tcp)
            .await
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // One map operation per critical section: a poisoned map is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> ByteStream for T {}

type QuicStream = tokio::io::Join<quinn::RecvStream, quinn::SendStream>;

enum Inner {
    Stream(Box<dyn ByteStream>),
    Ws(Box<WebSocketStream<tokio_rustls::client::TlsStream<TcpStream>>>),
    /// The connection handle keeps the QUIC connection open.
    Quic(Box<QuicStream>, quinn::Connection),
}

/// One open connection to the gateway.
pub struct Link {
    inner: Inner,
    rbuf: BytesMut,
    max: usize,
}

impl Link {
    pub async fn send(&mut self, frame: &d::DeviceFrame) -> Result<(), LinkError> {
        match &mut self.inner {
            Inner::Ws(ws) => ws
                .send(Message::Binary(frame.encode_to_vec().into()))
                .await
                .map_err(|e| LinkError::WebSocket(e.to_string())),
            _ => {
                let mut out = BytesMut::new();
                frame::encode(frame, &mut out, self.max)?;
                self.send_raw(&out).await
            }
        }
    }

    /// Bytes as they are, for tests of malformed input (one WebSocket message on WebSocket).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        match &mut self.inner {
            Inner::Stream(s) => {
                s.write_all(bytes).await?;
                Ok(s.flush().await?)
            }
            Inner::Quic(s, _) => {
                s.write_all(bytes).await?;
                Ok(s.flush().await?)
            }
            Inner::Ws(ws) => ws
                .send(Message::Binary(bytes.to_vec().into()))
                .await
                .map_err(|e| LinkError::WebSocket(e.to_string())),
        }
    }

    /// The next frame from the gateway; `None` when it closed the connection. Cancel-safe.
    pub async fn recv(&mut self) -> Result<Option<d::ServerFrame>, LinkError> {
        let stream: &mut dyn ByteStream = match &mut self.inner {
            Inner::Stream(s) => s.as_mut(),
            Inner::Quic(s, _) => s.as_mut(),
            Inner::Ws(ws) => loop {
                match ws.next().await {
                    None | Some(Ok(Message::Close(_))) => return Ok(None),
                    Some(Ok(Message::Binary(b))) => {
                        return Ok(Some(frame::decode_message(&b, self.max)?));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(LinkError::WebSocket(e.to_string())),
                }
            },
        };
        loop {
            if let Some(f) = frame::decode::<d::ServerFrame>(&mut self.rbuf, self.max)? {
                if self.rbuf.is_empty() && self.rbuf.capacity() > 4096 {
                    self.rbuf = BytesMut::new();
                }
                return Ok(Some(f));
            }
            let mut pinned = Pin::new(&mut *stream);
            match pinned.read_buf(&mut self.rbuf).await {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                // A reset after the gateway's last frame is the same as a close.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        match &mut self.inner {
            Inner::Stream(s) => {
                let _ = s.shutdown().await;
            }
            Inner::Quic(s, conn) => {
                // Closing the connection at once would drop what is still unsent (the
                // answer to a reboot): finish our side, wait for the gateway to finish its
                // side, then close.
                let _ = s.shutdown().await;
                let mut sink = [0u8; 1024];
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    while let Ok(1..) = s.read(&mut sink).await {}
                })
                .await;
                conn.close(0u32.into(), b"bye");
            }
            Inner::Ws(ws) => {
                let _ = ws.close().await;
            }
        }
    }
}
