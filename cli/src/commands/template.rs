//! `porter admin template`: the resident and device import template.

use clap::{Subcommand, ValueEnum};
use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum TemplateKind {
    #[default]
    Xlsx,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Save the empty template.
    Download {
        #[arg(long, value_enum, default_value_t)]
        format: TemplateKind,
        /// Where to write it (default: the server's file name, in the current directory).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Import a filled-in template (CSV or XLSX) into a community: all or nothing.
    Import {
        #[arg(long)]
        community: u64,
        file: std::path::PathBuf,
    },
}

impl TemplateCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx
            .templates()
            .max_encoding_message_size(usize::MAX)
            .max_decoding_message_size(64 * 1024 * 1024);
        match self {
            TemplateCmd::Download { format, out } => {
                let format = match format {
                    TemplateKind::Xlsx => pb::TemplateFormat::Xlsx,
                    TemplateKind::Csv => pb::TemplateFormat::Csv,
                };
                let spinner = crate::progress::waiting(ctx.json(), "downloading the template");
                let file = c
                    .download_template(pb::DownloadTemplateRequest {
                        format: format as i32,
                    })
                    .await;
                spinner.finish_and_clear();
                let file = file?.into_inner();
                let path = out.unwrap_or_else(|| std::path::PathBuf::from(&file.filename));
                std::fs::write(&path, &file.content)
                    .map_err(|e| CliError::io(format!("writing {}", path.display()), e))?;
                ctx.emit(serde_json::json!({
                    "saved": path.display().to_string(),
                    "bytes": file.content.len(),
                }))
                .await?;
            }
            TemplateCmd::Import { community, file } => {
                let bytes = std::fs::read(&file)
                    .map_err(|e| CliError::io(format!("reading {}", file.display()), e))?;
                let spinner = crate::progress::waiting(
                    ctx.json(),
                    &format!("importing {} ({} bytes)", file.display(), bytes.len()),
                );
                let report = c
                    .import_template(pb::ImportTemplateRequest {
                        community_id: community,
                        file: bytes,
                    })
                    .await;
                spinner.finish_and_clear();
                let report = report?.into_inner();
                ctx.show(&report).await?;
                if !report.committed {
                    crate::bail!("{} bad row(s); nothing was imported", report.errors.len());
                }
            }
        }

        Ok(())
    }
}
