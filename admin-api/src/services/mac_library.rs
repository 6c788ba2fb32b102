//! MacLibraryService.

use porter_proto::admin::v1::{self as pb, mac_library_service_server::MacLibraryService};
use porter_store::{MacView, StoreError};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, status};

pub(crate) fn mac_pb(v: &MacView) -> pb::MacEntry {
    pb::MacEntry {
        mac: v.entry.mac.clone(),
        installer: v.installer.clone(),
        owner: v.owner.clone(),
        created_at_ms: v.entry.created_at_ms,
    }
}

#[tonic::async_trait]
impl MacLibraryService for AdminApi {
    async fn add_mac(&self, request: Request<pb::AddMacRequest>) -> ApiResult<pb::MacEntry> {
        let actor = self.actor(&request)?;
        let view = self
            .store
            .add_mac(&actor, &request.into_inner().mac)
            .await
            .map_err(status)?;
        Ok(Response::new(mac_pb(&view)))
    }

    async fn import_macs(
        &self,
        request: Request<pb::ImportMacsRequest>,
    ) -> ApiResult<pb::ImportMacsResponse> {
        let actor = self.actor(&request)?;
        let file = request.into_inner().file;
        match self.store.import_macs(&actor, &file).await {
            Ok(done) => Ok(Response::new(pb::ImportMacsResponse {
                committed: true,
                added: done.added,
                already_present: done.already_present,
                errors: Vec::new(),
            })),
            Err(StoreError::Rows(rows)) => Ok(Response::new(pb::ImportMacsResponse {
                committed: false,
                errors: convert::row_errors(rows),
                ..Default::default()
            })),
            Err(e) => Err(status(e)),
        }
    }

    async fn list_macs(
        &self,
        request: Request<pb::ListMacsRequest>,
    ) -> ApiResult<pb::ListMacsResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let page = convert::page(r.page)?;
        let result = self.store.list_macs(&actor, &r.search, page);
        Ok(Response::new(pb::ListMacsResponse {
            entries: result.items.iter().map(mac_pb).collect(),
            total: result.total,
        }))
    }

    async fn delete_mac(&self, request: Request<pb::DeleteMacRequest>) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_mac(&actor, &request.into_inner().mac)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }
}
