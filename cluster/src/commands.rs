//! Commands to devices held by other nodes: a NATS request to the holder's subject, which
//! hands the command to its gateway and replies with the device's answer.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use porter_edge::{CancellationToken, TaskTracker};
use porter_store::presence::{CommandError, CommandOutcome, DeviceCommand, SipTransport};
use serde::{Deserialize, Serialize};

use crate::LocalDevices;

const SUBJECT_PREFIX: &str = "porter.cluster.command.";
/// Time beyond the device's own timeout for the hop between nodes.
const HOP_MARGIN: Duration = Duration::from_secs(2);
/// Other nodes' commands handled at once; more wait in NATS's buffer.
const IN_FLIGHT: usize = 1024;
/// What shutdown waits for the commands in flight.
const DRAIN_GRACE: Duration = Duration::from_secs(10);

/// The subject the node `holder` answers on (NATS subjects split on `.`). An empty
/// request is a ping, answered empty.
pub(crate) fn subject(holder: &str) -> String {
    let token: String = holder
        .chars()
        .map(|c| match c {
            '.' | '*' | '>' | ' ' => '_',
            c => c,
        })
        .collect();
    format!("{SUBJECT_PREFIX}{token}")
}

#[derive(Serialize, Deserialize)]
struct WireRequest {
    mac: String,
    command: WireCommand,
    timeout_ms: u64,
}

/// `DeviceCommand` between nodes: all of it, the signed link of an upgrade included (the
/// audit trail's form leaves that out).
#[derive(Serialize, Deserialize)]
enum WireCommand {
    Unlock {
        relay: u32,
        requested_by: String,
    },
    Reboot,
    SetSipTransport(String),
    FactoryReset,
    ConfigChanged {
        config_version: String,
    },
    OneTimeAutop {
        commands: Vec<String>,
    },
    UpgradeFirmware {
        version: String,
        url: String,
        sha256: String,
        reset_after_upgrade: bool,
    },
}

impl From<DeviceCommand> for WireCommand {
    fn from(c: DeviceCommand) -> Self {
        match c {
            DeviceCommand::Unlock {
                relay,
                requested_by,
            } => WireCommand::Unlock {
                relay,
                requested_by,
            },
            DeviceCommand::Reboot => WireCommand::Reboot,
            DeviceCommand::SetSipTransport(t) => WireCommand::SetSipTransport(
                match t {
                    SipTransport::Udp => "UDP",
                    SipTransport::Tcp => "TCP",
                    SipTransport::Tls => "TLS",
                }
                .into(),
            ),
            DeviceCommand::FactoryReset => WireCommand::FactoryReset,
            DeviceCommand::ConfigChanged { config_version } => {
                WireCommand::ConfigChanged { config_version }
            }
            DeviceCommand::OneTimeAutop { commands } => WireCommand::OneTimeAutop { commands },
            DeviceCommand::UpgradeFirmware {
                version,
                url,
                sha256,
                reset_after_upgrade,
            } => WireCommand::UpgradeFirmware {
                version,
                url,
                sha256,
                reset_after_upgrade,
            },
        }
    }
}

impl TryFrom<WireCommand> for DeviceCommand {
    type Error = String;

    fn try_from(c: WireCommand) -> Result<Self, String> {
        Ok(match c {
            WireCommand::Unlock {
                relay,
                requested_by,
            } => DeviceCommand::Unlock {
                relay,
                requested_by,
            },
            WireCommand::Reboot => DeviceCommand::Reboot,
            WireCommand::SetSipTransport(t) => DeviceCommand::SetSipTransport(match t.as_str() {
                "UDP" => SipTransport::Udp,
                "TCP" => SipTransport::Tcp,
                "TLS" => SipTransport::Tls,
                other => return Err(format!("unknown SIP transport {other:?}")),
            }),
            WireCommand::FactoryReset => DeviceCommand::FactoryReset,
            WireCommand::ConfigChanged { config_version } => {
                DeviceCommand::ConfigChanged { config_version }
            }
            WireCommand::OneTimeAutop { commands } => DeviceCommand::OneTimeAutop { commands },
            WireCommand::UpgradeFirmware {
                version,
                url,
                sha256,
                reset_after_upgrade,
            } => DeviceCommand::UpgradeFirmware {
                version,
                url,
                sha256,
                reset_after_upgrade,
            },
        })
    }
}

#[derive(Serialize, Deserialize)]
enum WireReply {
    Answered { ok: bool, message: String },
    Offline,
    Timeout(u64),
    Disconnected,
    Busy,
    Unreachable(String),
}

impl From<Result<CommandOutcome, CommandError>> for WireReply {
    fn from(r: Result<CommandOutcome, CommandError>) -> Self {
        match r {
            Ok(o) => WireReply::Answered {
                ok: o.ok,
                message: o.message,
            },
            Err(CommandError::Offline) => WireReply::Offline,
            Err(CommandError::Timeout(ms)) => WireReply::Timeout(ms),
            Err(CommandError::Disconnected) => WireReply::Disconnected,
            Err(CommandError::Busy) => WireReply::Busy,
            Err(CommandError::Unreachable(why)) => WireReply::Unreachable(why),
        }
    }
}

impl From<WireReply> for Result<CommandOutcome, CommandError> {
    fn from(r: WireReply) -> Self {
        match r {
            WireReply::Answered { ok, message } => Ok(CommandOutcome { ok, message }),
            WireReply::Offline => Err(CommandError::Offline),
            WireReply::Timeout(ms) => Err(CommandError::Timeout(ms)),
            WireReply::Disconnected => Err(CommandError::Disconnected),
            WireReply::Busy => Err(CommandError::Busy),
            WireReply::Unreachable(why) => Err(CommandError::Unreachable(why)),
        }
    }
}

/// Sends `command` for `mac` to node `holder` and waits for the device's answer.
pub(crate) async fn ask(
    client: &async_nats::Client,
    holder: String,
    mac: String,
    command: DeviceCommand,
    timeout: Duration,
) -> Result<CommandOutcome, CommandError> {
    if crate::cut_off(client) {
        return Err(CommandError::Unreachable(
            "this node is not connected to the cluster's NATS".into(),
        ));
    }
    let request = WireRequest {
        mac,
        command: command.into(),
        timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
    };
    let payload = serde_json::to_vec(&request)
        .map_err(|e| CommandError::Unreachable(format!("encoding the command: {e}")))?;
    let asked = async_nats::Request::new()
        .payload(payload.into())
        .timeout(Some(timeout + HOP_MARGIN));
    let node = holder.split('@').next().unwrap_or(&holder).to_owned();
    match client.send_request(subject(&holder), asked).await {
        Ok(answer) => match serde_json::from_slice::<WireReply>(&answer.payload) {
            Ok(reply) => reply.into(),
            Err(e) => Err(CommandError::Unreachable(format!(
                "node {node} answered something unreadable: {e}"
            ))),
        },
        Err(e) => Err(match e.kind() {
            async_nats::RequestErrorKind::NoResponders => {
                CommandError::Unreachable(format!("node {node} is not answering"))
            }
            async_nats::RequestErrorKind::TimedOut => {
                CommandError::Timeout(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX))
            }
            _ => CommandError::Unreachable(format!("asking node {node}: {e}")),
        }),
    }
}

/// Answers other nodes' commands for this node's devices until `shutdown`, then finishes
/// the ones in flight.
pub(crate) async fn serve(
    client: &async_nats::Client,
    holder: &str,
    local: Arc<dyn LocalDevices>,
    shutdown: &CancellationToken,
) {
    let tasks = TaskTracker::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    while !shutdown.is_cancelled() {
        let mut requests = match client.subscribe(subject(holder)).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "subscribing to cluster commands failed");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => break,
                m = requests.next() => match m {
                    Some(m) => m,
                    None => break,
                },
            };
            let Some(reply_to) = message.reply else {
                continue;
            };
            if message.payload.is_empty() {
                let _ = client.publish(reply_to, bytes::Bytes::new()).await;
                continue;
            }
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            let (client, local) = (client.clone(), local.clone());
            tasks.spawn(async move {
                let reply = answer(local.as_ref(), &message.payload).await;
                if let Ok(bytes) = serde_json::to_vec(&reply) {
                    let _ = client.publish(reply_to, bytes.into()).await;
                }
                drop(slot);
            });
        }
    }
    porter_edge::shutdown::drain(&tasks, DRAIN_GRACE, "cluster commands").await;
}

async fn answer(local: &dyn LocalDevices, payload: &[u8]) -> WireReply {
    let request: WireRequest = match serde_json::from_slice(payload) {
        Ok(r) => r,
        Err(e) => return WireReply::Unreachable(format!("an unreadable command: {e}")),
    };
    let command = match DeviceCommand::try_from(request.command) {
        Ok(c) => c,
        Err(e) => return WireReply::Unreachable(e),
    };
    let timeout = Duration::from_millis(request.timeout_ms);
    local.send(&request.mac, command, timeout).await.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_crosses_nodes_with_its_signed_link() {
        let command = DeviceCommand::UpgradeFirmware {
            version: "2.1".into(),
            url: "https://n1.example/fw/abc?sig=1".into(),
            sha256: "ab".repeat(32),
            reset_after_upgrade: true,
        };
        let wire = serde_json::to_vec(&WireCommand::from(command.clone())).unwrap();
        let back: WireCommand = serde_json::from_slice(&wire).unwrap();
        assert_eq!(DeviceCommand::try_from(back).unwrap(), command);
        let transport = DeviceCommand::SetSipTransport(SipTransport::Tls);
        assert_eq!(
            DeviceCommand::try_from(WireCommand::from(transport.clone())).unwrap(),
            transport
        );
    }

    #[test]
    fn replies_keep_their_meaning() {
        for r in [
            Ok(CommandOutcome {
                ok: true,
                message: "opened".into(),
            }),
            Err(CommandError::Offline),
            Err(CommandError::Timeout(5000)),
            Err(CommandError::Busy),
            Err(CommandError::Unreachable("x".into())),
        ] {
            let wire = serde_json::to_vec(&WireReply::from(r.clone())).unwrap();
            let back: WireReply = serde_json::from_slice(&wire).unwrap();
            assert_eq!(Result::<CommandOutcome, CommandError>::from(back), r);
        }
    }

    #[test]
    fn a_holder_with_dots_makes_one_subject_token() {
        assert_eq!(
            subject("node.b.example@17"),
            "porter.cluster.command.node_b_example@17"
        );
    }
}
