//! Which devices are online, on which connection. One session per MAC: a newer one
//! replaces the older, which is told so and closed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use std::time::Duration;

use porter_proto::device::v1 as d;
use porter_store::presence::{
    CommandError, CommandFuture, CommandOutcome, DeviceCommand, DeviceCommands, DevicePresence,
    PresenceInfo, SipTransport,
};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::GatewayMetrics;

/// What the rest of the gateway can ask of a connection. Kept small (large payloads boxed):
/// every connection's queue allocates room for 32 of these up front.
#[derive(Debug)]
pub enum Control {
    /// A newer connection of the same device took over.
    Replace,
    /// What the session authenticated as was deleted, moved or re-keyed.
    Revoke(porter_store::RevokeReason),
    /// Send a command and answer on its `reply` (result, timeout or disconnect).
    Command(Box<CommandRequest>),
    /// Open a remote-control stream.
    TunnelOpen(Box<TunnelRequest>),
    TunnelData {
        stream_id: u32,
        data: Vec<u8>,
    },
    TunnelClose {
        stream_id: u32,
    },
    /// Bring the device's access-credential list up to date.
    SyncCredentials,
}

#[derive(Debug)]
pub struct CommandRequest {
    pub action: d::command::Action,
    pub timeout: Duration,
    pub reply: oneshot::Sender<Result<CommandOutcome, CommandError>>,
}

/// Open a stream to the device's `port`; what the device sends on it goes to `to_proxy`
/// (dropped: the stream ended).
#[derive(Debug)]
pub struct TunnelRequest {
    pub port: u32,
    pub to_proxy: mpsc::Sender<bytes::Bytes>,
    pub reply: oneshot::Sender<Result<u32, crate::session::TunnelError>>,
}

/// Commands queued for one connection before it takes them (each costs ~200 bytes).
pub const CONTROL_QUEUE: usize = 64;

#[derive(Debug, Clone)]
pub struct OnlineDevice {
    pub connection_id: u64,
    pub device_id: u64,
    /// What the session proved; every command is checked against the store with it.
    pub binding: porter_store::DeviceBinding,
    pub model: String,
    pub firmware_version: String,
    pub remote: SocketAddr,
    pub since_ms: i64,
    pub control: mpsc::Sender<Control>,
}

pub struct Presence {
    store: porter_store::Store,
    online: Mutex<HashMap<String, OnlineDevice>>,
    /// MACs whose session changed since the cluster last asked (cluster mode only, see
    /// `LocalSessions::track_changes`); at most one entry per MAC.
    changed: Mutex<Option<std::collections::HashSet<String>>>,
    metrics: Arc<GatewayMetrics>,
}

impl Presence {
    pub fn new(store: porter_store::Store, metrics: Arc<GatewayMetrics>) -> Self {
        Presence {
            store,
            online: Mutex::new(HashMap::new()),
            changed: Mutex::new(None),
            metrics,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, OnlineDevice>> {
        self.online.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn changed(&self, mac: &str) {
        let mut changed = self.changed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(set) = changed.as_mut() {
            set.insert(mac.to_owned());
        }
    }

    /// Records `mac` as online on this connection (and as the device's Last Connection);
    /// the connection it replaces is told.
    pub fn online(&self, mac: &str, device: OnlineDevice) {
        let seen = porter_store::last_seen::LastSeen {
            at_ms: device.since_ms,
            remote_address: device.remote.to_string(),
            firmware_version: device.firmware_version.clone(),
            model: device.model.clone(),
        };
        if let Err(e) = self.store.device_seen(device.device_id, seen) {
            tracing::warn!(error = %e, "recording Last Connection failed");
        }
        let (device_id, binding) = (device.device_id, device.binding.clone());
        let old = self.map().insert(mac.to_owned(), device);
        self.changed(mac);
        if let Some(old) = old {
            // A full queue means the old connection is already going away.
            let _ = old.control.try_send(Control::Replace);
        }
        // A write that ended this binding between the authentication and the insert above
        // found nothing to revoke yet: look again now that presence holds the session.
        if let Some(reason) = self.store.binding_revoked(&binding) {
            self.revoke(device_id, mac, reason);
        }
    }

    /// Records `mac` as offline, unless a newer connection already holds it.
    pub fn offline(&self, mac: &str, connection_id: u64) {
        let removed = {
            let mut map = self.map();
            match map.get(mac) {
                Some(d) if d.connection_id == connection_id => map.remove(mac),
                _ => None,
            }
        };
        if let Some(device) = removed {
            self.changed(mac);
            self.store
                .device_offline(device.device_id, self.store.now_ms());
        }
    }

    pub fn get(&self, mac: &str) -> Option<OnlineDevice> {
        self.map().get(mac).cloned()
    }

    /// The connection of `mac`, if it is online and still authenticated as what the store
    /// now holds (checked here, so no command or tunnel reaches a session whose device was
    /// deleted, moved or re-keyed, even before the revocation feed got to it); a session
    /// found stale is ended.
    pub fn current(&self, mac: &str) -> Option<OnlineDevice> {
        let device = self.get(mac)?;
        match self.store.binding_revoked(&device.binding) {
            None => Some(device),
            Some(reason) => {
                self.revoke(device.device_id, mac, reason);
                None
            }
        }
    }

    /// `current(mac)`, when that session is device `device_id`'s (not another device's that
    /// was given the same MAC).
    pub fn current_for(&self, device_id: u64, mac: &str) -> Option<OnlineDevice> {
        self.current(mac).filter(|d| d.device_id == device_id)
    }

    /// Ends the session of `mac` if it authenticated as device `device_id`: it is told why
    /// and closed, and no longer counts as online.
    pub fn revoke(&self, device_id: u64, mac: &str, reason: porter_store::RevokeReason) -> bool {
        let removed = {
            let mut map = self.map();
            match map.get(mac) {
                Some(d) if d.device_id == device_id => map.remove(mac),
                _ => None,
            }
        };
        let Some(device) = removed else {
            return false;
        };
        self.changed(mac);
        tracing::info!(
            mac,
            device_id,
            reason = reason.label(),
            "device session revoked"
        );
        self.metrics.session_revoked();
        self.store.device_offline(device_id, self.store.now_ms());
        // A full queue: the connection is stuck; dropping it from presence already keeps
        // commands away, and its idle timeout ends it.
        let _ = device.control.try_send(Control::Revoke(reason));
        true
    }

    /// Checks every online session against the store (after a revocation feed lagged).
    pub fn sweep(&self) -> usize {
        let online: Vec<(String, porter_store::DeviceBinding)> = self
            .map()
            .iter()
            .map(|(mac, d)| (mac.clone(), d.binding.clone()))
            .collect();
        let stale: Vec<_> = self.store.read(|dir| {
            online
                .into_iter()
                .filter_map(|(mac, b)| {
                    b.revoked_by(dir.device(b.device_id))
                        .map(|r| (b.device_id, mac, r))
                })
                .collect()
        });
        stale
            .into_iter()
            .filter(|(id, mac, reason)| self.revoke(*id, mac, *reason))
            .count()
    }

    /// Queues `control()` for every online device of `communities` that checks
    /// credentials; a full queue skips it (the connection checks again on its own).
    pub fn tell_communities(
        &self,
        store: &porter_store::Store,
        communities: &std::collections::BTreeSet<u64>,
        control: impl Fn() -> Control,
    ) {
        let online: Vec<(u64, mpsc::Sender<Control>)> = self
            .map()
            .values()
            .map(|d| (d.device_id, d.control.clone()))
            .collect();
        let concerned: Vec<bool> = store.read(|dir| {
            online
                .iter()
                .map(|(id, _)| {
                    dir.device(*id).is_some_and(|d| {
                        communities.contains(&d.community_id)
                            && porter_store::access::checks_credentials(d.device_type)
                    })
                })
                .collect()
        });
        for ((_, to), yes) in online.iter().zip(concerned) {
            if yes {
                let _ = to.try_send(control());
            }
        }
    }

    pub fn count(&self) -> usize {
        self.map().len()
    }
}

fn info(d: &OnlineDevice) -> PresenceInfo {
    PresenceInfo {
        online: true,
        last_connected_ms: d.since_ms,
        remote_address: d.remote.to_string(),
        firmware_version: d.firmware_version.clone(),
        model: d.model.clone(),
    }
}

fn local_session(mac: &str, d: &OnlineDevice) -> porter_store::presence::LocalSession {
    porter_store::presence::LocalSession {
        mac: mac.to_owned(),
        device_id: d.device_id,
        info: info(d),
    }
}

impl porter_store::presence::LocalSessions for Presence {
    fn local_sessions(&self) -> Vec<porter_store::presence::LocalSession> {
        self.map()
            .iter()
            .map(|(mac, d)| local_session(mac, d))
            .collect()
    }

    fn track_changes(&self) {
        let mut changed = self.changed.lock().unwrap_or_else(|p| p.into_inner());
        changed.get_or_insert_with(Default::default);
    }

    fn changed_sessions(
        &self,
    ) -> Option<Vec<(String, Option<porter_store::presence::LocalSession>)>> {
        let macs = {
            let mut changed = self.changed.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(changed.as_mut()?)
        };
        let map = self.map();
        Some(
            macs.into_iter()
                .map(|mac| {
                    let now = map.get(&mac).map(|d| local_session(&mac, d));
                    (mac, now)
                })
                .collect(),
        )
    }
}

impl DevicePresence for Presence {
    fn presence(&self, device_id: u64, mac: &str) -> Option<PresenceInfo> {
        if let Some(d) = self.current_for(device_id, mac) {
            return Some(info(&d));
        }
        self.store.last_seen(device_id).map(|s| PresenceInfo {
            online: false,
            last_connected_ms: s.at_ms,
            remote_address: s.remote_address,
            firmware_version: s.firmware_version,
            model: s.model,
        })
    }

    fn online(&self, device_id: u64, mac: &str) -> Option<PresenceInfo> {
        self.current_for(device_id, mac).map(|d| info(&d))
    }
}

/// Writes the Last Connections that waited for their minute, every 10 s, and all that are
/// pending at shutdown (`porter_store::last_seen`).
pub async fn persist_last_seen(
    store: porter_store::Store,
    shutdown: porter_edge::CancellationToken,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.cancelled() => break,
        }
        if let Err(e) = store.flush_last_seen(false).await {
            tracing::warn!(error = %e, "writing Last Connections failed");
        }
    }
    if let Err(e) = store.flush_last_seen(true).await {
        tracing::warn!(error = %e, "writing Last Connections at shutdown failed");
    }
}

/// The command's label in the metrics.
fn kind(command: &DeviceCommand) -> &'static str {
    match command {
        DeviceCommand::Unlock { .. } => "unlock",
        DeviceCommand::Reboot => "reboot",
        DeviceCommand::SetSipTransport(_) => "set_sip_transport",
        DeviceCommand::FactoryReset => "factory_reset",
        DeviceCommand::ConfigChanged { .. } => "config_changed",
        DeviceCommand::OneTimeAutop { .. } => "autop_once",
        DeviceCommand::UpgradeFirmware { .. } => "upgrade_firmware",
    }
}

fn outcome(result: &Result<CommandOutcome, CommandError>) -> &'static str {
    match result {
        Ok(o) if o.ok => "ok",
        Ok(_) => "failed",
        Err(CommandError::Timeout(_)) => "timeout",
        Err(CommandError::Offline) => "offline",
        Err(CommandError::Busy) => "busy",
        Err(CommandError::Disconnected) => "disconnected",
        Err(CommandError::Unreachable(_)) => "unreachable",
    }
}

fn action(command: DeviceCommand) -> d::command::Action {
    use d::command::Action;
    match command {
        DeviceCommand::Unlock {
            relay,
            requested_by,
        } => Action::Unlock(d::Unlock {
            relay,
            requested_by,
        }),
        DeviceCommand::Reboot => Action::Reboot(d::Reboot {}),
        DeviceCommand::SetSipTransport(t) => Action::SetSipTransport(d::SetSipTransport {
            transport: match t {
                SipTransport::Udp => d::SipTransport::Udp,
                SipTransport::Tcp => d::SipTransport::Tcp,
                SipTransport::Tls => d::SipTransport::Tls,
            } as i32,
        }),
        DeviceCommand::FactoryReset => Action::FactoryReset(d::FactoryReset {}),
        DeviceCommand::ConfigChanged { config_version } => {
            Action::ConfigChanged(d::ConfigChanged { config_version })
        }
        DeviceCommand::OneTimeAutop { commands } => {
            Action::OneTimeAutop(d::OneTimeAutop { commands })
        }
        DeviceCommand::UpgradeFirmware {
            version,
            url,
            sha256,
            reset_after_upgrade,
        } => Action::UpgradeFirmware(d::UpgradeFirmware {
            version,
            url,
            sha256,
            reset_after_upgrade,
        }),
    }
}

impl DeviceCommands for Presence {
    fn send(&self, mac: &str, command: DeviceCommand, timeout: Duration) -> CommandFuture<'_> {
        let control = self.current(mac).map(|d| d.control);
        let kind = kind(&command);
        Box::pin(async move {
            let started = Instant::now();
            let result = deliver(control, command, timeout).await;
            self.metrics
                .command(kind, outcome(&result), started.elapsed());
            result
        })
    }
}

/// Hands the command to its connection and waits for the answer.
async fn deliver(
    control: Option<mpsc::Sender<Control>>,
    command: DeviceCommand,
    timeout: Duration,
) -> Result<CommandOutcome, CommandError> {
    let control = control.ok_or(CommandError::Offline)?;
    let (reply, answer) = oneshot::channel();
    control
        .try_send(Control::Command(Box::new(CommandRequest {
            action: action(command),
            timeout,
            reply,
        })))
        .map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => CommandError::Busy,
            mpsc::error::TrySendError::Closed(_) => CommandError::Offline,
        })?;
    // The connection answers every command it took (result, timeout or disconnect); a
    // dropped reply means it ended first.
    answer.await.unwrap_or(Err(CommandError::Disconnected))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store holding one public door phone with MAC `MAC`, its operator and the id.
    async fn store_with_door_phone() -> (porter_store::Store, porter_store::Actor, u64) {
        use porter_store::fixtures;
        let (store, actor) = fixtures::operator_store(Arc::new(porter_store::SystemClock))
            .await
            .unwrap();
        let community = fixtures::premium_community(&store, &actor, "C")
            .await
            .unwrap();
        let id = fixtures::public_door_phone(&store, &actor, community, MAC)
            .await
            .unwrap();
        (store, actor, id)
    }

    const MAC: &str = "0C1105000001";

    fn online(
        presence: &Presence,
        store: &porter_store::Store,
        id: u64,
    ) -> mpsc::Receiver<Control> {
        let (control, queue) = mpsc::channel(CONTROL_QUEUE);
        let binding = store.read(|dir| porter_store::DeviceBinding::of(dir.device(id).unwrap()));
        presence.online(
            MAC,
            OnlineDevice {
                connection_id: 1,
                device_id: id,
                binding,
                model: "R29".into(),
                firmware_version: "1".into(),
                remote: "127.0.0.1:1".parse().unwrap(),
                since_ms: 0,
                control,
            },
        );
        queue
    }

    #[tokio::test]
    async fn no_command_reaches_a_session_whose_credential_was_rotated() {
        let (store, actor, id) = store_with_door_phone().await;
        let presence = Presence::new(store.clone(), Arc::new(GatewayMetrics::default()));
        let mut queue = online(&presence, &store, id);
        store.rotate_device_credential(&actor, id).await.unwrap();
        // Before any revocation feed ran: the command itself finds the session stale.
        let sent = presence
            .send(MAC, DeviceCommand::Reboot, Duration::from_secs(1))
            .await;
        assert_eq!(sent, Err(CommandError::Offline));
        match queue.try_recv() {
            Ok(Control::Revoke(porter_store::RevokeReason::CredentialRotated)) => {}
            other => panic!("expected a revocation, got {other:?}"),
        }
        assert!(queue.try_recv().is_err(), "the command must not be queued");
        assert!(presence.get(MAC).is_none());
        assert!(!presence.presence(id, MAC).unwrap().online);
    }

    #[tokio::test]
    async fn a_sweep_ends_sessions_of_deleted_devices_only() {
        let (store, actor, id) = store_with_door_phone().await;
        let presence = Presence::new(store.clone(), Arc::new(GatewayMetrics::default()));
        let mut queue = online(&presence, &store, id);
        assert_eq!(presence.sweep(), 0);
        assert!(queue.try_recv().is_err());
        store.delete_device(&actor, id).await.unwrap();
        assert_eq!(presence.sweep(), 1);
        assert!(matches!(
            queue.try_recv(),
            Ok(Control::Revoke(porter_store::RevokeReason::Deleted))
        ));
        // Another device's session with the same MAC is not ended by the old one's revoke.
        assert!(!presence.revoke(id, MAC, porter_store::RevokeReason::Deleted));
    }

    #[tokio::test]
    async fn every_command_reaches_the_connection_as_its_frame_and_is_counted() {
        let (store, _, id) = store_with_door_phone().await;
        let metrics = Arc::new(GatewayMetrics::default());
        let presence = Arc::new(Presence::new(store.clone(), metrics.clone()));
        let mut queue = online(&presence, &store, id);
        // A fake device: answers every command, echoing what it got.
        tokio::spawn(async move {
            while let Some(Control::Command(c)) = queue.recv().await {
                let _ = c.reply.send(Ok(CommandOutcome {
                    ok: true,
                    message: format!("{:?}", c.action),
                }));
            }
        });
        let cases = [
            (DeviceCommand::Reboot, "Reboot"),
            (
                DeviceCommand::ConfigChanged {
                    config_version: "v9".into(),
                },
                "ConfigChanged(ConfigChanged { config_version: \"v9\" })",
            ),
            (
                DeviceCommand::OneTimeAutop {
                    commands: vec!["Config.A = 1".into()],
                },
                "OneTimeAutop",
            ),
            (
                DeviceCommand::UpgradeFirmware {
                    version: "29.30.2.900".into(),
                    url: "https://x/f".into(),
                    sha256: "ab".into(),
                    reset_after_upgrade: true,
                },
                "UpgradeFirmware",
            ),
        ];
        for (command, expected) in cases {
            let got = presence
                .send(MAC, command, Duration::from_secs(1))
                .await
                .unwrap();
            assert!(got.message.starts_with(expected), "{}", got.message);
        }
        assert_eq!(
            presence
                .send(
                    "0C1105FFFFFF",
                    DeviceCommand::Reboot,
                    Duration::from_secs(1)
                )
                .await,
            Err(CommandError::Offline)
        );
        let mut text = String::new();
        metrics.render(&mut text);
        for line in [
            "porter_gateway_commands_total{kind=\"upgrade_firmware\",outcome=\"ok\"} 1",
            "porter_gateway_commands_total{kind=\"autop_once\",outcome=\"ok\"} 1",
            "porter_gateway_commands_total{kind=\"reboot\",outcome=\"offline\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}");
        }
    }
}
