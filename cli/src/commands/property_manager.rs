//! `porter admin pm`: property manager accounts and their community assignments.

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::commands::shared::Lang;
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum PmCmd {
    /// New property manager; the login password is generated and shown once.
    Create {
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        language: Option<Lang>,
        #[arg(long)]
        monthly_password_reminder: bool,
    },
    /// Your property managers and their communities.
    List,
    /// Change a property manager's name, language or password reminder.
    Update {
        id: u64,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long)]
        language: Option<Lang>,
        #[arg(long)]
        monthly_password_reminder: Option<bool>,
    },
    /// Generate a new login password (shown once).
    ResetPassword { id: u64 },
    /// New SmartPlus app password, shown once (the app must be enabled in one of its
    /// communities).
    ResetAppPassword { id: u64 },
    /// Delete a property manager account.
    Delete { id: u64 },
    /// Assign to a community (or change the permissions there).
    Assign {
        id: u64,
        #[arg(long)]
        community: u64,
        #[arg(long)]
        app: bool,
        #[arg(long)]
        delete_accounts: bool,
        #[arg(long)]
        log_access: bool,
    },
    /// Take a community away from a property manager.
    Unassign {
        id: u64,
        #[arg(long)]
        community: u64,
    },
}

impl PmCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.property_managers();
        match self {
            PmCmd::Create {
                first_name,
                last_name,
                email,
                language,
                monthly_password_reminder,
            } => {
                ctx.print(c.create_property_manager(pb::CreatePropertyManagerRequest {
                    first_name,
                    last_name,
                    email,
                    language: language.map_or(0, |l| l.to_pb()),
                    monthly_password_reminder,
                }))
                .await?
            }
            PmCmd::List => ctx.print(c.list_property_managers(pb::Empty {})).await?,
            PmCmd::Update {
                id,
                first_name,
                last_name,
                language,
                monthly_password_reminder,
            } => {
                ctx.print(c.update_property_manager(pb::UpdatePropertyManagerRequest {
                    id,
                    first_name,
                    last_name,
                    language: language.map(|l| l.to_pb()),
                    monthly_password_reminder,
                }))
                .await?
            }
            PmCmd::ResetPassword { id } => {
                ctx.print(c.reset_property_manager_password(pb::PropertyManagerRef { id }))
                    .await?
            }
            PmCmd::ResetAppPassword { id } => {
                ctx.print(c.reset_property_manager_app_password(pb::PropertyManagerRef { id }))
                    .await?
            }
            PmCmd::Delete { id } => {
                ctx.done(c.delete_property_manager(pb::PropertyManagerRef { id }))
                    .await?;
            }
            PmCmd::Assign {
                id,
                community,
                app,
                delete_accounts,
                log_access,
            } => {
                ctx.print(c.assign_property_manager(pb::AssignPropertyManagerRequest {
                    community_id: community,
                    property_manager_id: id,
                    permissions: Some(pb::PropertyManagerPermissions {
                        app_enabled: app,
                        delete_accounts,
                        log_access,
                    }),
                }))
                .await?
            }
            PmCmd::Unassign { id, community } => {
                ctx.print(
                    c.unassign_property_manager(pb::UnassignPropertyManagerRequest {
                        community_id: community,
                        property_manager_id: id,
                    }),
                )
                .await?
            }
        }

        Ok(())
    }
}
