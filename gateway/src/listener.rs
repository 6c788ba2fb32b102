//! The device listener over TLS/TCP: accept under a connection limit, handshake under a
//! timeout, then a thin loop that moves bytes and time into `Session` and its outputs out.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use porter_proto::device::v1 as d;
use porter_proto::frame;
use porter_store::Store;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_rustls::TlsAcceptor;

use porter_store::presence::{CommandError, CommandOutcome};
use tokio::sync::oneshot;

use tokio_tungstenite::accept_hdr_async_with_config;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::limits::{AuthFailureLimits, AuthFailures};
use crate::presence::{Control, OnlineDevice, Presence};
use crate::session::{Output, Report, Session, SessionConfig};
use crate::transport::{ByteStreamIo, FrameIo, WebSocketIo};

/// Limits of the device listener.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Connections at once (default 200,000); past it, new ones wait in the kernel backlog.
    pub max_connections: usize,
    /// Time for the TLS handshake (default 10 s).
    pub handshake_timeout: Duration,
    /// Largest frame body (default 64 KiB).
    pub max_frame: usize,
    /// Reconnect delay asked of devices at shutdown (default 5 s).
    pub reconnect_after: Duration,
    pub session: SessionConfig,
    pub auth_failures: AuthFailureLimits,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            max_connections: 200_000,
            handshake_timeout: Duration::from_secs(10),
            max_frame: frame::DEFAULT_MAX_FRAME,
            reconnect_after: Duration::from_secs(5),
            session: SessionConfig::default(),
            auth_failures: AuthFailureLimits::default(),
        }
    }
}

/// Shared by every connection.
pub struct Gateway {
    pub store: Store,
    pub presence: Arc<Presence>,
    pub auth_failures: AuthFailures,
    pub config: GatewayConfig,
    next_connection: AtomicU64,
}

impl Gateway {
    pub fn new(store: Store, config: GatewayConfig) -> Arc<Self> {
        Arc::new(Gateway {
            store,
            presence: Arc::new(Presence::default()),
            auth_failures: AuthFailures::new(config.auth_failures.clone()),
            config,
            next_connection: AtomicU64::new(1),
        })
    }
}

/// Accepts TLS connections until `stop` turns true; then tells live sessions to reconnect
/// later and returns once they are closed (bounded by the handshake timeout).
/// What runs on top of TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Length-prefixed frames on the TLS stream.
    LengthPrefixed,
    /// A WebSocket (RFC 6455) upgrade on `WEBSOCKET_PATH`, then one message per frame.
    WebSocket,
}

/// The WebSocket path devices connect to.
pub const WEBSOCKET_PATH: &str = "/device/v1";

pub async fn serve_tls(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    acceptor: TlsAcceptor,
    framing: Framing,
    mut stop: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(gateway.config.max_connections));
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = stopped(&mut stop) => break,
        };
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let _ = tcp.set_nodelay(true);
        let gateway = gateway.clone();
        let acceptor = acceptor.clone();
        let stop = stop.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let limit = gateway.config.handshake_timeout;
            let max = gateway.config.max_frame;
            let tls = match tokio::time::timeout(limit, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => return tracing::debug!(%remote, error = %e, "TLS handshake failed"),
                Err(_) => return tracing::debug!(%remote, "TLS handshake timed out"),
            };
            match framing {
                Framing::LengthPrefixed => {
                    connection(gateway, ByteStreamIo::new(tls, max), remote, stop).await;
                }
                Framing::WebSocket => {
                    let config = WebSocketConfig::default()
                        .max_message_size(Some(max))
                        .max_frame_size(Some(max));
                    // The error type is tungstenite's handshake callback signature.
                    #[allow(clippy::result_large_err)]
                    let check_path = |req: &Request, resp: Response| {
                        if req.uri().path() == WEBSOCKET_PATH {
                            Ok(resp)
                        } else {
                            let mut not_found = ErrorResponse::new(Some(format!(
                                "devices connect to {WEBSOCKET_PATH}"
                            )));
                            *not_found.status_mut() = StatusCode::NOT_FOUND;
                            Err(not_found)
                        }
                    };
                    match tokio::time::timeout(
                        limit,
                        accept_hdr_async_with_config(tls, check_path, Some(config)),
                    )
                    .await
                    {
                        Ok(Ok(ws)) => {
                            connection(gateway, WebSocketIo::new(ws, max), remote, stop).await
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(%remote, error = %e, "WebSocket handshake failed")
                        }
                        Err(_) => tracing::debug!(%remote, "WebSocket handshake timed out"),
                    }
                }
            }
        });
        // Reap finished connections so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    let grace = gateway.config.handshake_timeout;
    let _ = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
}

/// One device connection, over any transport.
pub async fn connection<T: FrameIo>(
    gateway: Arc<Gateway>,
    mut io: T,
    remote: SocketAddr,
    mut stop: watch::Receiver<bool>,
) {
    let connection_id = gateway.next_connection.fetch_add(1, Ordering::Relaxed);
    let mut session = Session::new(
        gateway.config.session.clone(),
        format!("{connection_id:x}"),
        Instant::now(),
    );
    let (control_tx, mut control_rx) = mpsc::channel::<Control>(crate::presence::CONTROL_QUEUE);
    let mut pending = Pending::default();
    let mut mac: Option<String> = None;
    if let Some(wait) = gateway
        .auth_failures
        .blocked_for(remote.ip(), Instant::now())
    {
        session.rate_limited(wait);
    }
    loop {
        // Drain what the session wants done.
        let mut close = false;
        let mut outgoing = Vec::new();
        while let Some(out) = session.poll_output() {
            match out {
                Output::Send(f) => outgoing.push(f),
                Output::Close => close = true,
                Output::Report(Report::CommandDone(r)) => pending.answer(r),
                Output::Report(Report::Event(e)) => {
                    if let (Some(id), Some(event)) =
                        (session.identity().map(|i| i.device_id), event_kind(e))
                        && let Err(err) = gateway.store.record_device_events(id, vec![event])
                    {
                        tracing::warn!(error = %err, "recording a device event failed");
                    }
                }
                Output::Report(r) => {
                    report(&gateway, r, &mut mac, connection_id, remote, &control_tx)
                }
            }
        }
        if !outgoing.is_empty() && io.send(outgoing).await.is_err() {
            pending.disconnected();
            session.handle_disconnect();
            continue_or_finish(
                &gateway,
                &mut session,
                &mut mac,
                connection_id,
                remote,
                &control_tx,
            );
            return;
        }
        if close || session.is_closed() {
            pending.disconnected();
            io.close().await;
            continue_or_finish(
                &gateway,
                &mut session,
                &mut mac,
                connection_id,
                remote,
                &control_tx,
            );
            return;
        }
        let deadline = session.poll_timeout().map(tokio::time::Instant::from_std);
        let command_deadline = pending.next_deadline();
        tokio::select! {
            received = io.recv() => match received {
                None => session.handle_disconnect(),
                Some(Ok(f)) => session.handle_frame(f, Instant::now(), &gateway.store),
                Some(Err(e)) => session.handle_frame_error(&e),
            },
            () = sleep_until(deadline) => session.handle_timeout(Instant::now()),
            () = sleep_until(command_deadline) => {
                for id in pending.expire(tokio::time::Instant::now()) {
                    session.expire_command(id);
                }
            }
            Some(c) = control_rx.recv() => match c {
                Control::Replace => session.replace(),
                Control::Command { action, timeout, reply } => {
                    let deadline_ms = gateway.store.now_ms().saturating_add(timeout.as_millis() as i64);
                    match session.send_command(action, deadline_ms) {
                        Ok(id) => pending.add(id, tokio::time::Instant::now() + timeout, timeout, reply),
                        Err(crate::session::CommandError::Busy(_)) => {
                            let _ = reply.send(Err(CommandError::Busy));
                        }
                        Err(crate::session::CommandError::NotOnline) => {
                            let _ = reply.send(Err(CommandError::Offline));
                        }
                    }
                }
            },
            () = stopped(&mut stop) => session.go_away(gateway.config.reconnect_after, "server shutting down"),
        }
    }
}

/// Resolves once `stop` is true (and returns nothing, so no watch guard outlives it).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn report(
    gateway: &Gateway,
    r: Report,
    mac: &mut Option<String>,
    connection_id: u64,
    remote: SocketAddr,
    control: &mpsc::Sender<Control>,
) {
    match r {
        Report::Online {
            identity,
            model,
            firmware_version,
            ..
        } => {
            tracing::info!(mac = %identity.mac, device = identity.device_id, %remote, "device online");
            gateway.presence.online(
                &identity.mac,
                OnlineDevice {
                    connection_id,
                    device_id: identity.device_id,
                    model,
                    firmware_version,
                    remote,
                    since_ms: gateway.store.now_ms(),
                    control: control.clone(),
                },
            );
            *mac = Some(identity.mac);
        }
        Report::Offline { reason } => {
            if let Some(m) = mac.take() {
                tracing::info!(mac = %m, reason, "device offline");
                gateway.presence.offline(&m, connection_id);
            }
        }
        Report::AuthFailed => {
            tracing::info!(%remote, "device authentication failed");
            gateway.auth_failures.failed(remote.ip(), Instant::now());
        }
        // Events, command results and tunnels are routed by the next slices of issue 4.
        Report::Event(_)
        | Report::CommandDone(_)
        | Report::TunnelData(_)
        | Report::TunnelClosed(_) => {}
    }
}

/// Reports left after the last write (the Offline of a closing session).
fn continue_or_finish(
    gateway: &Gateway,
    session: &mut Session,
    mac: &mut Option<String>,
    connection_id: u64,
    remote: SocketAddr,
    control: &mpsc::Sender<Control>,
) {
    while let Some(out) = session.poll_output() {
        if let Output::Report(r) = out {
            report(gateway, r, mac, connection_id, remote, control);
        }
    }
    if let Some(m) = mac.take() {
        gateway.presence.offline(&m, connection_id);
    }
}

/// A device event as the store keeps it; events without a kind are dropped.
fn event_kind(e: d::Event) -> Option<(i64, porter_store::events::EventKind)> {
    use d::event::Kind;
    use porter_store::events::EventKind;
    let kind = match e.kind? {
        Kind::DoorLog(l) => EventKind::DoorLog {
            relay: l.relay,
            method: d::UnlockMethod::try_from(l.method)
                .unwrap_or(d::UnlockMethod::Unspecified)
                .as_str_name()
                .to_owned(),
            success: l.success,
            who: l.who,
        },
        Kind::CallLog(c) => EventKind::CallLog {
            caller: c.caller,
            callee: c.callee,
            answered: c.answered,
            duration_secs: c.duration_secs,
        },
        Kind::Alarm(a) => EventKind::Alarm {
            kind: a.kind,
            zone: a.zone,
            message: a.message,
        },
        Kind::ArmingState(a) => EventKind::ArmingState { mode: a.mode },
        Kind::RelayStatus(r) => EventKind::RelayStatus {
            relay: r.relay,
            open: r.open,
        },
    };
    Some((e.at_ms, kind))
}

type Reply = oneshot::Sender<Result<CommandOutcome, CommandError>>;

/// Commands sent on this connection that await their result.
#[derive(Default)]
struct Pending {
    waiting: Vec<(u64, tokio::time::Instant, Duration, Reply)>,
}

impl Pending {
    fn add(&mut self, id: u64, deadline: tokio::time::Instant, timeout: Duration, reply: Reply) {
        self.waiting.push((id, deadline, timeout, reply));
    }

    fn answer(&mut self, r: d::CommandResult) {
        if let Some(i) = self.waiting.iter().position(|w| w.0 == r.request_id) {
            let (_, _, _, reply) = self.waiting.swap_remove(i);
            let _ = reply.send(Ok(CommandOutcome {
                ok: r.ok,
                message: r.message,
            }));
        }
    }

    fn next_deadline(&self) -> Option<tokio::time::Instant> {
        self.waiting.iter().map(|w| w.1).min()
    }

    /// Answers the commands whose time is up; returns their ids.
    fn expire(&mut self, now: tokio::time::Instant) -> Vec<u64> {
        let mut expired = Vec::new();
        let mut i = 0;
        while i < self.waiting.len() {
            if self.waiting[i].1 <= now {
                let (id, _, timeout, reply) = self.waiting.swap_remove(i);
                let _ = reply.send(Err(CommandError::Timeout(timeout.as_millis() as u64)));
                expired.push(id);
            } else {
                i += 1;
            }
        }
        expired
    }

    fn disconnected(&mut self) {
        for (_, _, _, reply) in self.waiting.drain(..) {
            let _ = reply.send(Err(CommandError::Disconnected));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pending_commands_time_out_answer_and_disconnect() {
        let mut p = Pending::default();
        let now = tokio::time::Instant::now();
        let (a_tx, a_rx) = oneshot::channel();
        let (b_tx, b_rx) = oneshot::channel();
        let (c_tx, c_rx) = oneshot::channel();
        p.add(
            1,
            now + Duration::from_millis(10),
            Duration::from_millis(10),
            a_tx,
        );
        p.add(
            2,
            now + Duration::from_secs(10),
            Duration::from_secs(10),
            b_tx,
        );
        p.add(
            3,
            now + Duration::from_secs(10),
            Duration::from_secs(10),
            c_tx,
        );
        assert_eq!(p.next_deadline(), Some(now + Duration::from_millis(10)));
        assert_eq!(p.expire(now + Duration::from_millis(10)), vec![1]);
        assert_eq!(a_rx.await.unwrap(), Err(CommandError::Timeout(10)));
        p.answer(d::CommandResult {
            request_id: 2,
            ok: false,
            message: "jammed".into(),
        });
        assert_eq!(
            b_rx.await.unwrap(),
            Ok(CommandOutcome {
                ok: false,
                message: "jammed".into()
            })
        );
        p.disconnected();
        assert_eq!(c_rx.await.unwrap(), Err(CommandError::Disconnected));
        assert_eq!(p.next_deadline(), None);
    }
}
