//! `porter admin audit`: the audit trail.

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Audit entries, newest first.
    List {
        /// Entries older than this sequence number.
        #[arg(long)]
        before: Option<u64>,
        #[arg(long)]
        limit: Option<u32>,
    },
}

impl AuditCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let AuditCmd::List { before, limit } = self;
        ctx.print(ctx.audit().list_audit(pb::ListAuditRequest {
            before_seq: before.unwrap_or(0),
            limit: limit.unwrap_or(0),
        }))
        .await
    }
}
