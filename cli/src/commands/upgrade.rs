//! `porter admin upgrade`: upgrade strategies of a community.

use clap::{Subcommand, ValueEnum};
use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UpgradeStatusArg {
    Pending,
    Processing,
    Executed,
    Failed,
    Halted,
}

#[derive(Debug, clap::Args)]
pub struct UpgradeArgs {
    #[arg(long)]
    pub community: u64,
    #[arg(long)]
    pub firmware: u64,
    #[arg(long)]
    pub model: String,
    /// A device to upgrade (repeat for several).
    #[arg(long = "device", required = true)]
    pub devices: Vec<u64>,
    /// "YYYY-MM-DD HH:MM" in the community's time zone (default: right now).
    #[arg(long)]
    pub at: Option<String>,
    #[arg(long)]
    pub reset_after_upgrade: bool,
    /// Devices in a first wave; the rest wait until it finished.
    #[arg(long)]
    pub canary: Option<u32>,
    #[arg(long)]
    pub max_concurrent: Option<u32>,
    #[arg(long)]
    pub start_spread_secs: Option<u32>,
    #[arg(long)]
    pub halt_failure_pct: Option<u32>,
    #[arg(long)]
    pub device_timeout_secs: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum UpgradeCmd {
    /// The devices of a model in a community, with the version they last reported.
    Candidates {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        model: String,
    },
    /// Create an upgrade strategy: which devices, which image, when and how fast.
    Create(UpgradeArgs),
    /// Edit a strategy none of whose devices has started.
    Update {
        id: u64,
        #[command(flatten)]
        upgrade: UpgradeArgs,
    },
    /// Show an upgrade strategy with each device's status.
    Get { id: u64 },
    /// Newest first.
    List {
        #[arg(long)]
        community: u64,
        #[arg(long, value_enum)]
        status: Option<UpgradeStatusArg>,
        /// Part of a version.
        #[arg(long)]
        version: Option<String>,
    },
    /// Delete an upgrade strategy (devices already upgraded keep their firmware).
    Delete { id: u64 },
}

fn upgrade_request(a: UpgradeArgs) -> pb::UpgradeRequest {
    pb::UpgradeRequest {
        community_id: a.community,
        firmware_id: a.firmware,
        model: a.model,
        device_ids: a.devices,
        at_local: a.at.unwrap_or_default(),
        reset_after_upgrade: a.reset_after_upgrade,
        policy: Some(pb::RolloutPolicy {
            canary: a.canary,
            max_concurrent: a.max_concurrent,
            start_spread_secs: a.start_spread_secs,
            halt_failure_pct: a.halt_failure_pct,
            device_timeout_secs: a.device_timeout_secs,
        }),
    }
}

impl UpgradeCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.upgrades();
        match self {
            UpgradeCmd::Candidates { community, model } => {
                ctx.print(c.list_upgrade_candidates(pb::ListUpgradeCandidatesRequest {
                    community_id: community,
                    model,
                }))
                .await
            }
            UpgradeCmd::Create(a) => ctx.print(c.create_upgrade(upgrade_request(a))).await,
            UpgradeCmd::Update { id, upgrade } => {
                ctx.print(c.update_upgrade(pb::UpdateUpgradeRequest {
                    id,
                    upgrade: Some(upgrade_request(upgrade)),
                }))
                .await
            }
            UpgradeCmd::Get { id } => ctx.print(c.get_upgrade(pb::UpgradeRef { id })).await,
            UpgradeCmd::List {
                community,
                status,
                version,
            } => {
                let status = status.map_or(pb::UpgradeStatus::Unspecified, |s| match s {
                    UpgradeStatusArg::Pending => pb::UpgradeStatus::Pending,
                    UpgradeStatusArg::Processing => pb::UpgradeStatus::Processing,
                    UpgradeStatusArg::Executed => pb::UpgradeStatus::Executed,
                    UpgradeStatusArg::Failed => pb::UpgradeStatus::Failed,
                    UpgradeStatusArg::Halted => pb::UpgradeStatus::Halted,
                });
                ctx.print(c.list_upgrades(pb::ListUpgradesRequest {
                    community_id: community,
                    status: status as i32,
                    version: version.unwrap_or_default(),
                }))
                .await
            }
            UpgradeCmd::Delete { id } => ctx.print(c.delete_upgrade(pb::UpgradeRef { id })).await,
        }
    }
}
