//! `porter admin building`: the buildings of a community.

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum BuildingCmd {
    Create {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        name: String,
    },
    Rename {
        id: u64,
        #[arg(long)]
        name: String,
    },
    /// Refused while the building holds apartments, unless --cascade.
    Delete {
        id: u64,
        #[arg(long)]
        cascade: bool,
    },
    List {
        #[arg(long)]
        community: u64,
    },
}

impl BuildingCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.building();
        match self {
            BuildingCmd::Create { community, name } => {
                ctx.print(c.create_building(pb::CreateBuildingRequest {
                    community_id: community,
                    name,
                }))
                .await?
            }
            BuildingCmd::Rename { id, name } => {
                ctx.print(c.rename_building(pb::RenameBuildingRequest { id, name }))
                    .await?
            }
            BuildingCmd::Delete { id, cascade } => {
                ctx.done(c.delete_building(pb::DeleteBuildingRequest { id, cascade }))
                    .await?;
            }
            BuildingCmd::List { community } => {
                ctx.print(c.list_buildings(pb::ListBuildingsRequest {
                    community_id: community,
                }))
                .await?
            }
        }

        Ok(())
    }
}
