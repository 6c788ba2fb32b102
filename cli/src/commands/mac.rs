//! `porter admin mac`: the MAC library.

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::commands::shared::PageArgs;
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum MacCmd {
    /// Add one MAC to your library.
    Add { mac: String },
    /// Import a CSV or XLSX file with a MAC column (all or nothing).
    Import { file: std::path::PathBuf },
    /// Your MAC library with each MAC's owner.
    List {
        /// Any part of the MAC.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Remove a MAC that no device uses.
    Delete { mac: String },
}

impl MacCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.macs().max_encoding_message_size(usize::MAX);
        match self {
            MacCmd::Add { mac } => ctx.print(c.add_mac(pb::AddMacRequest { mac })).await?,
            MacCmd::Import { file } => {
                let bytes = std::fs::read(&file)
                    .map_err(|e| CliError::io(format!("reading {}", file.display()), e))?;
                let spinner = crate::progress::waiting(
                    ctx.json(),
                    &format!("importing {} ({} bytes)", file.display(), bytes.len()),
                );
                let report = c.import_macs(pb::ImportMacsRequest { file: bytes }).await;
                spinner.finish_and_clear();
                let report = report?.into_inner();
                ctx.show(&report).await?;
                if !report.committed {
                    crate::bail!("{} bad row(s); nothing was imported", report.errors.len());
                }
            }
            MacCmd::List { search, page } => {
                ctx.print(c.list_macs(pb::ListMacsRequest {
                    search: search.unwrap_or_default(),
                    page: Some(page.into_pb()),
                }))
                .await?
            }
            MacCmd::Delete { mac } => {
                ctx.done(c.delete_mac(pb::DeleteMacRequest { mac })).await?;
            }
        }

        Ok(())
    }
}
