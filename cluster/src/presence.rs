//! Where each device is: the nodes' heartbeats, their sessions' changes, and this node's
//! view of both.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use porter_edge::CancellationToken;
use porter_store::presence::{LocalSessions, PresenceInfo};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::{HEARTBEAT, NODE_EXPIRY};

/// Where nodes say they are alive (the payload: the holder name, then a space and the
/// node's HTTPS address when it has one), or leaving (`-` and the holder name).
const NODES_SUBJECT: &str = "porter.cluster.nodes";
/// Where nodes publish their sessions' changes (a JSON list of (MAC, entry)).
const SESSIONS_SUBJECT: &str = "porter.cluster.sessions";
/// Where a node that (re)joins asks every node for all its sessions.
const SYNC_SUBJECT: &str = "porter.cluster.sessions.sync";
/// How often this node compares its sessions with what it published.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);
/// How often it publishes every session again, so a missed update heals.
const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// Sessions per message (about 200 bytes each, well inside NATS's 1 MiB payload limit).
const BATCH: usize = 2000;

/// A device's session as the bucket holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    holder: String,
    device_id: u64,
    online: bool,
    since_ms: i64,
    remote_address: String,
    firmware_version: String,
    model: String,
}

/// What this node knows of the others: their sessions by MAC and when each was last heard.
#[derive(Default)]
pub struct ClusterView {
    sessions: Mutex<HashMap<String, Entry>>,
    nodes: Mutex<HashMap<String, Instant>>,
    /// Each node's HTTPS address, as its heartbeats say.
    https: Mutex<HashMap<String, std::net::SocketAddr>>,
}

impl ClusterView {
    /// Whether `holder` was heard from lately. While this node is cut off from NATS it
    /// cannot tell, and keeps the last it knew (`cut_off`).
    pub(crate) fn alive(&self, holder: &str, cut_off: bool) -> bool {
        lock(&self.nodes)
            .get(holder)
            .is_some_and(|heard| cut_off || heard.elapsed() < NODE_EXPIRY)
    }

    /// Device `device_id` with `mac` online on a live node other than `me`.
    pub(crate) fn online(
        &self,
        device_id: u64,
        mac: &str,
        me: &str,
        cut_off: bool,
    ) -> Option<PresenceInfo> {
        let entry = lock(&self.sessions).get(mac).cloned()?;
        (entry.online && entry.device_id == device_id && entry.holder != me)
            .then_some(())
            .filter(|()| self.alive(&entry.holder, cut_off))?;
        Some(PresenceInfo {
            online: true,
            last_connected_ms: entry.since_ms,
            remote_address: entry.remote_address,
            firmware_version: entry.firmware_version,
            model: entry.model,
        })
    }

    /// The live node other than `me` holding `mac`'s session.
    pub(crate) fn holder_of(&self, mac: &str, me: &str, cut_off: bool) -> Option<String> {
        let entry = lock(&self.sessions).get(mac).cloned()?;
        (entry.online && entry.holder != me && self.alive(&entry.holder, cut_off))
            .then_some(entry.holder)
    }

    /// Takes in another node's changes. A session going offline only counts where it is
    /// still the one the view has, and of two online ones the later start wins, so a node
    /// that notices a dead connection late does not undo the device's move to another.
    fn apply(&self, batch: Vec<(String, Entry)>) {
        let mut sessions = lock(&self.sessions);
        for (mac, entry) in batch {
            let replaces = match sessions.get(&mac) {
                None => true,
                Some(had) if had.holder == entry.holder => true,
                Some(had) => entry.online && (!had.online || entry.since_ms >= had.since_ms),
            };
            if replaces {
                sessions.insert(mac, entry);
            }
        }
    }

    /// Where `holder`'s HTTPS listens.
    pub(crate) fn https_of(&self, holder: &str) -> Option<std::net::SocketAddr> {
        lock(&self.https).get(holder).copied()
    }

    /// Takes in a heartbeat (`NODES_SUBJECT`).
    fn heard(&self, said: &str) {
        if let Some(leaving) = said.strip_prefix('-') {
            lock(&self.nodes).remove(leaving);
            lock(&self.https).remove(leaving);
            return;
        }
        let (holder, https) = match said.split_once(' ') {
            Some((holder, addr)) => (holder, addr.parse().ok()),
            None => (said, None),
        };
        lock(&self.nodes).insert(holder.to_owned(), Instant::now());
        if let Some(addr) = https {
            lock(&self.https).insert(holder.to_owned(), addr);
        }
    }

    pub(crate) fn nodes_alive(&self, me: &str) -> usize {
        lock(&self.nodes)
            .iter()
            .filter(|(holder, heard)| *holder != me && heard.elapsed() < NODE_EXPIRY)
            .count()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each critical section is one map operation: a poisoned map is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Says this node is alive until `shutdown`, then that it is leaving; measures the round
/// trip to NATS into `rtt_us` each time.
pub(crate) async fn heartbeat(
    client: &async_nats::Client,
    holder: &str,
    https: Option<std::net::SocketAddr>,
    rtt_us: &std::sync::atomic::AtomicU64,
    shutdown: &CancellationToken,
) {
    let beat = match https {
        Some(addr) => format!("{holder} {addr}"),
        None => holder.to_owned(),
    };
    let mut tick = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = tick.tick() => {
                // While NATS is away the client queues or drops this; the next one counts.
                let _ = client.publish(NODES_SUBJECT, beat.clone().into()).await;
                // A ping to this node's own command subject: a round trip through NATS.
                let sent = Instant::now();
                let ping = client.request(crate::commands::subject(holder), Bytes::new());
                if matches!(tokio::time::timeout(HEARTBEAT, ping).await, Ok(Ok(_))) {
                    let us = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                    rtt_us.store(us, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
    }
    let _ = client
        .publish(NODES_SUBJECT, format!("-{holder}").into())
        .await;
    let _ = client.flush().await;
}

/// Keeps `view`'s live nodes up to date until `shutdown`.
pub(crate) async fn follow_nodes(
    client: &async_nats::Client,
    view: &ClusterView,
    shutdown: &CancellationToken,
) {
    while !shutdown.is_cancelled() {
        match client.subscribe(NODES_SUBJECT).await {
            Ok(mut heartbeats) => loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    m = heartbeats.next() => {
                        let Some(m) = m else { break };
                        view.heard(&String::from_utf8_lossy(&m.payload));
                    }
                }
            },
            Err(e) => tracing::warn!(error = %e, "subscribing to cluster heartbeats failed"),
        }
        pause(shutdown).await;
    }
}

/// Keeps `view`'s sessions up to date until `shutdown`, asking every node for all its
/// sessions each time it (re)subscribes.
pub(crate) async fn follow_sessions(
    client: &async_nats::Client,
    view: &ClusterView,
    shutdown: &CancellationToken,
) {
    while !shutdown.is_cancelled() {
        match client.subscribe(SESSIONS_SUBJECT).await {
            Ok(mut updates) => {
                let _ = client.publish(SYNC_SUBJECT, Bytes::new()).await;
                loop {
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        m = updates.next() => {
                            let Some(m) = m else { break };
                            match serde_json::from_slice::<Vec<(String, Entry)>>(&m.payload) {
                                Ok(batch) => view.apply(batch),
                                Err(e) => tracing::warn!(error = %e, "a presence update could not be read"),
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "subscribing to cluster presence failed"),
        }
        pause(shutdown).await;
    }
}

/// Publishes this node's sessions as they change until `shutdown`, then withdraws them;
/// all of them again every `REFRESH_EVERY` and whenever a node asks (`SYNC_SUBJECT`).
pub(crate) async fn publish(
    client: &async_nats::Client,
    holder: &str,
    local: &dyn LocalSessions,
    shutdown: &CancellationToken,
) {
    // Between refreshes only the sessions the gateway says changed are looked at.
    local.track_changes();
    let mut published: HashMap<String, Entry> = HashMap::new();
    let mut tick = tokio::time::interval(PUBLISH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut refreshed = Instant::now();
    let mut sync_asked = client.subscribe(SYNC_SUBJECT).await.ok();
    // Changes drained but not sent (NATS away): the next round compares everything.
    let mut compare_all = false;
    loop {
        let mut refresh = false;
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = tick.tick() => {}
            Some(()) = next_message(&mut sync_asked) => refresh = true,
        }
        if refresh || refreshed.elapsed() >= REFRESH_EVERY {
            refresh = true;
            refreshed = Instant::now();
        }
        let changed = local.changed_sessions();
        let changes = match changed {
            Some(changed) if !refresh && !compare_all => {
                changed_entries(changed, holder, &published)
            }
            // Everything: a refresh, a missed round, or a gateway that keeps no changes.
            _ => all_entries(&sessions(local, holder), &published, refresh),
        };
        if changes.is_empty() {
            continue;
        }
        compare_all = !send(client, &changes).await;
        if !compare_all {
            for (mac, entry) in changes {
                if entry.online {
                    published.insert(mac, entry);
                } else {
                    published.remove(&mac);
                }
            }
        }
    }
    let withdrawn: Vec<(String, Entry)> = published
        .into_iter()
        .map(|(mac, mut e)| {
            e.online = false;
            (mac, e)
        })
        .collect();
    send(client, &withdrawn).await;
}

/// What to publish for the sessions the gateway says changed: each one's entry now, or
/// the one published before marked offline when it is gone.
fn changed_entries(
    changed: Vec<(String, Option<porter_store::presence::LocalSession>)>,
    holder: &str,
    published: &HashMap<String, Entry>,
) -> Vec<(String, Entry)> {
    changed
        .into_iter()
        .filter_map(|(mac, now)| match now {
            Some(session) => {
                let entry = entry(holder, session);
                (published.get(&mac) != Some(&entry)).then_some((mac, entry))
            }
            None => published.get(&mac).map(|e| {
                let mut gone = e.clone();
                gone.online = false;
                (mac, gone)
            }),
        })
        .collect()
}

/// What to publish comparing all of `now` with what was published (all of `now` on a
/// refresh), and every session published and gone, marked offline.
fn all_entries(
    now: &HashMap<String, Entry>,
    published: &HashMap<String, Entry>,
    refresh: bool,
) -> Vec<(String, Entry)> {
    let mut changes: Vec<(String, Entry)> = now
        .iter()
        .filter(|(mac, e)| refresh || published.get(*mac) != Some(*e))
        .map(|(mac, e)| (mac.clone(), e.clone()))
        .collect();
    changes.extend(
        published
            .iter()
            .filter(|(mac, _)| !now.contains_key(*mac))
            .map(|(mac, e)| {
                let mut gone = e.clone();
                gone.online = false;
                (mac.clone(), gone)
            }),
    );
    changes
}

/// The next message on `sub`, or never when there is no subscription.
pub(crate) async fn next_message(sub: &mut Option<async_nats::Subscriber>) -> Option<()> {
    match sub {
        Some(s) => s.next().await.map(|_| ()),
        None => std::future::pending().await,
    }
}

/// This node's sessions as the other nodes are told them.
fn sessions(local: &dyn LocalSessions, holder: &str) -> HashMap<String, Entry> {
    local
        .local_sessions()
        .into_iter()
        .map(|s| (s.mac.clone(), entry(holder, s)))
        .collect()
}

fn entry(holder: &str, s: porter_store::presence::LocalSession) -> Entry {
    Entry {
        holder: holder.to_owned(),
        device_id: s.device_id,
        online: true,
        since_ms: s.info.last_connected_ms,
        remote_address: s.info.remote_address,
        firmware_version: s.info.firmware_version,
        model: s.info.model,
    }
}

/// Publishes `changes` in batches NATS takes (its default payload limit is 1 MiB);
/// whether all went out.
async fn send(client: &async_nats::Client, changes: &[(String, Entry)]) -> bool {
    for batch in changes.chunks(BATCH) {
        let Ok(payload) = serde_json::to_vec(batch) else {
            return false;
        };
        if let Err(e) = client.publish(SESSIONS_SUBJECT, payload.into()).await {
            tracing::debug!(error = %e, "publishing presence failed; trying again");
            return false;
        }
    }
    true
}

pub(crate) async fn pause(shutdown: &CancellationToken) {
    tokio::select! {
        () = shutdown.cancelled() => {}
        () = tokio::time::sleep(Duration::from_secs(1)) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(holder: &str, online: bool, since_ms: i64) -> Entry {
        Entry {
            holder: holder.into(),
            device_id: 7,
            online,
            since_ms,
            remote_address: "10.0.0.9:5000".into(),
            firmware_version: "1.0".into(),
            model: "R29".into(),
        }
    }

    fn heard(view: &ClusterView, holders: &[&str]) {
        for h in holders {
            lock(&view.nodes).insert((*h).to_owned(), Instant::now());
        }
    }

    fn session(mac: &str, since_ms: i64) -> porter_store::presence::LocalSession {
        porter_store::presence::LocalSession {
            mac: mac.into(),
            device_id: 7,
            info: PresenceInfo {
                online: true,
                last_connected_ms: since_ms,
                remote_address: "10.0.0.9:5000".into(),
                firmware_version: "1.0".into(),
                model: "R29".into(),
            },
        }
    }

    #[test]
    fn only_what_changed_is_published_between_refreshes() {
        let mut published = HashMap::new();
        published.insert("A".to_owned(), super::entry("me@1", session("A", 100)));
        published.insert("B".to_owned(), super::entry("me@1", session("B", 100)));
        let changed = vec![
            // Reconnected: a new session.
            ("A".to_owned(), Some(session("A", 200))),
            // Told as changed but the same as published (connected and replaced by itself).
            ("B".to_owned(), Some(session("B", 100))),
            // Gone.
            ("C".to_owned(), None),
        ];
        let mut out = changed_entries(changed, "me@1", &published);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!((out[0].0.as_str(), out[0].1.since_ms), ("A", 200));
        let gone = changed_entries(vec![("B".to_owned(), None)], "me@1", &published);
        assert_eq!(gone.len(), 1);
        assert!(!gone[0].1.online, "the published session, now offline");
        // A refresh says everything; a comparison only what differs and what is gone.
        let now: HashMap<String, Entry> =
            [("A".to_owned(), super::entry("me@1", session("A", 100)))].into();
        assert_eq!(all_entries(&now, &published, true).len(), 2);
        out = all_entries(&now, &published, false);
        assert_eq!(out.len(), 1);
        assert!(!out[0].1.online && out[0].0 == "B");
    }

    #[test]
    fn a_late_offline_from_the_old_node_does_not_undo_a_move() {
        let view = ClusterView::default();
        heard(&view, &["a@1", "b@1"]);
        view.apply(vec![("MAC".into(), entry("a@1", true, 100))]);
        view.apply(vec![("MAC".into(), entry("b@1", true, 200))]);
        // Node a notices its dead connection only now.
        view.apply(vec![("MAC".into(), entry("a@1", false, 100))]);
        assert_eq!(view.holder_of("MAC", "me@1", false).as_deref(), Some("b@1"));
        // An older session reported late does not win either.
        view.apply(vec![("MAC".into(), entry("a@1", true, 150))]);
        assert_eq!(view.holder_of("MAC", "me@1", false).as_deref(), Some("b@1"));
        // The holder itself saying offline counts.
        view.apply(vec![("MAC".into(), entry("b@1", false, 200))]);
        assert_eq!(view.holder_of("MAC", "me@1", false), None);
    }

    #[test]
    fn sessions_of_a_node_not_heard_from_are_offline_unless_this_node_is_cut_off() {
        let view = ClusterView::default();
        view.apply(vec![("MAC".into(), entry("gone@1", true, 100))]);
        lock(&view.nodes).insert("gone@1".into(), Instant::now() - NODE_EXPIRY);
        assert!(view.online(7, "MAC", "me@1", false).is_none());
        assert!(view.online(7, "MAC", "me@1", true).is_some());
        // Another device given the same MAC is not this one.
        heard(&view, &["gone@1"]);
        assert!(view.online(8, "MAC", "me@1", false).is_none());
        assert!(view.online(7, "MAC", "me@1", false).is_some());
    }
}
