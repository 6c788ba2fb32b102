//! `porter admin firmware`: the firmware list.

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum FirmwareCmd {
    /// Upload an image; its SHA-256 and size go with it, so a damaged transfer is refused.
    Upload {
        file: std::path::PathBuf,
        /// As devices report it, e.g. 29.30.2.805.
        #[arg(long)]
        version: String,
        /// A device model it installs on (repeat for several).
        #[arg(long = "model", required = true)]
        models: Vec<String>,
        #[arg(long, default_value = "")]
        change_log: String,
    },
    /// Newest first.
    List {
        #[arg(long)]
        model: Option<String>,
    },
    /// Show one firmware image.
    Get { id: u64 },
    /// Delete a firmware image.
    Delete { id: u64 },
    /// A time-limited HTTPS link through which one device downloads the image.
    DownloadUrl {
        /// The firmware.
        id: u64,
        #[arg(long)]
        device: u64,
        /// How long the link works, 60 s to 7 days (default 24 h).
        #[arg(long)]
        valid_secs: Option<u32>,
    },
}

impl FirmwareCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.firmware();
        match self {
            FirmwareCmd::Upload {
                file,
                version,
                models,
                change_log,
            } => {
                let header = pb::FirmwareHeader {
                    version,
                    models,
                    change_log,
                    ..Default::default()
                };
                let bar = crate::progress::bytes(ctx.json(), 0, "uploading");
                let request = crate::upload::request(&file, header, bar.clone()).await?;
                let stored = c.upload_firmware(request).await;
                bar.finish_and_clear();
                ctx.show(&stored?.into_inner()).await
            }
            FirmwareCmd::List { model } => {
                ctx.print(c.list_firmware(pb::ListFirmwareRequest {
                    model: model.unwrap_or_default(),
                }))
                .await
            }
            FirmwareCmd::Get { id } => {
                ctx.print(c.get_firmware(pb::FirmwareRef { firmware_id: id }))
                    .await
            }
            FirmwareCmd::Delete { id } => {
                ctx.print(c.delete_firmware(pb::FirmwareRef { firmware_id: id }))
                    .await
            }
            FirmwareCmd::DownloadUrl {
                id,
                device,
                valid_secs,
            } => {
                ctx.print(c.get_download_url(pb::GetDownloadUrlRequest {
                    firmware_id: id,
                    device_id: device,
                    valid_secs: valid_secs.unwrap_or(0),
                }))
                .await
            }
        }
    }
}
