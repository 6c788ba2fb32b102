//! `porter admin device-settings`: a device's Settings dialog (connection type, AutoP
//! commands, one-time AutoP).

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::commands::shared::Transport;
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Show a device's connection type, AutoP commands and pending one-time AutoP.
    Get { id: u64 },
    /// Change the connection type and/or replace the AutoP commands.
    Set {
        id: u64,
        #[arg(long, value_enum)]
        connection_type: Option<Transport>,
        /// A file of `Key = value` lines ("-" for standard input).
        #[arg(long)]
        autop_file: Option<std::path::PathBuf>,
        /// The device's client certificate (PEM file) for the AutoP client-certificate
        /// listener; an empty file removes it.
        #[arg(long)]
        client_certificate: Option<std::path::PathBuf>,
    },
    /// Commands for the device's next AutoP file only.
    OneTimeAutop {
        id: u64,
        /// `Key = value` lines.
        commands: String,
    },
}

impl SettingsCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.device_settings();
        match self {
            SettingsCmd::Get { id } => {
                ctx.print(c.get_device_settings(pb::GetDeviceRequest { id }))
                    .await
            }
            SettingsCmd::Set {
                id,
                connection_type,
                autop_file,
                client_certificate,
            } => {
                let autop_commands = match autop_file {
                    None => None,
                    Some(path) if path.as_os_str() == "-" => Some(
                        std::io::read_to_string(std::io::stdin())
                            .map_err(|e| CliError::io("reading standard input", e))?,
                    ),
                    Some(path) => Some(
                        std::fs::read_to_string(&path)
                            .map_err(|e| CliError::io(format!("reading {}", path.display()), e))?,
                    ),
                };
                let connection_type = connection_type.map_or(
                    pb::SipTransportType::Unspecified,
                    pb::SipTransportType::from,
                );
                ctx.print(c.update_device_settings(pb::UpdateDeviceSettingsRequest {
                    device_id: id,
                    connection_type: connection_type as i32,
                    autop_commands,
                    client_certificate_pem: match client_certificate {
                        None => None,
                        Some(path) => {
                            Some(std::fs::read_to_string(&path).map_err(|e| {
                                CliError::io(format!("reading {}", path.display()), e)
                            })?)
                        }
                    },
                }))
                .await
            }
            SettingsCmd::OneTimeAutop { id, commands } => {
                ctx.print(c.add_one_time_autop(pb::AddOneTimeAutopRequest {
                    device_id: id,
                    commands,
                }))
                .await
            }
        }
    }
}
