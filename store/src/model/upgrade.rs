//! Upgrade strategies (the manual's Upgrade module): a firmware version for a model, the
//! devices of that model in one community, upgrade now or at a time in the community's
//! time zone, reset after upgrade. Each device goes Pending → Processing → Executed, or
//! Failed with its reason. Beyond the manual, a rollout policy: a canary wave first, a cap
//! on devices upgrading at once, a random start delay, a halt when too many fail, and a
//! time limit per device.

use chrono::TimeZone as _;
use serde::{Deserialize, Serialize};

use super::Id;
use crate::error::{Result, StoreError};

/// Devices one strategy may hold.
pub const MAX_STRATEGY_DEVICES: usize = 10_000;
/// How far ahead an upgrade may be scheduled.
pub const MAX_SCHEDULE_AHEAD_MS: i64 = 366 * 24 * 3600 * 1000;
/// The longest reason kept for a failed device.
pub const MAX_REASON_LEN: usize = 300;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpgradeTiming {
    /// "Upgrade Right Now".
    Now,
    /// "Upgrade at a Specific Time": as the installer wrote it in the community's time
    /// zone, and the instant it names.
    At { local: String, at_ms: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceUpgradeStatus {
    Pending,
    Processing,
    Executed,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceUpgrade {
    pub device_id: Id,
    pub status: DeviceUpgradeStatus,
    /// Why it failed (the device's words, or the server's).
    pub reason: String,
    /// 0: the canary wave; 1: the rest.
    pub wave: u8,
    /// Earliest start (the strategy's start plus this device's random delay).
    pub not_before_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
}

/// How a strategy rolls out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutPolicy {
    /// Devices in the first wave; the rest wait until it has finished (0: one wave).
    pub canary: u32,
    /// Devices of this strategy upgrading at once.
    pub max_concurrent: u32,
    /// Each device starts after a random delay up to this, so a community does not
    /// download at the same moment.
    pub start_spread_secs: u32,
    /// Halt when more than this share of a wave's finished devices failed (percent).
    pub halt_failure_pct: u32,
    /// A device that has not reported the new version by then has failed.
    pub device_timeout_secs: u32,
}

impl Default for RolloutPolicy {
    fn default() -> Self {
        RolloutPolicy {
            canary: 0,
            max_concurrent: 20,
            start_spread_secs: 60,
            halt_failure_pct: 20,
            device_timeout_secs: 1800,
        }
    }
}

impl RolloutPolicy {
    pub fn validated(self) -> Result<Self> {
        let check = |field: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(StoreError::invalid(
                    format!("policy.{field}"),
                    format!("{v} is outside {lo} to {hi}"),
                ))
            }
        };
        check("canary", self.canary, 0, 1000)?;
        check("max_concurrent", self.max_concurrent, 1, 1000)?;
        check("start_spread_secs", self.start_spread_secs, 0, 24 * 3600)?;
        check("halt_failure_pct", self.halt_failure_pct, 1, 100)?;
        check(
            "device_timeout_secs",
            self.device_timeout_secs,
            60,
            24 * 3600,
        )?;
        Ok(self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeStrategy {
    pub id: Id,
    pub installer_id: Id,
    pub community_id: Id,
    pub firmware_id: Id,
    /// Copied from the firmware entry: the list keeps showing them if it is deleted.
    pub version: String,
    pub model: String,
    pub image_sha256: String,
    pub devices: Vec<DeviceUpgrade>,
    pub timing: UpgradeTiming,
    pub reset_after_upgrade: bool,
    pub policy: RolloutPolicy,
    pub created_at_ms: i64,
    /// Set when the rollout stopped itself (or was stopped), with why.
    pub halted: Option<String>,
}

/// The Status column of the upgrade list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StrategyStatus {
    /// No device started yet.
    Pending,
    Processing,
    /// Every device upgraded.
    Executed,
    /// Every device finished, some failed.
    Failed,
    /// Stopped before every device had its turn.
    Halted,
}

impl UpgradeStrategy {
    pub fn start_ms(&self) -> i64 {
        match self.timing {
            UpgradeTiming::Now => self.created_at_ms,
            UpgradeTiming::At { at_ms, .. } => at_ms,
        }
    }

    pub fn status(&self) -> StrategyStatus {
        let count = |s| self.devices.iter().filter(|d| d.status == s).count();
        let (pending, processing, failed) = (
            count(DeviceUpgradeStatus::Pending),
            count(DeviceUpgradeStatus::Processing),
            count(DeviceUpgradeStatus::Failed),
        );
        if self.halted.is_some() && pending > 0 {
            StrategyStatus::Halted
        } else if processing > 0 || (pending > 0 && pending < self.devices.len()) {
            StrategyStatus::Processing
        } else if pending > 0 {
            StrategyStatus::Pending
        } else if failed > 0 {
            StrategyStatus::Failed
        } else {
            StrategyStatus::Executed
        }
    }

    /// Whether the rollout still has devices to start or watch.
    pub fn is_active(&self) -> bool {
        matches!(
            self.status(),
            StrategyStatus::Pending | StrategyStatus::Processing
        )
    }

    pub fn device(&self, device_id: Id) -> Option<&DeviceUpgrade> {
        self.devices.iter().find(|d| d.device_id == device_id)
    }
}

/// "Upgrade at a Specific Time" as typed (`YYYY-MM-DD HH:MM`, in `time_zone`) → the instant.
/// A time that a clock change skips is refused; one it repeats takes the earlier instant.
pub fn local_time_ms(field: &str, local: &str, time_zone: &str) -> Result<i64> {
    let tz: chrono_tz::Tz = time_zone.parse().map_err(|_| {
        StoreError::invalid(
            field,
            format!("bad time zone {}", crate::rules::quote(time_zone)),
        )
    })?;
    let naive =
        chrono::NaiveDateTime::parse_from_str(local.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
            StoreError::invalid(
                field,
                format!(
                    "{} is not a time as YYYY-MM-DD HH:MM",
                    crate::rules::quote(local)
                ),
            )
        })?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.timestamp_millis()),
        chrono::LocalResult::Ambiguous(early, _) => Ok(early.timestamp_millis()),
        chrono::LocalResult::None => Err(StoreError::invalid(
            field,
            format!("{local} does not exist in {time_zone} (the clocks skip it)"),
        )),
    }
}

/// Random start delays and waves for `device_ids`, from `start_ms`. `seed` makes the
/// spread reproducible for one strategy.
pub fn plan_devices(
    device_ids: &[Id],
    policy: &RolloutPolicy,
    start_ms: i64,
    seed: u64,
) -> Vec<DeviceUpgrade> {
    let spread_ms = u64::from(policy.start_spread_secs) * 1000;
    device_ids
        .iter()
        .enumerate()
        .map(|(i, &device_id)| {
            let delay = if spread_ms == 0 {
                0
            } else {
                splitmix(seed ^ device_id) % (spread_ms + 1)
            };
            DeviceUpgrade {
                device_id,
                status: DeviceUpgradeStatus::Pending,
                reason: String::new(),
                wave: u8::from(i >= policy.canary as usize && policy.canary > 0),
                not_before_ms: start_ms + delay as i64,
                started_at_ms: None,
                finished_at_ms: None,
            }
        })
        .collect()
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_follow_the_community_zone_and_its_clock_changes() {
        // 03:00 in Berlin in winter is 02:00 UTC.
        let ms = local_time_ms("at", "2026-11-25 03:00", "Europe/Berlin").unwrap();
        assert_eq!(ms, 1_795_572_000_000);
        // 02:30 on the last Sunday of March does not exist in Berlin.
        let e = local_time_ms("at", "2027-03-28 02:30", "Europe/Berlin").unwrap_err();
        assert!(e.to_string().contains("skip"), "{e}");
        assert!(local_time_ms("at", "tomorrow", "Europe/Berlin").is_err());
    }

    #[test]
    fn devices_get_waves_and_delays_within_the_spread() {
        let policy = RolloutPolicy {
            canary: 2,
            start_spread_secs: 60,
            ..RolloutPolicy::default()
        };
        let plan = plan_devices(&[10, 11, 12, 13], &policy, 1_000, 7);
        assert_eq!(
            plan.iter().map(|d| d.wave).collect::<Vec<_>>(),
            vec![0, 0, 1, 1]
        );
        assert!(
            plan.iter()
                .all(|d| (1_000..=61_000).contains(&d.not_before_ms))
        );
        assert_eq!(plan, plan_devices(&[10, 11, 12, 13], &policy, 1_000, 7));
        let one_wave = plan_devices(&[10, 11], &RolloutPolicy::default(), 0, 7);
        assert!(one_wave.iter().all(|d| d.wave == 0));
    }

    #[test]
    fn the_status_column() {
        let mut s = UpgradeStrategy {
            id: 1,
            installer_id: 1,
            community_id: 1,
            firmware_id: 1,
            version: "1.2".into(),
            model: "R29".into(),
            image_sha256: String::new(),
            devices: plan_devices(&[1, 2], &RolloutPolicy::default(), 0, 1),
            timing: UpgradeTiming::Now,
            reset_after_upgrade: false,
            policy: RolloutPolicy::default(),
            created_at_ms: 0,
            halted: None,
        };
        assert_eq!(s.status(), StrategyStatus::Pending);
        s.devices[0].status = DeviceUpgradeStatus::Processing;
        assert_eq!(s.status(), StrategyStatus::Processing);
        s.devices[0].status = DeviceUpgradeStatus::Executed;
        assert_eq!(s.status(), StrategyStatus::Processing);
        s.halted = Some("too many failures".into());
        assert_eq!(s.status(), StrategyStatus::Halted);
        s.halted = None;
        s.devices[1].status = DeviceUpgradeStatus::Failed;
        assert_eq!(s.status(), StrategyStatus::Failed);
        s.devices[1].status = DeviceUpgradeStatus::Executed;
        assert_eq!(s.status(), StrategyStatus::Executed);
    }
}
