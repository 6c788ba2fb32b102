//! SIP over secure WebSocket (RFC 7118), for browser and app clients: the upgrade must offer
//! the `sip` subprotocol, and every WebSocket message carries exactly one SIP message (text
//! or binary). The connection is registered like a TCP one, so calls reach the client down
//! the socket it registered over.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use porter_edge::CancellationToken;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message as WsMessage, Utf8Bytes};

use super::SipServer;
use super::streams::CONNECTION_QUEUE;
use crate::registrar::{Source, Transport};

/// How long a client has for its TLS handshake and WebSocket upgrade together.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// SIP over WebSocket with TLS (`wss://`) on `listener` until `stop`.
pub(super) async fn serve_wss(
    server: Arc<SipServer>,
    listener: TcpListener,
    acceptor: TlsAcceptor,
    stop: CancellationToken,
) {
    super::tcp::accept_loop(
        server,
        listener,
        stop,
        move |server, tcp, addr, pending, stop| {
            let conn = super::tcp::Conn {
                peer: addr,
                pending: Some(pending),
            };
            connection(server, tcp, conn, acceptor.clone(), stop)
        },
    )
    .await;
}

/// The upgrade check: RFC 7118 §4 requires the `sip` subprotocol, and the answer names it.
// The error type is tungstenite's handshake callback signature.
#[allow(clippy::result_large_err)]
fn require_sip(req: &Request, mut resp: Response) -> Result<Response, ErrorResponse> {
    let offers_sip = req
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("sip"));
    if !offers_sip {
        let mut refused = ErrorResponse::new(Some(
            "SIP over WebSocket needs the \"sip\" subprotocol (RFC 7118)".into(),
        ));
        *refused.status_mut() = StatusCode::BAD_REQUEST;
        return Err(refused);
    }
    resp.headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static("sip"));
    Ok(resp)
}

async fn connection(
    server: Arc<SipServer>,
    tcp: TcpStream,
    mut conn: super::tcp::Conn,
    acceptor: TlsAcceptor,
    stop: CancellationToken,
) {
    let peer = conn.peer;
    let opened = tokio::time::Instant::now();
    let max = server.config.max_message;
    let config = WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        .read_buffer_size(4096);
    let upgrade = async {
        let tls = acceptor.accept(tcp).await.ok()?;
        tokio_tungstenite::accept_hdr_async_with_config(tls, require_sip, Some(config))
            .await
            .ok()
    };
    let Ok(Some(mut ws)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, upgrade).await else {
        tracing::debug!(%peer, "SIP WebSocket handshake failed");
        return;
    };
    let source = Source {
        transport: Transport::Wss,
        addr: peer,
    };
    let (tx, mut queue) = mpsc::channel::<Bytes>(CONNECTION_QUEUE);
    server.streams.add(Transport::Wss, peer, tx);
    let mut last_read = tokio::time::Instant::now();
    // Browsers cannot send RFC 5626 pings; WebSocket pings keep a quiet flow open instead
    // (their pongs count as traffic).
    let ping_every = Duration::from_secs(u64::from(server.config.flow_timer_secs.max(1)));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    loop {
        let silent_until = conn.deadline(opened, last_read, &server.config);
        tokio::select! {
            m = ws.next() => {
                last_read = tokio::time::Instant::now();
                let bytes = match m {
                    Some(Ok(WsMessage::Text(t))) => Bytes::from(t),
                    Some(Ok(WsMessage::Binary(b))) => b,
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => continue,
                    Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                };
                // A keep-alive CRLF, like on the other transports.
                if bytes.iter().all(|c| c.is_ascii_whitespace()) {
                    continue;
                }
                let (out, valid) = server.handle_bytes_proving(&bytes, source, conn.pending.is_some());
                if valid {
                    conn.proved();
                }
                server.dispatch(out);
            }
            _ = ping.tick(), if conn.pending.is_none() => {
                if ws.send(WsMessage::Ping(Bytes::new())).await.is_err() {
                    break;
                }
            }
            Some(bytes) = queue.recv() => {
                // SIP is text; a body that is not UTF-8 goes as a binary message.
                let message = match Utf8Bytes::try_from(bytes.clone()) {
                    Ok(text) => WsMessage::Text(text),
                    Err(_) => WsMessage::Binary(bytes),
                };
                if ws.send(message).await.is_err() {
                    break;
                }
            }
            () = stop.cancelled() => break,
            _ = tokio::time::sleep_until(silent_until) => break,
        }
    }
    server.streams.remove(Transport::Wss, peer);
}
