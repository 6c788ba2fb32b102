//! What devices report (door logs, call logs, alarms, arming, relay status), kept per
//! community with a retention limit. Events are a stream, not directory records: they are
//! appended without waiting for a flush (sled writes them within its flush interval) and
//! read newest first from the backend; nothing of them is held in memory.

use serde::{Deserialize, Serialize};

use crate::model::Id;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    DoorLog {
        relay: u32,
        method: String,
        success: bool,
        who: String,
        /// The access credential that opened (0: none), named in `who` by its holder.
        #[serde(default)]
        credential_id: u64,
        /// Recorded by the device while the cloud was unreachable.
        #[serde(default)]
        offline: bool,
    },
    CallLog {
        caller: String,
        callee: String,
        answered: bool,
        duration_secs: u32,
    },
    Alarm {
        kind: String,
        zone: String,
        message: String,
    },
    ArmingState {
        mode: String,
    },
    RelayStatus {
        relay: u32,
        open: bool,
    },
    /// A picture the device took (`crate::ops::captures`); the bytes are kept under
    /// `capture_image_key`.
    Capture {
        /// door_log, call or motion: what made the device take it.
        reason: String,
        content_type: String,
        width: u32,
        height: u32,
        size: u32,
    },
}

impl EventKind {
    /// The name filters use: door_log, call_log, alarm, arming_state, relay_status, capture.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::DoorLog { .. } => "door_log",
            EventKind::CallLog { .. } => "call_log",
            EventKind::Alarm { .. } => "alarm",
            EventKind::ArmingState { .. } => "arming_state",
            EventKind::RelayStatus { .. } => "relay_status",
            EventKind::Capture { .. } => "capture",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceEventRecord {
    /// Increases with time; unique within a community.
    pub seq: u64,
    pub community_id: Id,
    pub device_id: Id,
    pub device_name: String,
    pub mac: String,
    pub apartment_id: Option<Id>,
    /// When it happened, by the device's clock.
    pub at_ms: i64,
    /// When the gateway received it.
    pub received_ms: i64,
    pub kind: EventKind,
}

pub const EVENT_PREFIX: &str = "event/";

pub fn event_key(community_id: Id, seq: u64) -> String {
    format!("{EVENT_PREFIX}{community_id:016x}/{seq:016x}")
}

/// Where a captured image's bytes are: in the blob space, so loading the directory skips
/// them, named like the event.
pub const CAPTURE_IMAGE_PREFIX: &str = "blob/capture/";

pub fn capture_image_key(community_id: Id, seq: u64) -> String {
    format!("{CAPTURE_IMAGE_PREFIX}{community_id:016x}/{seq:016x}")
}

/// The image key that goes with an event's key (only a capture has an image there).
pub fn capture_image_key_of(event_key: &[u8]) -> Vec<u8> {
    let rest = event_key
        .strip_prefix(EVENT_PREFIX.as_bytes())
        .unwrap_or(event_key);
    [CAPTURE_IMAGE_PREFIX.as_bytes(), rest].concat()
}

/// Which events a list shows.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// door_log, call_log, alarm, arming_state, relay_status, capture; empty for all.
    pub kind: String,
    pub device_id: Option<Id>,
    pub apartment_id: Option<Id>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

impl EventFilter {
    pub fn matches(&self, e: &DeviceEventRecord) -> bool {
        (self.kind.is_empty() || self.kind == e.kind.name())
            && self.device_id.is_none_or(|d| d == e.device_id)
            && self.apartment_id.is_none_or(|a| Some(a) == e.apartment_id)
            && self.since_ms.is_none_or(|t| e.at_ms >= t)
            && self.until_ms.is_none_or(|t| e.at_ms < t)
    }
}

/// Events kept per community by default; older ones are pruned.
pub const DEFAULT_EVENTS_PER_COMMUNITY: usize = 100_000;
