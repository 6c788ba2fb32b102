//! UpgradeService: the Upgrade module (upgrade strategies of a community).

use porter_proto::admin::v1::{self as pb, upgrade_service_server::UpgradeService};
use porter_store::model::{DeviceUpgradeStatus, RolloutPolicy, UpgradeStrategy, UpgradeTiming};
use porter_store::{Actor, StoreError, UpgradeFilter, UpgradeInput};
use tonic::{Request, Response, Status};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

fn device_status(s: DeviceUpgradeStatus) -> pb::UpgradeStatus {
    match s {
        DeviceUpgradeStatus::Pending => pb::UpgradeStatus::Pending,
        DeviceUpgradeStatus::Processing => pb::UpgradeStatus::Processing,
        DeviceUpgradeStatus::Executed => pb::UpgradeStatus::Executed,
        DeviceUpgradeStatus::Failed => pb::UpgradeStatus::Failed,
    }
}

fn policy_pb(p: &RolloutPolicy) -> pb::RolloutPolicy {
    pb::RolloutPolicy {
        canary: Some(p.canary),
        max_concurrent: Some(p.max_concurrent),
        start_spread_secs: Some(p.start_spread_secs),
        halt_failure_pct: Some(p.halt_failure_pct),
        device_timeout_secs: Some(p.device_timeout_secs),
    }
}

fn policy(p: Option<pb::RolloutPolicy>) -> RolloutPolicy {
    let p = p.unwrap_or_default();
    let d = RolloutPolicy::default();
    RolloutPolicy {
        canary: p.canary.unwrap_or(d.canary),
        max_concurrent: p.max_concurrent.unwrap_or(d.max_concurrent),
        start_spread_secs: p.start_spread_secs.unwrap_or(d.start_spread_secs),
        halt_failure_pct: p.halt_failure_pct.unwrap_or(d.halt_failure_pct),
        device_timeout_secs: p.device_timeout_secs.unwrap_or(d.device_timeout_secs),
    }
}

impl AdminApi {
    fn upgrade_pb(&self, s: &UpgradeStrategy) -> pb::UpgradeStrategy {
        let devices = self.store.read(|dir| {
            s.devices
                .iter()
                .map(|d| {
                    let device = dir.device(d.device_id);
                    pb::DeviceUpgrade {
                        device_id: d.device_id,
                        name: device.map(|x| x.name.clone()).unwrap_or_default(),
                        mac: device.map(|x| x.mac.clone()).unwrap_or_default(),
                        status: device_status(d.status) as i32,
                        reason: d.reason.clone(),
                        wave: u32::from(d.wave),
                        not_before_ms: d.not_before_ms,
                        started_at_ms: d.started_at_ms.unwrap_or(0),
                        finished_at_ms: d.finished_at_ms.unwrap_or(0),
                    }
                })
                .collect()
        });
        pb::UpgradeStrategy {
            id: s.id,
            community_id: s.community_id,
            firmware_id: s.firmware_id,
            version: s.version.clone(),
            model: s.model.clone(),
            devices,
            at_local: match &s.timing {
                UpgradeTiming::Now => String::new(),
                UpgradeTiming::At { local, .. } => local.clone(),
            },
            start_at_ms: s.start_ms(),
            reset_after_upgrade: s.reset_after_upgrade,
            policy: Some(policy_pb(&s.policy)),
            status: convert::strategy_status_pb(s.status()),
            halted_reason: s.halted.clone().unwrap_or_default(),
            created_at_ms: s.created_at_ms,
        }
    }

    /// The request as store input, after checking each device is of the model (as it
    /// last told the gateway): a wrong image would not install, or worse.
    fn upgrade_input(
        &self,
        actor: &Actor,
        r: Option<pb::UpgradeRequest>,
    ) -> Result<UpgradeInput, Status> {
        let r = r.ok_or_else(|| invalid("upgrade", "is required"))?;
        let model = r.model.trim().to_ascii_uppercase();
        for &id in &r.device_ids {
            let device = self.store.device(actor, id).map_err(status)?.device;
            let seen = self
                .presence
                .as_ref()
                .and_then(|p| p.presence(device.id, &device.mac))
                .map(|p| p.model.to_ascii_uppercase())
                .filter(|m| !m.is_empty());
            match seen {
                Some(m) if m == model => {}
                Some(m) => {
                    return Err(invalid(
                        "device_ids",
                        format!(
                            "device {} ({}) is a {m}, not a {model}",
                            device.name, device.mac
                        ),
                    ));
                }
                None => {
                    return Err(invalid(
                        "device_ids",
                        format!(
                            "device {} ({}) has not connected since the server started, so its model is unknown",
                            device.name, device.mac
                        ),
                    ));
                }
            }
        }
        Ok(UpgradeInput {
            community_id: r.community_id,
            firmware_id: r.firmware_id,
            model,
            device_ids: r.device_ids,
            at_local: Some(r.at_local).filter(|a| !a.trim().is_empty()),
            reset_after_upgrade: r.reset_after_upgrade,
            policy: policy(r.policy),
        })
    }
}

#[tonic::async_trait]
impl UpgradeService for AdminApi {
    async fn list_upgrade_candidates(
        &self,
        request: Request<pb::ListUpgradeCandidatesRequest>,
    ) -> ApiResult<pb::ListUpgradeCandidatesResponse> {
        let actor = self.actor(&request)?;
        self.store
            .require_staff(&actor, "manage upgrades")
            .map_err(status)?;
        let r = request.into_inner();
        let model = r.model.trim().to_ascii_uppercase();
        let devices: Vec<(u64, String, String, String)> = self
            .store
            .read(|dir| {
                dir.community_of(&actor, r.community_id)?;
                Ok::<_, StoreError>(
                    dir.devices_of_community(r.community_id)
                        .map(|d| {
                            (
                                d.id,
                                d.name.clone(),
                                d.mac.clone(),
                                dir.device_owner_label(d),
                            )
                        })
                        .collect(),
                )
            })
            .map_err(status)?;
        let candidates = devices
            .into_iter()
            .filter_map(|(device_id, name, mac, owner)| {
                let p = self.presence.as_ref()?.presence(device_id, &mac)?;
                (model.is_empty() || p.model.eq_ignore_ascii_case(&model)).then_some(
                    pb::UpgradeCandidate {
                        device_id,
                        name,
                        mac,
                        model: p.model,
                        firmware_version: p.firmware_version,
                        online: p.online,
                        owner,
                    },
                )
            })
            .collect();
        Ok(Response::new(pb::ListUpgradeCandidatesResponse {
            devices: candidates,
        }))
    }

    async fn create_upgrade(
        &self,
        request: Request<pb::UpgradeRequest>,
    ) -> ApiResult<pb::UpgradeStrategy> {
        let actor = self.actor(&request)?;
        self.store
            .require_staff(&actor, "manage upgrades")
            .map_err(status)?;
        let input = self.upgrade_input(&actor, Some(request.into_inner()))?;
        let s = self
            .store
            .create_upgrade_strategy(&actor, input)
            .await
            .map_err(status)?;
        Ok(Response::new(self.upgrade_pb(&s)))
    }

    async fn update_upgrade(
        &self,
        request: Request<pb::UpdateUpgradeRequest>,
    ) -> ApiResult<pb::UpgradeStrategy> {
        let actor = self.actor(&request)?;
        self.store
            .require_staff(&actor, "manage upgrades")
            .map_err(status)?;
        let r = request.into_inner();
        let input = self.upgrade_input(&actor, r.upgrade)?;
        let s = self
            .store
            .update_upgrade_strategy(&actor, r.id, input)
            .await
            .map_err(status)?;
        Ok(Response::new(self.upgrade_pb(&s)))
    }

    async fn get_upgrade(
        &self,
        request: Request<pb::UpgradeRef>,
    ) -> ApiResult<pb::UpgradeStrategy> {
        let actor = self.actor(&request)?;
        let s = self
            .store
            .upgrade_strategy(&actor, request.get_ref().id)
            .map_err(status)?;
        Ok(Response::new(self.upgrade_pb(&s)))
    }

    async fn list_upgrades(
        &self,
        request: Request<pb::ListUpgradesRequest>,
    ) -> ApiResult<pb::ListUpgradesResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let status_filter = convert::strategy_status("status", r.status)?;
        let list = self
            .store
            .list_upgrade_strategies(
                &actor,
                r.community_id,
                &UpgradeFilter {
                    status: status_filter,
                    version: r.version,
                },
            )
            .map_err(status)?;
        Ok(Response::new(pb::ListUpgradesResponse {
            upgrades: list.iter().map(|s| self.upgrade_pb(s)).collect(),
        }))
    }

    async fn delete_upgrade(&self, request: Request<pb::UpgradeRef>) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_upgrade_strategy(&actor, request.get_ref().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }
}
