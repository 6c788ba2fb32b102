//! The upgrade task: once a second it asks `crate::rollout` what each active
//! upgrade strategy should do next and carries it out: an `UpgradeFirmware` command with a
//! signed download link to each device whose turn it is, and the results into the store.
//! A device has upgraded when it connects again reporting the new version.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use porter_edge::{CancellationToken, TaskTracker};
use porter_store::Store;
use porter_store::model::{DeviceUpgradeStatus, Id, UpgradeStrategy};
use porter_store::presence::DeviceCommand;

use super::Devices;
use crate::rollout::{self, DeviceFacts, Step};
use crate::signing::{FirmwareGrant, UrlSigner};

const TICK: Duration = Duration::from_secs(1);
/// Time for a device to accept the command (it answers before downloading).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// A download link outlives the device's time limit by this much.
const LINK_MARGIN_SECS: u64 = 3600;

/// Whether a SIP account is talking in a call (the SIP servers know).
pub trait CallsInProgress: Send + Sync {
    /// On this node, at once: the rollout's view of every device each round.
    fn in_call_here(&self, account: &str) -> bool;
    /// On any node of a cluster, asked just before a device's upgrade starts; true when
    /// it cannot be told (the upgrade then waits a round rather than cut a call off).
    fn in_call_anywhere<'a>(
        &'a self,
        account: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>>;
}

pub struct UpgradeRunner {
    pub store: Store,
    pub devices: Arc<dyn Devices>,
    pub signer: UrlSigner,
    /// `https://host:port` of the HTTPS listener.
    pub https_base: String,
    /// Devices upgrading at once across every strategy (the server's download cap).
    pub max_upgrading: usize,
    pub calls: Arc<dyn CallsInProgress>,
    /// Where the commands it sends run.
    pub tasks: TaskTracker,
}

/// Runs rounds until `shutdown`.
pub async fn run(runner: Arc<UpgradeRunner>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => runner.clone().round().await,
            () = shutdown.cancelled() => return,
        }
    }
}

/// A device of a strategy, as a round sees it.
struct RolloutDevice {
    mac: String,
    sip_account: String,
    facts: DeviceFacts,
}

impl UpgradeRunner {
    async fn round(self: Arc<Self>) {
        let strategies = self.store.active_upgrades();
        if strategies.is_empty() {
            return;
        }
        let upgrading: usize = strategies
            .iter()
            .flat_map(|s| &s.devices)
            .filter(|d| d.status == DeviceUpgradeStatus::Processing)
            .count();
        let mut free = self.max_upgrading.saturating_sub(upgrading);
        let now_ms = self.store.now_ms();
        for s in strategies {
            let devices = self.device_facts(&s);
            let steps = rollout::steps(
                &s,
                now_ms,
                |id| {
                    devices
                        .get(&id)
                        .map(|d| d.facts.clone())
                        .unwrap_or_default()
                },
                free,
            );
            for step in steps {
                if let Step::Start { .. } = step {
                    free = free.saturating_sub(1);
                }
                self.clone().apply(&s, step, &devices).await;
            }
        }
    }

    /// What is known now of each device of `s`.
    fn device_facts(&self, s: &UpgradeStrategy) -> HashMap<Id, RolloutDevice> {
        let accounts: Vec<(Id, String, String)> = self.store.read(|dir| {
            s.devices
                .iter()
                .filter_map(|d| dir.device(d.device_id))
                .map(|d| (d.id, d.mac.clone(), d.sip_number.clone()))
                .collect()
        });
        accounts
            .into_iter()
            .map(|(id, mac, sip)| {
                let online = self.devices.online(id, &mac);
                let facts = DeviceFacts {
                    online: online.is_some(),
                    version: online.map(|o| o.firmware_version).unwrap_or_default(),
                    in_call: self.calls.in_call_here(&sip),
                };
                let device = RolloutDevice {
                    mac,
                    sip_account: sip,
                    facts,
                };
                (id, device)
            })
            .collect()
    }

    async fn apply(
        self: Arc<Self>,
        s: &UpgradeStrategy,
        step: Step,
        devices: &HashMap<Id, RolloutDevice>,
    ) {
        let result = match step {
            Step::Executed { device_id } => {
                tracing::info!(strategy = s.id, device_id, version = %s.version, "device upgraded");
                self.store
                    .set_device_upgrade(s.id, device_id, DeviceUpgradeStatus::Executed, "")
                    .await
            }
            Step::Failed { device_id, reason } => {
                tracing::warn!(strategy = s.id, device_id, %reason, "device upgrade failed");
                self.store
                    .set_device_upgrade(s.id, device_id, DeviceUpgradeStatus::Failed, &reason)
                    .await
            }
            Step::Halt { reason } => {
                tracing::warn!(strategy = s.id, %reason, "upgrade strategy halted");
                self.store.halt_upgrade(s.id, &reason).await
            }
            Step::Start { device_id } => {
                let Some(device) = devices.get(&device_id) else {
                    return;
                };
                // This node saw no call; one kept on another node counts too.
                if self.calls.in_call_anywhere(&device.sip_account).await {
                    tracing::debug!(strategy = s.id, device_id, "in a call; its upgrade waits");
                    return;
                }
                let started = self
                    .store
                    .set_device_upgrade(s.id, device_id, DeviceUpgradeStatus::Processing, "")
                    .await;
                if started.is_ok() {
                    self.clone().command(s, device_id, device.mac.clone());
                }
                started
            }
        };
        if let Err(e) = result {
            tracing::warn!(strategy = s.id, error = %e, "recording an upgrade step failed");
        }
    }

    /// Sends the command; a refusal or no answer fails the device at once.
    fn command(self: Arc<Self>, s: &UpgradeStrategy, device_id: Id, mac: String) {
        let expires_at = u64::try_from(self.store.now_ms() / 1000).unwrap_or(0)
            + u64::from(s.policy.device_timeout_secs)
            + LINK_MARGIN_SECS;
        let path = self.signer.firmware_path(&FirmwareGrant {
            device_id,
            image_sha256: s.image_sha256.clone(),
            expires_at,
        });
        let command = DeviceCommand::UpgradeFirmware {
            version: s.version.clone(),
            url: format!("{}{path}", self.https_base),
            sha256: s.image_sha256.clone(),
            reset_after_upgrade: s.reset_after_upgrade,
        };
        let strategy_id = s.id;
        let tasks = self.tasks.clone();
        tasks.spawn(async move {
            let reason = match self.devices.send(&mac, command, COMMAND_TIMEOUT).await {
                Ok(outcome) if outcome.ok => return,
                Ok(outcome) => format!("the device refused: {}", outcome.message),
                Err(e) => e.to_string(),
            };
            if let Err(e) = self
                .store
                .set_device_upgrade(strategy_id, device_id, DeviceUpgradeStatus::Failed, &reason)
                .await
            {
                tracing::warn!(strategy = strategy_id, error = %e, "recording an upgrade failure");
            }
        });
    }
}
