//! Device events: recorded by the gateway, listed by installers, pruned to a limit.

use crate::directory::Actor;
use crate::error::{Result, StoreError};
use crate::events::{DeviceEventRecord, EventFilter, EventKind};
use crate::model::{Device, Id};
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
        self.record_events(device_id, events, None)
    }

    /// A door log of `device_id` the server writes itself (a remote unlock); `apartment_id`
    /// is the apartment whose end user asked, whose logs it joins.
    pub fn record_server_door_log(
        &self,
        device_id: Id,
        apartment_id: Option<Id>,
        entry: EventKind,
    ) -> Result<usize> {
        self.record_events(device_id, vec![(0, entry)], apartment_id)
    }

    fn record_events(
        &self,
        device_id: Id,
        events: Vec<(i64, EventKind)>,
        apartment_id: Option<Id>,
    ) -> Result<usize> {
        let Some(device) = self.read(|d| d.device(device_id).cloned()) else {
            return Ok(0);
        };
        let received = self.now_ms();
        let events = self.read(|dir| {
            events
                .into_iter()
                .map(|(at, kind)| {
                    let kind = name_credential_holder(dir, device.community_id, kind);
                    let apartment = apartment_id.or_else(|| event_apartment(dir, &device, &kind));
                    (at, kind, apartment)
                })
                .collect::<Vec<_>>()
        });
        let records: Vec<DeviceEventRecord> = events
            .into_iter()
            .map(|(at_ms, kind, apartment)| {
                let mut record = self.event_record(&device, at_ms, received, kind);
                record.apartment_id = apartment;
                record
            })
            .collect();
        self.backend().append_events(&records)?;
        let count = records.len();
        for record in records {
            self.publish_event(record);
        }
        Ok(count)
    }

    /// A new event of `device` at `at_ms` by its clock (0 or less: `received`).
    pub(crate) fn event_record(
        &self,
        device: &Device,
        at_ms: i64,
        received: i64,
        kind: EventKind,
    ) -> DeviceEventRecord {
        DeviceEventRecord {
            seq: self.next_event_seq(),
            community_id: device.community_id,
            device_id: device.id,
            device_name: device.name.clone(),
            mac: device.mac.clone(),
            apartment_id: device.apartment_id(),
            at_ms: if at_ms > 0 { at_ms } else { received },
            received_ms: received,
            kind,
        }
    }

    /// Pages that show live state get each event; nobody listening costs nothing.
    pub(crate) fn publish_event(&self, record: DeviceEventRecord) {
        if self.live_feed().receiver_count() > 0 {
            let _ = self
                .live_feed()
                .send(crate::live::LiveUpdate::Event(std::sync::Arc::new(record)));
        }
    }

    /// A key's use, from the door log: the count moves on (and with it the community's
    /// credential version, so every door learns how many uses are left). Unknown ids and
    /// credentials of another community than the device's are ignored.
    pub async fn count_credential_use(&self, device_id: Id, credential_id: Id) -> Result<()> {
        self.write(|dir, txn| {
            let Some(device) = dir.device(device_id) else {
                return Ok(());
            };
            let Some(c) = dir
                .credentials()
                .get(credential_id)
                .filter(|c| c.community_id == device.community_id && c.key.is_some())
            else {
                return Ok(());
            };
            let mut c = c.clone();
            if let Some(k) = c.key.as_mut() {
                k.uses = k.uses.saturating_add(1);
            }
            let mut changed = [c];
            crate::ops::credentials::commit_credentials(
                dir,
                txn,
                device.community_id,
                &mut changed,
                &[],
            );
            Ok(())
        })
        .await
    }

    /// A community's events, newest first; `before_seq` 0 starts from the newest.
    pub async fn list_events(
        &self,
        actor: &Actor,
        community_id: Id,
        filter: &EventFilter,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<DeviceEventRecord>> {
        self.require_log_access(actor, community_id)?;
        self.events_page(community_id, filter, before_seq, limit)
            .await
    }

    /// A page of a community's events, once the caller may read them.
    pub(crate) async fn events_page(
        &self,
        community_id: Id,
        filter: &EventFilter,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<DeviceEventRecord>> {
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
        Ok(self
            .backend()
            .events_page(community_id, before, filter, limit.max(1), MAX_EVENT_SCAN)
            .await?)
    }

    /// Keeps the newest `keep` events of every community, and of those the newest
    /// `CAPTURES_PER_COMMUNITY` captured images; returns how many went.
    pub async fn prune_events(&self, keep: usize) -> Result<usize> {
        let communities: Vec<Id> = self.read(|d| d.all_community_ids());
        let mut removed = 0;
        for c in communities {
            removed += self.backend().prune_events(c, keep, &|_| false).await?;
            removed += self
                .prune_captures_of(c, super::captures::CAPTURES_PER_COMMUNITY)
                .await?;
        }
        Ok(removed)
    }

    /// "Reset Apartment" removes the apartment's logs (door logs, calls, alarms).
    pub(crate) async fn forget_apartment_events(
        &self,
        community_id: Id,
        apartment_id: Id,
    ) -> Result<usize> {
        Ok(self
            .backend()
            .prune_events(community_id, usize::MAX, &move |e| {
                e.apartment_id == Some(apartment_id)
            })
            .await?)
    }
}

/// The apartment an event concerns, whose logs it joins (what its end users see, what a
/// reset removes): the device's own apartment; else the apartment of the credential that
/// opened the door; else the apartment a call came from or went to.
fn event_apartment(dir: &crate::Directory, device: &Device, kind: &EventKind) -> Option<Id> {
    if let Some(a) = device.apartment_id() {
        return Some(a);
    }
    match kind {
        EventKind::DoorLog { credential_id, .. } if *credential_id != 0 => dir
            .credentials()
            .get(*credential_id)
            .filter(|c| c.community_id == device.community_id)
            .and_then(|c| c.apartment_id),
        EventKind::CallLog { caller, callee, .. } => [callee, caller]
            .into_iter()
            .find_map(|party| party_apartment(dir, device, party)),
        _ => None,
    }
}

/// The apartment a call party names: by SIP number (the family's, or one of its devices'),
/// or by APT number in the calling door phone's building.
fn party_apartment(dir: &crate::Directory, device: &Device, party: &str) -> Option<Id> {
    let number = party
        .trim()
        .trim_start_matches("sip:")
        .split('@')
        .next()
        .unwrap_or_default();
    if number.is_empty() {
        return None;
    }
    let by_number = dir
        .apartment_by_sip_number(number)
        .map(|a| a.id)
        .or_else(|| dir.device_by_sip_number(number)?.apartment_id());
    let same_community = |id: &Id| {
        dir.apartment(*id)
            .is_some_and(|a| a.community_id == device.community_id)
    };
    by_number
        .filter(same_community)
        .or_else(|| match device.scope {
            crate::model::DeviceScope::Building { building_id } => {
                dir.apartment_numbered(building_id, number)
            }
            _ => None,
        })
}

/// A door log naming a credential of the device's community says who holds it (the device
/// may know an older name, or none).
fn name_credential_holder(dir: &crate::Directory, community_id: Id, kind: EventKind) -> EventKind {
    match kind {
        EventKind::DoorLog {
            relay,
            method,
            success,
            who,
            credential_id,
            offline,
        } if credential_id != 0 => {
            let named = dir
                .credentials()
                .get(credential_id)
                .filter(|c| c.community_id == community_id)
                .map(|c| {
                    let holder = crate::ops::credentials::holder_name(dir, c);
                    match c.apartment_id.and_then(|a| dir.apartment(a)) {
                        Some(a) => format!("{holder} (APT {})", a.number),
                        None => holder,
                    }
                });
            EventKind::DoorLog {
                relay,
                method,
                success,
                who: named.unwrap_or(who),
                credential_id,
                offline,
            }
        }
        other => other,
    }
}
