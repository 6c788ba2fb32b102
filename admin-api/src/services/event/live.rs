//! `WatchCommunity`: the store's live feed (`porter_store::live`) narrowed to one
//! community, as a server stream. Bounded in time (an hour) and in what it holds (one
//! broadcast receiver, which lags instead of growing); it ends when the caller's session
//! does (checked every 30 s) or the caller goes away.

use std::pin::Pin;
use std::time::Duration;

use futures_util::Stream;
use porter_proto::admin::v1::{self as pb, community_update::Update};
use porter_store::Store;
use porter_store::live::LiveUpdate;
use tokio::sync::broadcast::error::RecvError;
use tonic::Status;

pub type UpdateStream = Pin<Box<dyn Stream<Item = Result<pb::CommunityUpdate, Status>> + Send>>;

/// Longest a stream runs; the client reconnects (and reloads what it shows).
const LIFETIME: Duration = Duration::from_secs(3600);
/// How often the session behind a stream is checked.
const SESSION_CHECK: Duration = Duration::from_secs(30);

struct Watch {
    feed: tokio::sync::broadcast::Receiver<LiveUpdate>,
    store: Store,
    token: String,
    community_id: u64,
    /// Whether device events go out (Log Access Control), or only device status.
    with_events: bool,
    until: tokio::time::Instant,
    check: tokio::time::Interval,
    ended: bool,
}

pub fn updates(store: Store, token: String, community_id: u64, with_events: bool) -> UpdateStream {
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let watch = Watch {
        feed: store.subscribe_live(),
        store,
        token,
        community_id,
        with_events,
        until: tokio::time::Instant::now() + LIFETIME,
        check,
        ended: false,
    };
    Box::pin(futures_util::stream::unfold(watch, |mut w| async move {
        let item = w.next().await?;
        Some((item, w))
    }))
}

impl Watch {
    async fn next(&mut self) -> Option<Result<pb::CommunityUpdate, Status>> {
        if self.ended {
            return None;
        }
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(self.until) => return None,
                _ = self.check.tick() => {
                    if let Err(e) = self.store.authenticate(&self.token) {
                        self.ended = true;
                        return Some(Err(crate::error::status(e)));
                    }
                }
                received = self.feed.recv() => match received {
                    Ok(u) if u.community_id() == self.community_id
                        && (self.with_events || !matches!(u, LiveUpdate::Event(_))) =>
                    {
                        return Some(Ok(message(u)));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        return Some(Ok(pb::CommunityUpdate { update: Some(Update::Resync(pb::Empty {})) }));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

fn message(u: LiveUpdate) -> pb::CommunityUpdate {
    let update = match u {
        LiveUpdate::DeviceStatus(s) => Update::DeviceStatus(pb::DeviceStatusUpdate {
            device_id: s.device_id,
            online: s.online,
            at_ms: s.at_ms,
            remote_address: s.remote_address,
            firmware_version: s.firmware_version,
            model: s.model,
        }),
        LiveUpdate::Event(e) => Update::Event(super::event_message((*e).clone())),
    };
    pb::CommunityUpdate {
        update: Some(update),
    }
}
