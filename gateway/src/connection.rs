//! One device connection, over any transport: a thin loop that moves frames and time into
//! `Session`, and its outputs out to the socket, presence, the store and the metrics.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use porter_edge::CancellationToken;
use porter_proto::device::v1 as d;
use porter_store::presence::{CommandError, CommandOutcome};
use tokio::sync::{mpsc, oneshot};

use crate::gateway::{Admission, Gateway};
use crate::metrics::Transport;
use crate::presence::{CommandRequest, Control, OnlineDevice, TunnelRequest};
use crate::session::{Output, Report, Session};
use crate::transport::FrameIo;

/// One device connection, over any transport.
pub async fn connection<T: FrameIo>(
    gateway: Arc<Gateway>,
    mut io: T,
    mut admission: Admission,
    stop: CancellationToken,
) {
    let remote = admission.remote;
    let connection_id = gateway.next_connection_id();
    let mut here = Here {
        connection_id,
        remote,
        transport: admission.transport,
        mac: None,
        device_type: 0,
        pending: admission.pending.take(),
    };
    let mut session = Session::new(
        gateway.config.session.clone(),
        format!("{connection_id:x}"),
        Instant::now(),
    );
    let (control_tx, mut control_rx) = mpsc::channel::<Control>(crate::presence::CONTROL_QUEUE);
    let mut pending = Pending::default();
    // Remote-control streams: where the device's bytes for each go.
    let mut tunnels: HashMap<u32, mpsc::Sender<Bytes>> = HashMap::new();
    // The access-credential list (list, version) the device holds, as far as it said or
    // was sent; nothing else of its list is kept here.
    let mut credentials_held = (0, 0);
    let mut sync_credentials = false;
    let mut recheck = tokio::time::interval(crate::credentials::RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Refused door-log entries in a row, for the alarm.
    let mut refused_in_a_row = 0u32;
    if let Some(wait) = gateway
        .auth_failures
        .blocked_for(remote.ip(), Instant::now())
    {
        gateway.metrics.auth_blocked();
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
                Output::Report(Report::Event(d::Event {
                    kind: Some(d::event::Kind::UpgradeProgress(p)),
                    ..
                })) => {
                    gateway.metrics.event("upgrade_progress");
                    if let Some(id) = session.identity().map(|i| i.device_id) {
                        upgrade_progress(&gateway, id, p);
                    }
                }
                Output::Report(Report::CredentialsApplied { list, version }) => {
                    if (list, version) != credentials_held {
                        credentials_held = (list, version);
                        sync_credentials = true;
                    }
                }
                Output::Report(r @ Report::Online { .. }) => {
                    if let Report::Online {
                        credentials_held: held,
                        ..
                    } = &r
                    {
                        credentials_held = *held;
                        sync_credentials = true;
                    }
                    report(&gateway, r, &mut here, &control_tx);
                }
                Output::Report(Report::Event(e)) => {
                    if let Some(d::event::Kind::DoorLog(l)) = &e.kind
                        && let Some(id) = session.identity().map(|i| i.device_id)
                    {
                        door_log(&gateway, id, l, &mut refused_in_a_row);
                    }
                    let event = event_kind(e);
                    gateway
                        .metrics
                        .event(event.as_ref().map_or("unknown", |(_, k)| k.name()));
                    if let (Some(id), Some(event)) =
                        (session.identity().map(|i| i.device_id), event)
                        && let Err(err) = gateway.store.record_device_events(id, vec![event])
                    {
                        tracing::warn!(error = %err, "recording a device event failed");
                    }
                }
                Output::Report(Report::TunnelData(t)) => {
                    let delivered = tunnels
                        .get(&t.stream_id)
                        .is_some_and(|to| to.try_send(Bytes::from(t.data)).is_ok());
                    if !delivered {
                        // The proxy is gone or too far behind: end the stream.
                        tunnels.remove(&t.stream_id);
                        session.close_tunnel(t.stream_id);
                    }
                }
                Output::Report(Report::TunnelClosed(id)) => {
                    tunnels.remove(&id);
                }
                Output::Report(r) => report(&gateway, r, &mut here, &control_tx),
            }
        }
        if !outgoing.is_empty() && io.send(outgoing).await.is_err() {
            pending.disconnected();
            session.handle_disconnect();
            finish(&gateway, &mut session, &mut here, &control_tx);
            return;
        }
        if close || session.is_closed() {
            pending.disconnected();
            io.close().await;
            finish(&gateway, &mut session, &mut here, &control_tx);
            return;
        }
        if std::mem::take(&mut sync_credentials)
            && let Some(id) = session.identity().map(|i| i.device_id)
        {
            let (frames, held) = crate::credentials::updates(&gateway.store, id, credentials_held);
            credentials_held = held;
            if !frames.is_empty() {
                for f in frames {
                    session.send_credentials(f);
                }
                continue;
            }
        }
        let deadline = session.poll_timeout().map(tokio::time::Instant::from_std);
        let command_deadline = pending.next_deadline();
        tokio::select! {
            received = io.recv() => match received {
                None => session.handle_disconnect(),
                Some(Ok(f)) => session.handle_frame(f, Instant::now(), &gateway.store),
                Some(Err(e)) => {
                    gateway.metrics.frame_error();
                    session.handle_frame_error(&e)
                }
            },
            () = sleep_until(deadline) => session.handle_timeout(Instant::now()),
            _ = recheck.tick() => sync_credentials = true,
            () = sleep_until(command_deadline) => {
                for id in pending.expire(tokio::time::Instant::now()) {
                    session.expire_command(id);
                }
            }
            Some(c) = control_rx.recv() => match c {
                Control::Replace => session.replace(),
                Control::Revoke(reason) => session.revoke(reason),
                Control::Command(c) => {
                    let CommandRequest { action, timeout, reply } = *c;
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
                Control::TunnelOpen(t) => {
                    let TunnelRequest { port, to_proxy, reply } = *t;
                    let opened = session.open_tunnel(port);
                    if let Ok(id) = opened {
                        tunnels.insert(id, to_proxy);
                    }
                    let _ = reply.send(opened);
                }
                Control::TunnelData { stream_id, data } => {
                    if !session.tunnel_data(stream_id, data) {
                        tunnels.remove(&stream_id);
                    }
                }
                Control::TunnelClose { stream_id } => {
                    tunnels.remove(&stream_id);
                    session.close_tunnel(stream_id);
                }
                Control::SyncCredentials => sync_credentials = true,
            },
            () = stop.cancelled() => session.go_away(gateway.config.reconnect_after, "server shutting down"),
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Where this connection stands, for presence and metrics.
struct Here {
    connection_id: u64,
    remote: SocketAddr,
    transport: Transport,
    /// Set while the session is online.
    mac: Option<String>,
    device_type: u32,
    /// The place among its address's connections without a Hello, until the Hello.
    pending: Option<porter_edge::pending::PendingGuard>,
}

impl Here {
    fn went_offline(&mut self, gateway: &Gateway) {
        if let Some(m) = self.mac.take() {
            gateway.presence.offline(&m, self.connection_id);
            gateway
                .metrics
                .session_ended(self.transport, self.device_type);
        }
    }
}

fn report(gateway: &Gateway, r: Report, here: &mut Here, control: &mpsc::Sender<Control>) {
    match r {
        Report::Online {
            identity,
            model,
            firmware_version,
            ..
        } => {
            tracing::info!(mac = %identity.mac, device = identity.device_id, remote = %here.remote, transport = here.transport.label(), "device online");
            gateway.presence.online(
                &identity.mac,
                OnlineDevice {
                    connection_id: here.connection_id,
                    device_id: identity.device_id,
                    binding: identity.binding.clone(),
                    model,
                    firmware_version,
                    remote: here.remote,
                    since_ms: gateway.store.now_ms(),
                    control: control.clone(),
                },
            );
            here.device_type = identity.device_type;
            here.mac = Some(identity.mac);
            if let Some(p) = here.pending.take() {
                p.settle();
            }
            gateway
                .metrics
                .session_started(here.transport, here.device_type);
        }
        Report::Offline { reason } => {
            if let Some(m) = &here.mac {
                tracing::info!(mac = %m, reason, "device offline");
            }
            here.went_offline(gateway);
        }
        Report::AuthFailed => {
            tracing::info!(remote = %here.remote, "device authentication failed");
            gateway.metrics.auth_failed();
            gateway
                .auth_failures
                .failed(here.remote.ip(), Instant::now());
        }
        // Handled in the connection loop.
        Report::CredentialsApplied { .. }
        | Report::Event(_)
        | Report::CommandDone(_)
        | Report::TunnelData(_)
        | Report::TunnelClosed(_) => {}
    }
}

/// Reports left after the last write (the Offline of a closing session).
fn finish(
    gateway: &Gateway,
    session: &mut Session,
    here: &mut Here,
    control: &mpsc::Sender<Control>,
) {
    while let Some(out) = session.poll_output() {
        if let Output::Report(r) = out {
            report(gateway, r, here, control);
        }
    }
    here.went_offline(gateway);
}

/// Refused attempts in a row at one door phone that raise an alarm.
const REFUSALS_FOR_ALARM: u32 = 5;

/// What a door-log entry means beyond the log: a key's use is counted (and every door
/// learns the uses left); refused attempts in a row raise an alarm.
fn door_log(gateway: &Gateway, device_id: u64, l: &d::DoorLog, refused_in_a_row: &mut u32) {
    if l.success {
        *refused_in_a_row = 0;
        if l.credential_id != 0 {
            let (store, credential) = (gateway.store.clone(), l.credential_id);
            gateway.tasks.spawn(async move {
                if let Err(e) = store.count_credential_use(device_id, credential).await {
                    tracing::warn!(device_id, error = %e, "counting a key's use failed");
                }
            });
        }
        return;
    }
    *refused_in_a_row += 1;
    if refused_in_a_row.is_multiple_of(REFUSALS_FOR_ALARM) {
        let alarm = porter_store::events::EventKind::Alarm {
            kind: "access_refused".to_owned(),
            zone: format!("relay {}", l.relay),
            message: format!("{} refused attempts in a row", *refused_in_a_row),
        };
        gateway.metrics.event("alarm");
        if let Err(e) = gateway
            .store
            .record_device_events(device_id, vec![(0, alarm)])
        {
            tracing::warn!(device_id, error = %e, "recording an access alarm failed");
        }
    }
}

/// A device event as the store keeps it; events without a kind are dropped.
/// A failed upgrade is recorded on its strategy; progress is only logged.
fn upgrade_progress(gateway: &Gateway, device_id: u64, p: d::UpgradeProgress) {
    use d::upgrade_progress::State;
    tracing::debug!(device_id, version = %p.version, state = p.state, percent = p.percent, "upgrade progress");
    if p.state == State::Failed as i32 {
        let store = gateway.store.clone();
        gateway.tasks.spawn(async move {
            if let Err(e) = store
                .device_upgrade_failed(device_id, &p.version, &p.reason)
                .await
            {
                tracing::warn!(device_id, error = %e, "recording a failed upgrade");
            }
        });
    }
}

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
            credential_id: l.credential_id,
            offline: l.offline,
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
        Kind::UpgradeProgress(_) => return None,
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
