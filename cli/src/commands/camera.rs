//! `porter admin camera`: third-party RTSP cameras.

use clap::{Args, Subcommand};
use porter_proto::admin::v1 as pb;

use crate::commands::shared::Placement;
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Args)]
pub struct CameraArgs {
    #[arg(long)]
    name: Option<String>,
    /// rtsp://ip:port or rtsp://domain:port, path optional.
    #[arg(long)]
    rtsp_url: Option<String>,
    #[arg(long)]
    username: Option<String>,
    /// Read from PORTER_CAMERA_PASSWORD when not given here.
    #[arg(long, env = "PORTER_CAMERA_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// A door phone of the same area; 0 unlinks.
    #[arg(long)]
    linked_device: Option<u64>,
}

impl CameraArgs {
    pub fn into_pb(self) -> pb::CameraInput {
        pb::CameraInput {
            name: self.name,
            rtsp_url: self.rtsp_url,
            username: self.username,
            password: self.password,
            linked_device_id: self.linked_device,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CameraCmd {
    /// Add a camera to a public area (--public-area COMMUNITY), a building or an apartment.
    Create {
        #[arg(long, conflicts_with_all = ["building", "apartment"])]
        public_area: Option<u64>,
        #[arg(long, conflicts_with = "apartment")]
        building: Option<u64>,
        #[arg(long)]
        apartment: Option<u64>,
        #[command(flatten)]
        camera: CameraArgs,
    },
    /// Show one camera (its password is never shown).
    Get { id: u64 },
    /// Change a camera's name, RTSP address, credentials or linked device.
    Update {
        id: u64,
        #[command(flatten)]
        camera: CameraArgs,
    },
    /// Delete a camera.
    Delete { id: u64 },
    /// The cameras of a community, a building or an apartment.
    List {
        #[arg(long)]
        community: u64,
        #[arg(long)]
        public_only: bool,
        #[arg(long)]
        building: Option<u64>,
        #[arg(long)]
        apartment: Option<u64>,
        #[arg(long)]
        search: Option<String>,
    },
}

impl CameraCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.cameras();
        match self {
            CameraCmd::Create {
                public_area,
                building,
                apartment,
                camera,
            } => {
                use pb::create_camera_request::Scope;
                let scope =
                    match Placement::from_flags(public_area, Vec::new(), building, apartment)? {
                        Placement::PublicArea(p) => Scope::PublicArea(p),
                        Placement::Building(b) => Scope::BuildingId(b),
                        Placement::Apartment(a) => Scope::ApartmentId(a),
                    };
                ctx.print(c.create_camera(pb::CreateCameraRequest {
                    scope: Some(scope),
                    camera: Some(camera.into_pb()),
                }))
                .await?
            }
            CameraCmd::Get { id } => ctx.print(c.get_camera(pb::GetCameraRequest { id })).await?,
            CameraCmd::Update { id, camera } => {
                ctx.print(c.update_camera(pb::UpdateCameraRequest {
                    id,
                    camera: Some(camera.into_pb()),
                }))
                .await?
            }
            CameraCmd::Delete { id } => {
                ctx.done(c.delete_camera(pb::GetCameraRequest { id }))
                    .await?;
            }
            CameraCmd::List {
                community,
                public_only,
                building,
                apartment,
                search,
            } => {
                ctx.print(c.list_cameras(pb::ListCamerasRequest {
                    community_id: community,
                    public_only,
                    building_id: building.unwrap_or(0),
                    apartment_id: apartment.unwrap_or(0),
                    search: search.unwrap_or_default(),
                }))
                .await?
            }
        }

        Ok(())
    }
}
