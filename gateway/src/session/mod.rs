//! One device connection's state, without IO (the quinn-proto habit): the listener feeds it
//! decoded frames (`handle_frame`), framing errors (`handle_frame_error`) and the time
//! (`handle_timeout`), and drains what to send and report (`poll_output`), arming a timer
//! at `poll_timeout`.

mod store_auth;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use porter_proto::device::v1::{self as d, device_frame::Body, server_frame};
use porter_proto::frame::FrameError;

/// Protocol versions this gateway speaks.
pub const SUPPORTED_VERSIONS: [u32; 1] = [1];

/// Session timing; each limit's default is the one documented in docs/DEVICE_PROTOCOL.md.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Time from connection to `Hello` (default 10 s): a slow or silent peer is dropped.
    pub hello_timeout: Duration,
    /// Heartbeat interval announced to the device (default 30 s).
    pub heartbeat_interval: Duration,
    /// Missed intervals before the session is dropped (default 3).
    pub missed_heartbeats: u32,
    /// Commands awaiting a result at once (default 32); more are refused.
    pub max_pending_commands: usize,
    /// Remote-control streams open at once (default 16); more are refused.
    pub max_tunnels: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            hello_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(30),
            missed_heartbeats: 3,
            max_pending_commands: 32,
            max_tunnels: 16,
        }
    }
}

/// Who a device proved to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    pub device_id: u64,
    pub community_id: u64,
    pub mac: String,
    /// The manual's type code (0, 1, 2, 3, 50).
    pub device_type: u32,
    /// What was proved, checked against later writes (`porter_store::revocation`).
    pub binding: porter_store::DeviceBinding,
}

/// Checks a device's MAC and credential. Unknown MAC, unbound MAC and wrong credential all
/// answer `None`: the device learns nothing about which.
pub trait DeviceAuthenticator {
    fn authenticate(&self, mac: &str, credential: &str) -> Option<DeviceIdentity>;
}

/// What the session wants done.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send this frame.
    Send(d::ServerFrame),
    /// Tell the rest of the gateway.
    Report(Report),
    /// Close the connection (after sending what came before).
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Online {
        identity: DeviceIdentity,
        model: String,
        firmware_version: String,
        protocol_version: u32,
        /// The access-credential list and version the device holds (0, 0: none).
        credentials_held: (u64, u64),
    },
    /// The device applied a credential update, or holds this list and version instead.
    CredentialsApplied {
        list: u64,
        version: u64,
    },
    Event(d::Event),
    CommandDone(d::CommandResult),
    TunnelData(d::TunnelData),
    TunnelClosed(u32),
    /// The session ended; `reason` is for logs and metrics.
    Offline {
        reason: &'static str,
    },
    /// A Hello was refused (for auth-failure rate limits).
    AuthFailed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    AwaitingHello {
        deadline: Instant,
    },
    Online {
        identity: DeviceIdentity,
        last_heard: Instant,
    },
    Closed,
}

/// Why a remote-control stream could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TunnelError {
    #[error("the device is not online")]
    NotOnline,
    #[error("the device already has {0} remote-control streams open")]
    TooMany(usize),
}

/// Why a command could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("the device is not online")]
    NotOnline,
    #[error("the device already has {0} commands in flight")]
    Busy(usize),
}

pub struct Session {
    config: SessionConfig,
    state: State,
    out: VecDeque<Output>,
    next_request_id: u64,
    pending: Vec<u64>,
    session_id: String,
    /// Open remote-control streams.
    tunnels: Vec<u32>,
    next_stream_id: u32,
}

fn server(body: server_frame::Body) -> d::ServerFrame {
    d::ServerFrame { body: Some(body) }
}

fn error(code: d::error::Code, message: &str) -> d::ServerFrame {
    server(server_frame::Body::Error(d::Error {
        code: code as i32,
        message: message.to_owned(),
        retry_after_ms: 0,
    }))
}

impl Session {
    pub fn new(config: SessionConfig, session_id: String, now: Instant) -> Self {
        Session {
            state: State::AwaitingHello {
                deadline: now + config.hello_timeout,
            },
            config,
            out: VecDeque::new(),
            next_request_id: 1,
            pending: Vec::new(),
            session_id,
            tunnels: Vec::new(),
            next_stream_id: 1,
        }
    }

    pub fn identity(&self) -> Option<&DeviceIdentity> {
        match &self.state {
            State::Online { identity, .. } => Some(identity),
            _ => None,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    fn close(&mut self, frame: Option<d::ServerFrame>, reason: &'static str) {
        if self.state == State::Closed {
            return;
        }
        let was_online = matches!(self.state, State::Online { .. });
        if let Some(f) = frame {
            self.out.push_back(Output::Send(f));
        }
        self.out.push_back(Output::Close);
        if was_online {
            self.out
                .push_back(Output::Report(Report::Offline { reason }));
        }
        self.state = State::Closed;
    }

    /// A frame the device sent.
    pub fn handle_frame(
        &mut self,
        frame: d::DeviceFrame,
        now: Instant,
        auth: &impl DeviceAuthenticator,
    ) {
        let Some(body) = frame.body else {
            self.close(
                Some(error(d::error::Code::Protocol, "empty frame")),
                "protocol error",
            );
            return;
        };
        match (&mut self.state, body) {
            (State::Closed, _) => {}
            (State::AwaitingHello { .. }, Body::Hello(hello)) => self.hello(hello, now, auth),
            (State::AwaitingHello { .. }, _) => {
                self.close(
                    Some(error(
                        d::error::Code::Protocol,
                        "the first frame must be Hello",
                    )),
                    "protocol error",
                );
            }
            (State::Online { .. }, Body::Hello(_)) => {
                self.close(
                    Some(error(
                        d::error::Code::Protocol,
                        "Hello was already received",
                    )),
                    "protocol error",
                );
            }
            (State::Online { last_heard, .. }, body) => {
                *last_heard = now;
                match body {
                    Body::Heartbeat(hb) => {
                        self.out
                            .push_back(Output::Send(server(server_frame::Body::HeartbeatAck(
                                d::HeartbeatAck {
                                    seq: hb.seq,
                                    server_time_ms: unix_ms(),
                                },
                            ))))
                    }
                    Body::Event(e) => self.out.push_back(Output::Report(Report::Event(e))),
                    Body::CommandResult(r) => {
                        // Results for commands never sent (or already answered) are dropped.
                        if let Some(i) = self.pending.iter().position(|id| *id == r.request_id) {
                            self.pending.swap_remove(i);
                            self.out.push_back(Output::Report(Report::CommandDone(r)));
                        }
                    }
                    // Data for streams the gateway did not open (or already closed) is
                    // dropped.
                    Body::TunnelData(t) => {
                        if self.tunnels.contains(&t.stream_id) {
                            self.out.push_back(Output::Report(Report::TunnelData(t)))
                        }
                    }
                    Body::TunnelClose(t) => {
                        if let Some(i) = self.tunnels.iter().position(|s| *s == t.stream_id) {
                            self.tunnels.swap_remove(i);
                            self.out
                                .push_back(Output::Report(Report::TunnelClosed(t.stream_id)));
                        }
                    }
                    Body::CredentialsApplied(a) => {
                        self.out
                            .push_back(Output::Report(Report::CredentialsApplied {
                                list: a.list,
                                version: a.version,
                            }))
                    }
                    Body::Hello(_) => unreachable!("handled above"),
                }
            }
        }
    }

    fn hello(&mut self, hello: d::Hello, now: Instant, auth: &impl DeviceAuthenticator) {
        let Some(version) = hello
            .protocol_versions
            .iter()
            .copied()
            .filter(|v| SUPPORTED_VERSIONS.contains(v))
            .max()
        else {
            self.close(
                Some(error(
                    d::error::Code::UnsupportedVersion,
                    "no shared protocol version; this gateway speaks 1",
                )),
                "unsupported version",
            );
            return;
        };
        let Some(identity) = porter_store::rules::mac("mac", &hello.mac)
            .ok()
            .and_then(|mac| auth.authenticate(&mac, &hello.credential))
        else {
            self.out.push_back(Output::Report(Report::AuthFailed));
            self.close(
                Some(error(
                    d::error::Code::Unauthenticated,
                    "unknown device or wrong credential",
                )),
                "unauthenticated",
            );
            return;
        };
        self.out
            .push_back(Output::Send(server(server_frame::Body::HelloAck(
                d::HelloAck {
                    protocol_version: version,
                    session_id: self.session_id.clone(),
                    heartbeat_interval_secs: self.config.heartbeat_interval.as_secs() as u32,
                    server_time_ms: unix_ms(),
                },
            ))));
        self.out.push_back(Output::Report(Report::Online {
            identity: identity.clone(),
            model: hello.model,
            firmware_version: hello.firmware_version,
            protocol_version: version,
            credentials_held: (hello.credential_list, hello.credential_version),
        }));
        self.state = State::Online {
            identity,
            last_heard: now,
        };
    }

    /// A frame that could not be read: too large, empty or undecodable.
    pub fn handle_frame_error(&mut self, err: &FrameError) {
        self.close(
            Some(error(d::error::Code::Protocol, &err.to_string())),
            "protocol error",
        );
    }

    /// The peer closed the connection.
    pub fn handle_disconnect(&mut self) {
        if matches!(self.state, State::Online { .. }) {
            self.out.push_back(Output::Report(Report::Offline {
                reason: "disconnected",
            }));
        }
        self.state = State::Closed;
    }

    /// When `handle_timeout` should next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.state {
            State::AwaitingHello { deadline } => Some(*deadline),
            State::Online { last_heard, .. } => {
                Some(*last_heard + self.config.heartbeat_interval * self.config.missed_heartbeats)
            }
            State::Closed => None,
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        match self.poll_timeout() {
            Some(at) if now >= at => {}
            _ => return,
        }
        if matches!(self.state, State::AwaitingHello { .. }) {
            self.close(
                Some(error(d::error::Code::Protocol, "no Hello in time")),
                "hello timeout",
            );
        } else {
            self.close(
                Some(error(d::error::Code::IdleTimeout, "no heartbeat in time")),
                "idle timeout",
            );
        }
    }

    /// Queues a command; its result arrives as `Report::CommandDone` with the returned id.
    pub fn send_command(
        &mut self,
        action: d::command::Action,
        deadline_ms: i64,
    ) -> Result<u64, CommandError> {
        if !matches!(self.state, State::Online { .. }) {
            return Err(CommandError::NotOnline);
        }
        if self.pending.len() >= self.config.max_pending_commands {
            return Err(CommandError::Busy(self.pending.len()));
        }
        let request_id = self.next_request_id;
        self.next_request_id += 1;
        self.pending.push(request_id);
        self.out
            .push_back(Output::Send(server(server_frame::Body::Command(
                d::Command {
                    request_id,
                    deadline_ms,
                    action: Some(action),
                },
            ))));
        Ok(request_id)
    }

    /// Forgets a command whose deadline passed without a result.
    pub fn expire_command(&mut self, request_id: u64) {
        self.pending.retain(|id| *id != request_id);
    }

    /// Opens a remote-control stream to the device's local `port`; data for it arrives as
    /// `Report::TunnelData` and its end as `Report::TunnelClosed`.
    pub fn open_tunnel(&mut self, port: u32) -> Result<u32, TunnelError> {
        if !matches!(self.state, State::Online { .. }) {
            return Err(TunnelError::NotOnline);
        }
        if self.tunnels.len() >= self.config.max_tunnels {
            return Err(TunnelError::TooMany(self.tunnels.len()));
        }
        let stream_id = self.next_stream_id;
        self.next_stream_id = self.next_stream_id.wrapping_add(1).max(1);
        self.tunnels.push(stream_id);
        self.out
            .push_back(Output::Send(server(server_frame::Body::TunnelOpen(
                d::TunnelOpen { stream_id, port },
            ))));
        Ok(stream_id)
    }

    /// Access credentials for the device (the caller keeps each frame under the limit);
    /// false when the session is not online.
    pub fn send_credentials(&mut self, update: d::CredentialUpdate) -> bool {
        if !matches!(self.state, State::Online { .. }) {
            return false;
        }
        self.out
            .push_back(Output::Send(server(server_frame::Body::CredentialUpdate(
                update,
            ))));
        true
    }

    /// Bytes for an open stream (the caller keeps each piece well under the frame limit);
    /// false when the stream is not open.
    pub fn tunnel_data(&mut self, stream_id: u32, data: Vec<u8>) -> bool {
        if !self.tunnels.contains(&stream_id) || !matches!(self.state, State::Online { .. }) {
            return false;
        }
        self.out
            .push_back(Output::Send(server(server_frame::Body::TunnelData(
                d::TunnelData { stream_id, data },
            ))));
        true
    }

    /// Closes a stream from the gateway's side.
    pub fn close_tunnel(&mut self, stream_id: u32) {
        if let Some(i) = self.tunnels.iter().position(|s| *s == stream_id) {
            self.tunnels.swap_remove(i);
            if matches!(self.state, State::Online { .. }) {
                self.out
                    .push_back(Output::Send(server(server_frame::Body::TunnelClose(
                        d::TunnelClose { stream_id },
                    ))));
            }
        }
    }

    /// The peer's address failed too often: refuse before reading its Hello.
    pub fn rate_limited(&mut self, retry_after: Duration) {
        self.close(
            Some(server(server_frame::Body::Error(d::Error {
                code: d::error::Code::RateLimited as i32,
                message: "too many failed authentications from this address".to_owned(),
                retry_after_ms: retry_after.as_millis() as u64,
            }))),
            "rate limited",
        );
    }

    /// Another connection of the same device took over.
    pub fn replace(&mut self) {
        self.close(
            Some(error(
                d::error::Code::Replaced,
                "a newer connection of this device took over",
            )),
            "replaced",
        );
    }

    /// What the session authenticated as was deleted, moved or re-keyed: it ends now,
    /// telling the device why.
    pub fn revoke(&mut self, reason: porter_store::RevokeReason) {
        self.close(
            Some(error(d::error::Code::Revoked, reason.message())),
            "revoked",
        );
    }

    /// The gateway is going away: ask the device to come back later.
    pub fn go_away(&mut self, reconnect_after: Duration, reason: &str) {
        self.close(
            Some(server(server_frame::Body::GoAway(d::GoAway {
                reconnect_after_ms: reconnect_after.as_millis() as u64,
                reason: reason.to_owned(),
            }))),
            "server shutdown",
        );
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        let out = self.out.pop_front();
        // An idle session keeps no queue: thousands of them are waiting at any time.
        if self.out.is_empty() && self.out.capacity() > 0 {
            self.out = VecDeque::new();
        }
        out
    }
}

/// Milliseconds since the Unix epoch, as the protocol carries times.
pub(crate) fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
