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
    pub model: String,
    pub firmware_version: String,
    pub remote: SocketAddr,
    pub since_ms: i64,
    pub control: mpsc::Sender<Control>,
}

#[derive(Debug)]
pub struct Presence {
    online: Mutex<HashMap<String, OnlineDevice>>,
    /// What the last session of each device that went offline looked like (Last Connection).
    last: Mutex<HashMap<String, PresenceInfo>>,
    metrics: Arc<GatewayMetrics>,
}

impl Presence {
    pub fn new(metrics: Arc<GatewayMetrics>) -> Self {
        Presence {
            online: Mutex::new(HashMap::new()),
            last: Mutex::new(HashMap::new()),
            metrics,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, OnlineDevice>> {
        self.online.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records `mac` as online on this connection; the connection it replaces is told.
    pub fn online(&self, mac: &str, device: OnlineDevice) {
        let old = self.map().insert(mac.to_owned(), device);
        if let Some(old) = old {
            // A full queue means the old connection is already going away.
            let _ = old.control.try_send(Control::Replace);
        }
    }

    /// Records `mac` as offline, unless a newer connection already holds it.
    pub fn offline(&self, mac: &str, connection_id: u64) {
        let mut map = self.map();
        if map
            .get(mac)
            .is_some_and(|d| d.connection_id == connection_id)
            && let Some(d) = map.remove(mac)
        {
            let mut last = info(&d);
            last.online = false;
            self.last
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(mac.to_owned(), last);
        }
    }

    pub fn get(&self, mac: &str) -> Option<OnlineDevice> {
        self.map().get(mac).cloned()
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

impl DevicePresence for Presence {
    fn presence(&self, mac: &str) -> Option<PresenceInfo> {
        if let Some(d) = self.map().get(mac) {
            return Some(info(d));
        }
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(mac)
            .cloned()
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
        let control = self.map().get(mac).map(|d| d.control.clone());
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

    #[tokio::test]
    async fn every_command_reaches_the_connection_as_its_frame_and_is_counted() {
        let metrics = Arc::new(GatewayMetrics::default());
        let presence = Arc::new(Presence::new(metrics.clone()));
        let (control, mut queue) = mpsc::channel(CONTROL_QUEUE);
        presence.online(
            "0C1105000001",
            OnlineDevice {
                connection_id: 1,
                device_id: 7,
                model: "R29".into(),
                firmware_version: "1".into(),
                remote: "127.0.0.1:1".parse().unwrap(),
                since_ms: 0,
                control,
            },
        );
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
                .send("0C1105000001", command, Duration::from_secs(1))
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
