//! Upgrade strategies: made, edited while pending, listed and deleted by the installer;
//! moved along by the rollout (the gateway's upgrade task) through the device-facing
//! operations at the end.

use serde_json::json;

use super::require_staff;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::upgrade::{
    self, DeviceUpgradeStatus, MAX_REASON_LEN, MAX_SCHEDULE_AHEAD_MS, MAX_STRATEGY_DEVICES,
    RolloutPolicy, StrategyStatus, UpgradeStrategy, UpgradeTiming,
};
use crate::model::{Community, Id};
use crate::record::{Record, RecordKey};
use crate::store::Store;

/// "Upgrade Strategy Creation" (and its edit).
#[derive(Clone, Debug)]
pub struct UpgradeInput {
    pub community_id: Id,
    pub firmware_id: Id,
    pub model: String,
    pub device_ids: Vec<Id>,
    /// `None`: right now; else `YYYY-MM-DD HH:MM` in the community's time zone.
    pub at_local: Option<String>,
    pub reset_after_upgrade: bool,
    pub policy: RolloutPolicy,
}

/// The upgrade list's filters; empty ones match everything.
#[derive(Clone, Debug, Default)]
pub struct UpgradeFilter {
    pub status: Option<StrategyStatus>,
    /// Part of a version.
    pub version: String,
}

impl Store {
    pub async fn create_upgrade_strategy(
        &self,
        actor: &Actor,
        input: UpgradeInput,
    ) -> Result<UpgradeStrategy> {
        require_staff(actor, "manage upgrades")?;
        self.write(|dir, txn| {
            let id = txn.next_id();
            let s = build(dir, actor, id, None, input, txn.now_ms())?;
            txn.put(Record::UpgradeStrategy(s.clone()));
            txn.audit(actor, "upgrade.create", format!("upgrade/{id}"), detail(&s));
            Ok(s)
        })
        .await
    }

    /// Edits a strategy none of whose devices has started.
    pub async fn update_upgrade_strategy(
        &self,
        actor: &Actor,
        id: Id,
        input: UpgradeInput,
    ) -> Result<UpgradeStrategy> {
        require_staff(actor, "manage upgrades")?;
        self.write(|dir, txn| {
            let old = dir.upgrade_of(actor, id)?;
            if old.status() != StrategyStatus::Pending {
                return Err(StoreError::precondition(format!(
                    "upgrade strategy {id} has started; only a pending one can be edited"
                )));
            }
            let s = build(dir, actor, id, Some(old.created_at_ms), input, txn.now_ms())?;
            txn.put(Record::UpgradeStrategy(s.clone()));
            txn.audit(actor, "upgrade.update", format!("upgrade/{id}"), detail(&s));
            Ok(s)
        })
        .await
    }

    /// Deletes the record; devices already told to upgrade finish on their own.
    pub async fn delete_upgrade_strategy(&self, actor: &Actor, id: Id) -> Result<()> {
        require_staff(actor, "manage upgrades")?;
        self.write(|dir, txn| {
            let s = dir.upgrade_of(actor, id)?;
            txn.audit(actor, "upgrade.delete", format!("upgrade/{id}"), detail(s));
            txn.delete(RecordKey::UpgradeStrategy(id));
            Ok(())
        })
        .await
    }

    pub fn upgrade_strategy(&self, actor: &Actor, id: Id) -> Result<UpgradeStrategy> {
        require_staff(actor, "see upgrades")?;
        self.read(|dir| dir.upgrade_of(actor, id).cloned())
    }

    /// A community's upgrade list, newest first.
    pub fn list_upgrade_strategies(
        &self,
        actor: &Actor,
        community_id: Id,
        filter: &UpgradeFilter,
    ) -> Result<Vec<UpgradeStrategy>> {
        require_staff(actor, "see upgrades")?;
        let mut list: Vec<UpgradeStrategy> = self.read(|dir| {
            dir.community_of(actor, community_id)?;
            Ok::<_, StoreError>(
                dir.upgrades()
                    .filter(|u| u.community_id == community_id)
                    .filter(|u| filter.status.is_none_or(|s| u.status() == s))
                    .filter(|u| u.version.contains(filter.version.trim()))
                    .cloned()
                    .collect(),
            )
        })?;
        list.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then(b.id.cmp(&a.id)));
        Ok(list)
    }

    /// Strategies the rollout still has work in (any installer's), whose community exists.
    pub fn active_upgrades(&self) -> Vec<UpgradeStrategy> {
        self.read(|dir| {
            dir.upgrades()
                .filter(|u| u.is_active() && dir.community(u.community_id).is_some())
                .cloned()
                .collect()
        })
    }

    /// The rollout moves a device on. A device that already finished keeps its result,
    /// and a strategy deleted meanwhile is left alone.
    pub async fn set_device_upgrade(
        &self,
        strategy_id: Id,
        device_id: Id,
        status: DeviceUpgradeStatus,
        reason: &str,
    ) -> Result<()> {
        let reason: String = reason.chars().take(MAX_REASON_LEN).collect();
        self.write(|dir, txn| {
            let Some(old) = dir.upgrade(strategy_id) else {
                return Ok(());
            };
            let mut s = old.clone();
            let now = txn.now_ms();
            let Some(d) = s.devices.iter_mut().find(|d| d.device_id == device_id) else {
                return Ok(());
            };
            if matches!(
                d.status,
                DeviceUpgradeStatus::Executed | DeviceUpgradeStatus::Failed
            ) || d.status == status
            {
                return Ok(());
            }
            d.status = status;
            d.reason = reason;
            match status {
                DeviceUpgradeStatus::Processing => d.started_at_ms = Some(now),
                DeviceUpgradeStatus::Executed | DeviceUpgradeStatus::Failed => {
                    d.finished_at_ms = Some(now)
                }
                DeviceUpgradeStatus::Pending => {}
            }
            txn.put(Record::UpgradeStrategy(s));
            Ok(())
        })
        .await
    }

    /// A device says its upgrade to `version` failed: the strategy upgrading it records why.
    pub async fn device_upgrade_failed(
        &self,
        device_id: Id,
        version: &str,
        reason: &str,
    ) -> Result<()> {
        let strategy = self.read(|dir| {
            dir.upgrades()
                .find(|u| {
                    u.version == version
                        && u.device(device_id)
                            .is_some_and(|d| d.status == DeviceUpgradeStatus::Processing)
                })
                .map(|u| u.id)
        });
        match strategy {
            Some(id) => {
                let reason = if reason.trim().is_empty() {
                    "the device reported a failure"
                } else {
                    reason
                };
                self.set_device_upgrade(id, device_id, DeviceUpgradeStatus::Failed, reason)
                    .await
            }
            None => Ok(()),
        }
    }

    /// The rollout stops a strategy: its pending devices are not started.
    pub async fn halt_upgrade(&self, strategy_id: Id, reason: &str) -> Result<()> {
        let reason: String = reason.chars().take(MAX_REASON_LEN).collect();
        self.write(|dir, txn| {
            let Some(old) = dir.upgrade(strategy_id) else {
                return Ok(());
            };
            if old.halted.is_some() {
                return Ok(());
            }
            let mut s = old.clone();
            s.halted = Some(reason);
            txn.put(Record::UpgradeStrategy(s));
            Ok(())
        })
        .await
    }
}

fn detail(s: &UpgradeStrategy) -> serde_json::Value {
    json!({"version": s.version, "model": s.model, "devices": s.devices.len(),
           "start_ms": s.start_ms(), "reset": s.reset_after_upgrade})
}

fn build(
    dir: &Directory,
    actor: &Actor,
    id: Id,
    created_at_ms: Option<i64>,
    input: UpgradeInput,
    now_ms: i64,
) -> Result<UpgradeStrategy> {
    let community = dir.community_of(actor, input.community_id)?;
    let fw = dir.firmware_of(actor, input.firmware_id)?;
    let model = input.model.trim().to_ascii_uppercase();
    if !fw.models.contains(&model) {
        return Err(StoreError::invalid(
            "model",
            format!(
                "firmware {} is for {}, not {}",
                fw.version,
                fw.models.join(", "),
                crate::rules::quote(&model)
            ),
        ));
    }
    let policy = input.policy.validated()?;
    let timing = timing(community, input.at_local.as_deref(), now_ms)?;
    let device_ids = devices(dir, actor, community, id, &input.device_ids)?;
    let created_at_ms = created_at_ms.unwrap_or(now_ms);
    let start_ms = match &timing {
        UpgradeTiming::Now => now_ms,
        UpgradeTiming::At { at_ms, .. } => *at_ms,
    };
    Ok(UpgradeStrategy {
        id,
        installer_id: actor.installer_id,
        community_id: community.id,
        firmware_id: fw.id,
        version: fw.version.clone(),
        model,
        image_sha256: fw.image_sha256.clone(),
        devices: upgrade::plan_devices(&device_ids, &policy, start_ms, id),
        timing,
        reset_after_upgrade: input.reset_after_upgrade,
        policy,
        created_at_ms,
        halted: None,
    })
}

fn timing(community: &Community, at_local: Option<&str>, now_ms: i64) -> Result<UpgradeTiming> {
    let Some(local) = at_local.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(UpgradeTiming::Now);
    };
    let at_ms = upgrade::local_time_ms("at_local", local, &community.time_zone)?;
    if at_ms <= now_ms {
        return Err(StoreError::invalid(
            "at_local",
            format!("{local} in {} has passed", community.time_zone),
        ));
    }
    if at_ms > now_ms + MAX_SCHEDULE_AHEAD_MS {
        return Err(StoreError::invalid(
            "at_local",
            "an upgrade may be scheduled at most a year ahead",
        ));
    }
    Ok(UpgradeTiming::At {
        local: local.to_owned(),
        at_ms,
    })
}

/// The devices, each once, all in the community and in no other unfinished strategy.
fn devices(
    dir: &Directory,
    actor: &Actor,
    community: &Community,
    strategy_id: Id,
    ids: &[Id],
) -> Result<Vec<Id>> {
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<Id> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if ids.is_empty() {
        return Err(StoreError::invalid(
            "device_ids",
            "select at least one device",
        ));
    }
    if ids.len() > MAX_STRATEGY_DEVICES {
        return Err(StoreError::invalid(
            "device_ids",
            format!("at most {MAX_STRATEGY_DEVICES} devices in one strategy"),
        ));
    }
    // Devices still waiting or upgrading in another unfinished strategy of the community,
    // gathered once (a strategy may hold thousands).
    let busy: std::collections::HashMap<Id, &UpgradeStrategy> = dir
        .upgrades()
        .filter(|u| u.id != strategy_id && u.community_id == community.id && u.is_active())
        .flat_map(|u| {
            u.devices
                .iter()
                .filter(|du| {
                    !matches!(
                        du.status,
                        DeviceUpgradeStatus::Executed | DeviceUpgradeStatus::Failed
                    )
                })
                .map(move |du| (du.device_id, u))
        })
        .collect();
    for &id in &ids {
        let (d, c) = dir.device_of(actor, id)?;
        if c.id != community.id {
            return Err(StoreError::invalid(
                "device_ids",
                format!("device {} ({}) is in another community", d.name, d.mac),
            ));
        }
        if let Some(other) = busy.get(&id) {
            return Err(StoreError::invalid(
                "device_ids",
                format!(
                    "device {} ({}) is already in upgrade strategy {} to {}",
                    d.name, d.mac, other.id, other.version
                ),
            ));
        }
    }
    Ok(ids)
}
