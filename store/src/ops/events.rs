//! Device events: recorded by the gateway, listed by installers, pruned to a limit.

use super::require_pm_right;
use crate::directory::Actor;
use crate::error::{Result, StoreError};
use crate::events::{DeviceEventRecord, EventFilter, EventKind};
use crate::model::Id;
use crate::store::Store;

/// Largest page of events.
pub const MAX_EVENT_PAGE: usize = 500;
/// Events a list request may scan to fill a page (bounds narrow filters).
const MAX_EVENT_SCAN: usize = 50_000;

impl Store {
    /// Records what a device reported. Unknown devices (deleted meanwhile) are ignored.
    pub fn record_device_events(
        &self,
        device_id: Id,
        events: Vec<(i64, EventKind)>,
    ) -> Result<usize> {
        let Some(device) = self.read(|d| d.device(device_id).cloned()) else {
            return Ok(0);
        };
        let received = self.now_ms();
        let records: Vec<DeviceEventRecord> = events
            .into_iter()
            .map(|(at_ms, kind)| DeviceEventRecord {
                seq: self.next_event_seq(),
                community_id: device.community_id,
                device_id,
                device_name: device.name.clone(),
                mac: device.mac.clone(),
                apartment_id: device.apartment_id(),
                at_ms: if at_ms > 0 { at_ms } else { received },
                received_ms: received,
                kind,
            })
            .collect();
        self.backend().append_events(&records)?;
        let count = records.len();
        // Pages that show live state get each event; nobody listening costs nothing.
        if self.live_feed().receiver_count() > 0 {
            for record in records {
                let _ = self
                    .live_feed()
                    .send(crate::live::LiveUpdate::Event(std::sync::Arc::new(record)));
            }
        }
        Ok(count)
    }

    /// A community's events, newest first; `before_seq` 0 starts from the newest.
    pub fn list_events(
        &self,
        actor: &Actor,
        community_id: Id,
        filter: &EventFilter,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<DeviceEventRecord>> {
        self.read(|d| d.community_of(actor, community_id).map(|_| ()))?;
        // A property manager reads logs only where it is granted them.
        require_pm_right(actor, community_id, |p| p.log_access, "Log Access Control")?;
        if limit > MAX_EVENT_PAGE {
            return Err(StoreError::invalid(
                "limit",
                format!("must be at most {MAX_EVENT_PAGE}"),
            ));
        }
        let before = if before_seq == 0 {
            u64::MAX
        } else {
            before_seq
        };
        Ok(self.backend().events_page(
            community_id,
            before,
            filter,
            limit.max(1),
            MAX_EVENT_SCAN,
        )?)
    }

    /// Keeps the newest `keep` events of every community; returns how many went.
    pub fn prune_events(&self, keep: usize) -> Result<usize> {
        let communities: Vec<Id> = self.read(|d| d.all_community_ids());
        let mut removed = 0;
        for c in communities {
            removed += self.backend().prune_events(c, keep, &|_| false)?;
        }
        Ok(removed)
    }

    /// "Reset Apartment" removes the apartment's logs (door logs, calls, alarms).
    pub(crate) fn forget_apartment_events(
        &self,
        community_id: Id,
        apartment_id: Id,
    ) -> Result<usize> {
        Ok(self
            .backend()
            .prune_events(community_id, usize::MAX, &|e| {
                e.apartment_id == Some(apartment_id)
            })?)
    }
}
