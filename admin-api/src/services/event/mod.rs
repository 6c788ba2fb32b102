//! EventService: what devices reported.

use porter_proto::admin::v1::{
    self as pb, device_event::Detail, event_service_server::EventService,
};
use porter_proto::device::v1 as d;
use porter_store::events::{EventFilter, EventKind};
use tonic::{Request, Response};

use crate::AdminApi;

mod live;
use crate::error::{ApiResult, invalid, status};

const KINDS: [&str; 6] = [
    "door_log",
    "call_log",
    "alarm",
    "arming_state",
    "relay_status",
    "capture",
];

fn detail(kind: EventKind) -> Detail {
    match kind {
        EventKind::DoorLog {
            relay,
            method,
            success,
            who,
            credential_id,
            offline,
        } => Detail::DoorLog(d::DoorLog {
            relay,
            method: d::UnlockMethod::from_str_name(&method).map_or(0, |m| m as i32),
            success,
            who,
            credential_id,
            offline,
        }),
        EventKind::CallLog {
            caller,
            callee,
            answered,
            duration_secs,
        } => Detail::CallLog(d::CallLog {
            caller,
            callee,
            answered,
            duration_secs,
        }),
        EventKind::Alarm {
            kind,
            zone,
            message,
        } => Detail::Alarm(d::Alarm {
            kind,
            zone,
            message,
        }),
        EventKind::ArmingState { mode } => Detail::ArmingState(d::ArmingState { mode }),
        EventKind::RelayStatus { relay, open } => {
            Detail::RelayStatus(d::RelayStatus { relay, open })
        }
        EventKind::Capture {
            reason,
            content_type,
            width,
            height,
            size,
        } => Detail::Capture(pb::CapturedImage {
            reason,
            content_type,
            width,
            height,
            size,
        }),
    }
}

#[tonic::async_trait]
impl EventService for AdminApi {
    async fn list_events(
        &self,
        request: Request<pb::ListEventsRequest>,
    ) -> ApiResult<pb::ListEventsResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        if !r.kind.is_empty() && !KINDS.contains(&r.kind.as_str()) {
            return Err(invalid(
                "kind",
                format!("must be one of {}", KINDS.join(", ")),
            ));
        }
        let filter = EventFilter {
            kind: r.kind,
            device_id: (r.device_id != 0).then_some(r.device_id),
            apartment_id: (r.apartment_id != 0).then_some(r.apartment_id),
            since_ms: (r.since_ms != 0).then_some(r.since_ms),
            until_ms: (r.until_ms != 0).then_some(r.until_ms),
        };
        let limit = if r.limit == 0 { 50 } else { r.limit as usize };
        let events = self
            .store
            .list_events(&actor, r.community_id, &filter, r.before_seq, limit)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListEventsResponse {
            events: events.into_iter().map(event_message).collect(),
        }))
    }

    async fn get_captured_image(
        &self,
        request: Request<pb::CapturedImageRef>,
    ) -> ApiResult<pb::CapturedImageFile> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let (content_type, data) = self
            .store
            .capture_image(&actor, r.community_id, r.seq)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CapturedImageFile { content_type, data }))
    }

    type WatchCommunityStream = live::UpdateStream;

    async fn watch_community(
        &self,
        request: Request<pb::WatchCommunityRequest>,
    ) -> ApiResult<Self::WatchCommunityStream> {
        let actor = self.actor(&request)?;
        let token = crate::auth::bearer(&request)?.to_owned();
        let community_id = request.into_inner().community_id;
        // Tenancy: another installer's community is NOT_FOUND, like everywhere else.
        self.store.community(&actor, community_id).map_err(status)?;
        // Devices going online and offline are anyone's who may see the community; the
        // events are the logs, Log Access Control's for a property manager.
        let with_events = self.store.require_log_access(&actor, community_id).is_ok();
        Ok(Response::new(live::updates(
            self.store.clone(),
            token,
            community_id,
            with_events,
        )))
    }
}

/// An event as the admin API shows it.
pub(crate) fn event_message(e: porter_store::events::DeviceEventRecord) -> pb::DeviceEvent {
    pb::DeviceEvent {
        seq: e.seq,
        device_id: e.device_id,
        device_name: e.device_name,
        mac: e.mac,
        apartment_id: e.apartment_id.unwrap_or(0),
        at_ms: e.at_ms,
        received_ms: e.received_ms,
        kind: e.kind.name().to_owned(),
        detail: Some(detail(e.kind)),
    }
}
