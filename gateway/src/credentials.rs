//! Keeps each door phone's access-credential list current. A connection holds only the list
//! and version the device has; on connect, on a change to its community (the notifier
//! below) and once a minute it asks the store what the device needs: nothing, a delta, or
//! the whole list in pages.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use porter_edge::CancellationToken;
use porter_proto::device::v1 as d;
use porter_store::model::Method;
use porter_store::ops::credential_sync::{CredentialSync, DoorCredential, SyncNeed};
use porter_store::{ChangedCommunities, Store};
use tokio::sync::broadcast;

use crate::presence::{Control, Presence};

/// Credentials per frame: well under the 64 KiB frame limit with the longest names.
pub const PAGE: usize = 128;
/// A delta of more changes than this is sent as the whole list.
pub const DELTA_LIMIT: usize = 4 * PAGE;
/// How often a connection checks its device's list without being told.
pub const RECHECK: Duration = Duration::from_secs(60);

/// The frames that bring device `device_id` from `held` (list, version) to its current
/// list, and what it then holds.
pub fn updates(
    store: &Store,
    device_id: u64,
    held: (u64, u64),
) -> (Vec<d::CredentialUpdate>, (u64, u64)) {
    match store.credential_need(device_id, held, DELTA_LIMIT) {
        None | Some(SyncNeed::Current) => (Vec::new(), held),
        Some(SyncNeed::Delta(s)) => {
            let now = (s.list, s.version);
            (vec![update(s, false)], now)
        }
        Some(SyncNeed::Full) => whole_list(store, device_id, held),
    }
}

fn whole_list(
    store: &Store,
    device_id: u64,
    held: (u64, u64),
) -> (Vec<d::CredentialUpdate>, (u64, u64)) {
    let mut frames = Vec::new();
    let mut after = 0;
    let mut snapshot = None;
    loop {
        let Some(mut page) = store.credential_page(device_id, after, PAGE) else {
            return (Vec::new(), held);
        };
        // Every page names the first page's version; what changed while the pages were
        // read follows as a delta from it.
        let (list, version) = *snapshot.get_or_insert((page.list, page.version));
        page.list = list;
        page.version = version;
        let next = page.next_after;
        frames.push(update(page, next.is_some()));
        match next {
            Some(n) => after = n,
            None => break,
        }
    }
    let whole = snapshot.unwrap_or(held);
    // A device holding nothing needs no word that there is nothing (most devices, in
    // communities without credentials); it gets its list with the first one.
    if held == (0, 0) && frames.len() == 1 && frames.iter().all(|f| f.upserts.is_empty()) {
        return (Vec::new(), held);
    }
    if let Some(SyncNeed::Delta(s)) = store.credential_need(device_id, whole, DELTA_LIMIT) {
        let now = (s.list, s.version);
        frames.push(update(s, false));
        return (frames, now);
    }
    (frames, whole)
}

fn update(s: CredentialSync, more: bool) -> d::CredentialUpdate {
    d::CredentialUpdate {
        list: s.list,
        version: s.version,
        full: s.full,
        from_version: s.from_version,
        more,
        upserts: s.upserts.into_iter().map(door_credential).collect(),
        removed: s.removed,
        time_zone: s.time_zone,
    }
}

fn door_credential(c: DoorCredential) -> d::DoorCredential {
    let method = match c.method {
        Method::Pin => d::UnlockMethod::Pin,
        Method::RfCard => d::UnlockMethod::RfCard,
        Method::Face => d::UnlockMethod::Face,
        Method::Key => d::UnlockMethod::QrCode,
    };
    d::DoorCredential {
        id: c.id,
        method: method as i32,
        value: c.value,
        apartment: c.apartment,
        holder: c.holder,
        relays: c.relays.into_iter().map(u32::from).collect(),
        key: c.key.map(|k| {
            let (repeat, weekdays) = match k.validity.repeat {
                porter_store::model::Repeat::Never => (0, 0),
                porter_store::model::Repeat::Daily => (1, 0),
                porter_store::model::Repeat::Weekly { days } => (2, u32::from(days)),
            };
            d::KeyWindow {
                from_ms: k.validity.from_ms,
                until_ms: k.validity.until_ms,
                repeat,
                weekdays,
                day_start_minute: u32::from(k.validity.day_start_min),
                day_end_minute: u32::from(k.validity.day_end_min),
                max_uses: k.validity.max_uses.unwrap_or(0),
                uses: k.uses,
                floors: k.floors,
            }
        }),
        after_apartment: c.after_apartment,
    }
}

/// Tells the connections of online devices in communities whose credentials changed, or
/// whose devices or settings changed (what a device holds may follow), to bring their
/// device's list up to date. A connection whose queue is full catches up at its next
/// minute's check.
pub async fn run(store: Store, presence: Arc<Presence>, shutdown: CancellationToken) {
    let mut credentials = store.subscribe_credential_changes();
    let mut changes = store.subscribe_changes();
    loop {
        let received = tokio::select! {
            r = credentials.recv() => r,
            r = changes.recv() => r,
            () = shutdown.cancelled() => return,
        };
        let mut touched = BTreeSet::new();
        if !gather(received, &store, &mut touched) {
            return;
        }
        // What else already arrived goes with it.
        while let Ok(r) = credentials.try_recv() {
            gather(Ok(r), &store, &mut touched);
        }
        while let Ok(r) = changes.try_recv() {
            gather(Ok(r), &store, &mut touched);
        }
        presence.tell_communities(&store, &touched, || Control::SyncCredentials);
    }
}

fn gather(
    received: Result<ChangedCommunities, broadcast::error::RecvError>,
    store: &Store,
    touched: &mut BTreeSet<u64>,
) -> bool {
    match received {
        Ok(ids) => touched.extend(ids.iter().copied()),
        Err(broadcast::error::RecvError::Lagged(_)) => {
            touched.extend(store.read(|dir| dir.all_community_ids()));
        }
        Err(broadcast::error::RecvError::Closed) => return false,
    }
    true
}
