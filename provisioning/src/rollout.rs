//! The rollout of one upgrade strategy, without IO: given the strategy, the time and what
//! is known of each device, what to do next. The gateway's upgrade task carries the steps
//! out (commands to devices, store updates) and asks again a moment later.
//!
//! Rules, in order:
//! - nothing before the strategy's start time;
//! - a device that reports the target version has upgraded (Executed);
//! - a device upgrading for longer than the policy's time limit has failed;
//! - a device that has been offline for a day since its turn came has failed;
//! - a wave whose failures pass the policy's share halts the strategy (judged once five of
//!   its devices, or all of them, have finished);
//! - the rest of the devices wait until the canary wave has finished;
//! - a device starts when its random delay has passed, it is online and not in a call,
//!   and fewer than the policy's (and the server's) limit are upgrading.

use porter_store::model::{DeviceUpgrade, DeviceUpgradeStatus, Id, UpgradeStrategy};

/// Finished devices of a wave before its failure share is judged (unless all finished).
const JUDGE_AFTER: usize = 5;
/// An offline device whose turn came this long ago has failed.
pub const OFFLINE_GIVE_UP_MS: i64 = 24 * 3600 * 1000;

/// What is known of a device now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceFacts {
    pub online: bool,
    /// The version it reported when it connected (online devices).
    pub version: String,
    pub in_call: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Start { device_id: Id },
    Executed { device_id: Id },
    Failed { device_id: Id, reason: String },
    Halt { reason: String },
}

/// The steps for `s` at `now_ms`. `free_slots`: how many more devices the server lets
/// upgrade at once, across strategies.
pub fn steps(
    s: &UpgradeStrategy,
    now_ms: i64,
    facts: impl Fn(Id) -> DeviceFacts,
    free_slots: usize,
) -> Vec<Step> {
    let mut out = Vec::new();
    if now_ms < s.start_ms() || s.halted.is_some() {
        return out;
    }
    let timeout_ms = i64::from(s.policy.device_timeout_secs) * 1000;
    // What the devices' states will be once this round's finishing steps are applied.
    let mut state: Vec<(DeviceUpgrade, DeviceFacts)> = s
        .devices
        .iter()
        .map(|d| (d.clone(), facts(d.device_id)))
        .collect();
    for (d, f) in &mut state {
        let at_target = f.online && f.version == s.version;
        let step = match d.status {
            DeviceUpgradeStatus::Processing | DeviceUpgradeStatus::Pending if at_target => {
                Some(Step::Executed {
                    device_id: d.device_id,
                })
            }
            DeviceUpgradeStatus::Processing
                if d.started_at_ms.is_some_and(|t| now_ms - t > timeout_ms) =>
            {
                Some(Step::Failed {
                    device_id: d.device_id,
                    reason: format!(
                        "did not report version {} within {} s",
                        s.version, s.policy.device_timeout_secs
                    ),
                })
            }
            DeviceUpgradeStatus::Pending
                if !f.online && now_ms - d.not_before_ms > OFFLINE_GIVE_UP_MS =>
            {
                Some(Step::Failed {
                    device_id: d.device_id,
                    reason: "offline for a day since its upgrade was due".into(),
                })
            }
            _ => None,
        };
        if let Some(step) = step {
            d.status = match step {
                Step::Executed { .. } => DeviceUpgradeStatus::Executed,
                _ => DeviceUpgradeStatus::Failed,
            };
            out.push(step);
        }
    }
    for wave in [0u8, 1] {
        let members: Vec<&DeviceUpgrade> = state
            .iter()
            .map(|(d, _)| d)
            .filter(|d| d.wave == wave)
            .collect();
        let finished = members.iter().filter(|d| finished(d)).count();
        let failed = members
            .iter()
            .filter(|d| d.status == DeviceUpgradeStatus::Failed)
            .count();
        let judged = finished >= JUDGE_AFTER.min(members.len()) && finished > 0;
        if judged && failed * 100 > finished * s.policy.halt_failure_pct as usize {
            let name = if wave == 0 && s.policy.canary > 0 {
                "the canary wave"
            } else {
                "the rollout"
            };
            out.push(Step::Halt {
                reason: format!(
                    "{failed} of {finished} finished devices of {name} failed (the limit is {}%)",
                    s.policy.halt_failure_pct
                ),
            });
            return out;
        }
    }
    let canary_done = state
        .iter()
        .filter(|(d, _)| d.wave == 0)
        .all(|(d, _)| finished(d));
    let processing = state
        .iter()
        .filter(|(d, _)| d.status == DeviceUpgradeStatus::Processing)
        .count();
    let mut slots = (s.policy.max_concurrent as usize)
        .saturating_sub(processing)
        .min(free_slots);
    let mut ready: Vec<&(DeviceUpgrade, DeviceFacts)> = state
        .iter()
        .filter(|(d, f)| {
            d.status == DeviceUpgradeStatus::Pending
                && (d.wave == 0 || canary_done)
                && d.not_before_ms <= now_ms
                && f.online
                && !f.in_call
        })
        .collect();
    ready.sort_by_key(|(d, _)| (d.wave, d.not_before_ms, d.device_id));
    for (d, _) in ready {
        if slots == 0 {
            break;
        }
        slots -= 1;
        out.push(Step::Start {
            device_id: d.device_id,
        });
    }
    out
}

fn finished(d: &DeviceUpgrade) -> bool {
    matches!(
        d.status,
        DeviceUpgradeStatus::Executed | DeviceUpgradeStatus::Failed
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use porter_store::model::upgrade::plan_devices;
    use porter_store::model::{RolloutPolicy, UpgradeTiming};

    fn strategy(devices: &[Id], policy: RolloutPolicy) -> UpgradeStrategy {
        UpgradeStrategy {
            id: 1,
            installer_id: 1,
            community_id: 1,
            firmware_id: 1,
            version: "2.0".into(),
            model: "R29".into(),
            image_sha256: String::new(),
            devices: plan_devices(devices, &policy, 1_000, 1),
            timing: UpgradeTiming::At {
                local: String::new(),
                at_ms: 1_000,
            },
            reset_after_upgrade: false,
            policy,
            created_at_ms: 0,
            halted: None,
        }
    }

    fn online(version: &str) -> DeviceFacts {
        DeviceFacts {
            online: true,
            version: version.into(),
            in_call: false,
        }
    }

    fn no_spread() -> RolloutPolicy {
        RolloutPolicy {
            start_spread_secs: 0,
            ..RolloutPolicy::default()
        }
    }

    #[test]
    fn nothing_happens_before_the_start_time() {
        let s = strategy(&[1, 2], no_spread());
        assert!(steps(&s, 999, |_| online("1.0"), 100).is_empty());
        assert_eq!(
            steps(&s, 1_000, |_| online("1.0"), 100),
            vec![Step::Start { device_id: 1 }, Step::Start { device_id: 2 }]
        );
    }

    #[test]
    fn starts_respect_both_limits_calls_and_presence() {
        let s = strategy(
            &[1, 2, 3, 4],
            RolloutPolicy {
                max_concurrent: 2,
                ..no_spread()
            },
        );
        let facts = |id| match id {
            1 => DeviceFacts::default(),
            2 => DeviceFacts {
                in_call: true,
                ..online("1.0")
            },
            _ => online("1.0"),
        };
        assert_eq!(
            steps(&s, 5_000, facts, 100),
            vec![Step::Start { device_id: 3 }, Step::Start { device_id: 4 }]
        );
        assert_eq!(
            steps(&s, 5_000, facts, 1),
            vec![Step::Start { device_id: 3 }],
            "the server's limit"
        );
    }

    #[test]
    fn devices_finish_by_reporting_the_version_or_by_timing_out() {
        let mut s = strategy(
            &[1, 2, 3],
            RolloutPolicy {
                device_timeout_secs: 60,
                halt_failure_pct: 100,
                ..no_spread()
            },
        );
        for d in &mut s.devices {
            d.status = DeviceUpgradeStatus::Processing;
            d.started_at_ms = Some(1_000);
        }
        let facts = |id| match id {
            1 => online("2.0"),
            _ => online("1.0"),
        };
        assert_eq!(
            steps(&s, 30_000, facts, 100),
            vec![Step::Executed { device_id: 1 }]
        );
        let late = steps(&s, 62_000, facts, 100);
        assert_eq!(late[0], Step::Executed { device_id: 1 });
        assert!(
            matches!(&late[1], Step::Failed { device_id: 2, reason } if reason.contains("within 60 s"))
        );
    }

    #[test]
    fn the_rest_waits_for_the_canary_and_a_bad_canary_halts() {
        let mut s = strategy(
            &[1, 2, 3, 4],
            RolloutPolicy {
                canary: 2,
                halt_failure_pct: 40,
                ..no_spread()
            },
        );
        assert_eq!(
            steps(&s, 2_000, |_| online("1.0"), 100),
            vec![Step::Start { device_id: 1 }, Step::Start { device_id: 2 }]
        );
        s.devices[0].status = DeviceUpgradeStatus::Executed;
        s.devices[1].status = DeviceUpgradeStatus::Processing;
        s.devices[1].started_at_ms = Some(2_000);
        assert!(
            steps(&s, 3_000, |_| online("1.0"), 100).is_empty(),
            "wave 1 waits"
        );
        s.devices[1].status = DeviceUpgradeStatus::Failed;
        let halted = steps(&s, 4_000, |_| online("1.0"), 100);
        assert!(
            matches!(&halted[..], [Step::Halt { reason }] if reason.contains("1 of 2") && reason.contains("canary")),
            "{halted:?}"
        );
        s.devices[1].status = DeviceUpgradeStatus::Executed;
        assert_eq!(
            steps(&s, 4_000, |_| online("1.0"), 100),
            vec![Step::Start { device_id: 3 }, Step::Start { device_id: 4 }]
        );
    }

    #[test]
    fn a_device_already_at_the_version_is_done_and_a_long_offline_one_fails() {
        let s = strategy(&[1, 2], no_spread());
        let facts = |id| match id {
            1 => online("2.0"),
            _ => DeviceFacts::default(),
        };
        assert_eq!(
            steps(&s, 2_000, facts, 100),
            vec![Step::Executed { device_id: 1 }]
        );
        let later = steps(&s, 1_000 + OFFLINE_GIVE_UP_MS + 1, facts, 100);
        assert!(matches!(&later[1], Step::Failed { device_id: 2, .. }));
    }
}
