//! `porter admin mail`: the outbox.

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// Every email queued (expiration and renewal notices, account invitations, password
    /// resets) and what became of it, newest first.
    Outbox {
        /// Messages older than this id.
        #[arg(long)]
        before: Option<u64>,
        #[arg(long)]
        limit: Option<u32>,
    },
}

impl MailCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let MailCmd::Outbox { before, limit } = self;
        ctx.print(ctx.mail().list_outbox(pb::ListOutboxRequest {
            before_id: before.unwrap_or(0),
            limit: limit.unwrap_or(0),
        }))
        .await
    }
}
