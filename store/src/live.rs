//! What happens in a community as it happens, for pages that show live state: a device
//! going online or offline, and each event a device reports. A broadcast: nothing waits
//! for a slow reader, which instead learns that it lagged and reloads.

use std::sync::Arc;

use crate::events::DeviceEventRecord;
use crate::model::Id;
use crate::store::Store;

/// Updates kept for a slow receiver before it lags.
pub const LIVE_FEED_DEPTH: usize = 4096;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveUpdate {
    DeviceStatus(DeviceStatus),
    Event(Arc<DeviceEventRecord>),
}

impl LiveUpdate {
    pub fn community_id(&self) -> Id {
        match self {
            LiveUpdate::DeviceStatus(s) => s.community_id,
            LiveUpdate::Event(e) => e.community_id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceStatus {
    pub community_id: Id,
    pub device_id: Id,
    pub online: bool,
    /// When the session began (online) or ended (offline).
    pub at_ms: i64,
    pub remote_address: String,
    pub firmware_version: String,
    pub model: String,
}

impl Store {
    /// Every update from now on; a receiver that lags gets `RecvError::Lagged` and should
    /// reload what it shows.
    pub fn subscribe_live(&self) -> tokio::sync::broadcast::Receiver<LiveUpdate> {
        self.live_feed().subscribe()
    }

    /// Sends `update` to whoever listens (nothing is built when nobody does).
    pub(crate) fn publish_live(&self, update: impl FnOnce() -> Option<LiveUpdate>) {
        let feed = self.live_feed();
        if feed.receiver_count() > 0
            && let Some(u) = update()
        {
            let _ = feed.send(u);
        }
    }

    /// Device `device_id`'s session ended at `at_ms` (its Last Connection stays).
    pub fn device_offline(&self, device_id: Id, at_ms: i64) {
        self.publish_live(|| {
            let community_id = self.read(|d| d.device(device_id).map(|dev| dev.community_id))?;
            Some(LiveUpdate::DeviceStatus(DeviceStatus {
                community_id,
                device_id,
                online: false,
                at_ms,
                remote_address: String::new(),
                firmware_version: String::new(),
                model: String::new(),
            }))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::events::EventKind;
    use crate::fixtures;

    #[tokio::test]
    async fn events_and_sessions_reach_subscribers_of_their_community() -> crate::Result<()> {
        let (store, actor) = fixtures::operator_store(Arc::new(ManualClock::new(1_000))).await?;
        let community = fixtures::premium_community(&store, &actor, "Lakeside").await?;
        let device = fixtures::public_door_phone(&store, &actor, community, "0C11050B9814").await?;
        let site = Site { store, community };
        let mut feed = site.store.subscribe_live();
        site.store
            .record_device_events(
                device,
                vec![(
                    1_000,
                    EventKind::RelayStatus {
                        relay: 1,
                        open: true,
                    },
                )],
            )
            .expect("record");
        match feed.try_recv().expect("an event") {
            LiveUpdate::Event(e) => {
                assert_eq!(e.device_id, device);
                assert_eq!(e.community_id, site.community);
            }
            other => panic!("expected an event, got {other:?}"),
        }
        site.store
            .device_seen(
                device,
                crate::last_seen::LastSeen {
                    at_ms: 2_000,
                    remote_address: "10.0.0.9:5000".into(),
                    firmware_version: "29.30.2.805".into(),
                    model: "R29".into(),
                },
            )
            .expect("seen");
        site.store.device_offline(device, 3_000);
        let statuses: Vec<(bool, i64)> = std::iter::from_fn(|| feed.try_recv().ok())
            .map(|u| match u {
                LiveUpdate::DeviceStatus(s) => (s.online, s.at_ms),
                other => panic!("expected a status, got {other:?}"),
            })
            .collect();
        assert_eq!(statuses, vec![(true, 2_000), (false, 3_000)]);
        Ok(())
    }

    struct Site {
        store: Store,
        community: Id,
    }
}
