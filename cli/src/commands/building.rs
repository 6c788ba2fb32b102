//! `porter admin building`: the buildings of a community.

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum BuildingCmd {
    /// Add a building to a community (+ Add Building).
    Create {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        name: String,
    },
    /// Rename a building.
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
    /// The buildings of a community with their apartment and device counts.
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
                let gone = find(ctx, id).await?;
                if cascade {
                    let what = format!(
                        "Building {id} ({}) will be deleted with its {} apartment(s), their residents and {} device(s)",
                        gone.name, gone.apartment_count, gone.device_count
                    );
                    crate::confirm::confirm(ctx.yes, &what, crate::confirm::DELETE)?;
                }
                c.delete_building(pb::DeleteBuildingRequest { id, cascade })
                    .await?;
                ctx.emit(serde_json::json!({
                    "deleted_building": { "id": id, "name": gone.name },
                    "apartments": gone.apartment_count,
                    "devices": gone.device_count,
                }))
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

/// Building `id`, looked up among the installer's communities (there is no call for one
/// building alone).
async fn find(ctx: &Ctx, id: u64) -> Result<pb::Building, CliError> {
    let communities = ctx
        .community()
        .list_communities(pb::ListCommunitiesRequest::default())
        .await?
        .into_inner()
        .communities;
    let mut buildings = ctx.building();
    for community in communities.iter().filter(|c| c.building_count > 0) {
        let listed = buildings
            .list_buildings(pb::ListBuildingsRequest {
                community_id: community.id,
            })
            .await?
            .into_inner();
        if let Some(b) = listed.buildings.into_iter().find(|b| b.id == id) {
            return Ok(b);
        }
    }
    Err(CliError::Status {
        code: tonic::Code::NotFound,
        message: format!("building {id} not found"),
        field: Some("id".into()),
    })
}
