//! MailService: the outbox and what became of each message, newest first.

use porter_proto::admin::v1::{self as pb, mail_service_server::MailService};
use porter_store::outbox::{MailContent, MailMessage, MailState};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::error::{ApiResult, invalid, status};

const MAX_LIMIT: u32 = 500;
const DEFAULT_LIMIT: u32 = 50;

#[tonic::async_trait]
impl MailService for AdminApi {
    async fn list_outbox(
        &self,
        request: Request<pb::ListOutboxRequest>,
    ) -> ApiResult<pb::ListOutboxResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        if r.limit > MAX_LIMIT {
            return Err(invalid("limit", format!("must be at most {MAX_LIMIT}")));
        }
        let limit = if r.limit == 0 { DEFAULT_LIMIT } else { r.limit };
        let messages = self
            .store
            .outbox_page(&actor, r.before_id, limit as usize)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListOutboxResponse {
            messages: messages.into_iter().map(outbox_message).collect(),
        }))
    }
}

fn outbox_message(m: MailMessage) -> pb::OutboxMessage {
    let apartments = match &m.content {
        MailContent::ExpirationNotice { apartments, .. } => apartments.iter().collect(),
        MailContent::Renewal { apartment } | MailContent::AccountInvitation { apartment, .. } => {
            vec![apartment]
        }
        MailContent::PasswordReset { .. }
        | MailContent::ManagerAccount { .. }
        | MailContent::ManagerPasswordReset { .. } => Vec::new(),
    }
    .into_iter()
    .map(|a| format!("{} · {} · {}", a.community, a.building, a.apartment))
    .collect();
    let (next_attempt_ms, error) = match &m.state {
        MailState::Pending {
            next_attempt_ms,
            last_error,
            ..
        } => (*next_attempt_ms, last_error.clone()),
        MailState::Sent { .. } => (0, String::new()),
        MailState::Failed { error, .. } => (0, error.clone()),
    };
    pb::OutboxMessage {
        id: m.id,
        kind: m.content.kind(),
        to: m.to,
        to_name: m.to_name,
        language: m.language.tag().to_owned(),
        queued_ms: m.queued_ms,
        state: m.state.name().to_owned(),
        attempts: m.state.attempts(),
        settled_ms: m.state.settled_ms().unwrap_or(0),
        next_attempt_ms,
        error,
        apartments,
    }
}
