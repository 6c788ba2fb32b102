//! AuditService: who changed what, newest first.

use porter_proto::admin::v1::{self as pb, audit_service_server::AuditService};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::error::{ApiResult, invalid, status};

const MAX_LIMIT: u32 = 500;
const DEFAULT_LIMIT: u32 = 50;

#[tonic::async_trait]
impl AuditService for AdminApi {
    async fn list_audit(
        &self,
        request: Request<pb::ListAuditRequest>,
    ) -> ApiResult<pb::ListAuditResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        if r.limit > MAX_LIMIT {
            return Err(invalid("limit", format!("must be at most {MAX_LIMIT}")));
        }
        let limit = if r.limit == 0 { DEFAULT_LIMIT } else { r.limit };
        let entries = self
            .store
            .audit_page(&actor, r.before_seq, limit as usize)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListAuditResponse {
            entries: entries
                .into_iter()
                .map(|e| pb::AuditEntry {
                    seq: e.seq,
                    at_ms: e.at_ms,
                    account_id: e.account_id,
                    username: e.username,
                    action: e.action,
                    target: e.target,
                    detail: e.detail,
                })
                .collect(),
        }))
    }
}
