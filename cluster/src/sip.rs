//! Which node holds SIP bindings of which account, so a call routed on one node rings the
//! contacts registered on another through that node, or straight when no NAT stands
//! between them and any node (`porter_sip::cluster`).
//!
//! Each node publishes the accounts that gained their first binding or lost their last as
//! the registrar sees them (a few times a second, nothing when nothing changed), and all
//! its accounts every `REFRESH_EVERY` and when a node (re)joins. An account not confirmed
//! by a refresh for `STALE_AFTER` is forgotten, so a lost "gone" heals; a node that stops
//! is forgotten with its heartbeats.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use porter_edge::CancellationToken;
use porter_sip::cluster::{DirectContact, PeerBindings, Reach};
use porter_sip::server::SipServer;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::presence::{ClusterView, lock, next_message, pause};

/// Where nodes publish their accounts' changes (an `Announcement`).
const SIP_SUBJECT: &str = "porter.cluster.sip";
/// Where a node that (re)joins asks every node for all its accounts.
const SIP_SYNC_SUBJECT: &str = "porter.cluster.sip.sync";
/// How often a node looks for accounts that came or went.
const PUBLISH_EVERY: Duration = Duration::from_millis(200);
/// How often it publishes all its accounts again.
const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// An account no refresh confirmed for this long is forgotten.
const STALE_AFTER: Duration = Duration::from_secs(2 * 30 + 5);
/// Accounts per message (tens of bytes each, well inside NATS's 1 MiB payload limit).
const BATCH: usize = 5000;

/// One node's news: its SIP address, and accounts that came or changed (with how they are
/// reached) or went.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    holder: String,
    sip: SocketAddr,
    accounts: Vec<AccountNews>,
}

/// An account, whether the node holds bindings of it, and when every one of them may be
/// sent to from any node, their contacts (URI, address): `porter_sip::cluster::Reach`.
type AccountNews = (String, bool, Option<Vec<(String, SocketAddr)>>);

fn news_of(account: String, reach: Option<Reach>) -> AccountNews {
    match reach {
        None => (account, false, None),
        Some(Reach::Forward) => (account, true, None),
        Some(Reach::Direct(contacts)) => {
            let contacts = contacts
                .into_iter()
                .map(|c| (c.uri.to_string(), c.addr))
                .collect();
            (account, true, Some(contacts))
        }
    }
}

/// One node holding an account: who, when it last said so, and its contacts when they are
/// rung directly.
struct Held {
    holder: Arc<str>,
    heard: Instant,
    direct: Option<Arc<[DirectContact]>>,
}

/// The nodes holding an account.
type Holders = Vec<Held>;

/// The other nodes' accounts, as this node heard them.
#[derive(Default)]
pub struct SipView {
    accounts: Mutex<HashMap<String, Holders>>,
    /// Node → where its SIP takes forwarded calls.
    addrs: Mutex<HashMap<Arc<str>, SocketAddr>>,
}

impl SipView {
    fn apply(&self, news: Announcement, me: &str) {
        if news.holder == me {
            return;
        }
        let holder: Arc<str> = {
            let mut addrs = lock(&self.addrs);
            let known = addrs.keys().find(|h| ***h == *news.holder).cloned();
            let holder = known.unwrap_or_else(|| Arc::from(news.holder.as_str()));
            addrs.insert(holder.clone(), news.sip);
            holder
        };
        let heard = Instant::now();
        let mut accounts = lock(&self.accounts);
        for (account, present, direct) in news.accounts {
            let held = accounts.entry(account).or_default();
            held.retain(|h| h.holder != holder);
            if present {
                held.push(Held {
                    holder: holder.clone(),
                    heard,
                    direct: direct.and_then(|d| parse_direct(&d)),
                });
            }
        }
        accounts.retain(|_, held| !held.is_empty());
    }

    /// Forgets what no refresh confirmed lately, and nodes that hold nothing any more.
    fn sweep(&self) {
        let mut accounts = lock(&self.accounts);
        for held in accounts.values_mut() {
            held.retain(|h| h.heard.elapsed() < STALE_AFTER);
        }
        accounts.retain(|_, held| !held.is_empty());
        let mut addrs = lock(&self.addrs);
        addrs.retain(|holder, _| Arc::strong_count(holder) > 1);
    }

    /// Accounts some other node holds (for `/metrics`).
    pub(crate) fn len(&self) -> usize {
        lock(&self.accounts).len()
    }
}

/// The contacts of a node's news, when every one reads as a SIP URI (else the account is
/// rung through that node).
fn parse_direct(contacts: &[(String, SocketAddr)]) -> Option<Arc<[DirectContact]>> {
    contacts
        .iter()
        .map(|(uri, addr)| {
            let uri = porter_sip::message::Uri::parse(uri).ok()?;
            Some(DirectContact { uri, addr: *addr })
        })
        .collect()
}

/// `porter_sip`'s view of the other nodes: the live ones holding an account.
pub(crate) struct Peers {
    pub(crate) nodes: Arc<ClusterView>,
    pub(crate) sip: Arc<SipView>,
    pub(crate) holder: String,
    pub(crate) client: async_nats::Client,
}

impl porter_sip::cluster::SipPeers for Peers {
    fn holders(&self, account: &str) -> Vec<PeerBindings> {
        let cut_off = crate::cut_off(&self.client);
        // Locked in the order `sweep` takes them.
        let accounts = lock(&self.sip.accounts);
        let Some(held) = accounts.get(account) else {
            return Vec::new();
        };
        let addrs = lock(&self.sip.addrs);
        held.iter()
            .filter(|h| *h.holder != *self.holder && self.nodes.alive(&h.holder, cut_off))
            .filter_map(|h| match &h.direct {
                Some(contacts) => Some(PeerBindings::Direct(contacts.to_vec())),
                None => addrs.get(&h.holder).copied().map(PeerBindings::Node),
            })
            .collect()
    }
}

/// Keeps `view` up to date until `shutdown`, asking every node for all its accounts each
/// time it (re)subscribes.
pub(crate) async fn follow(
    client: &async_nats::Client,
    view: &SipView,
    me: &str,
    shutdown: &CancellationToken,
) {
    while !shutdown.is_cancelled() {
        match client.subscribe(SIP_SUBJECT).await {
            Ok(mut updates) => {
                let _ = client.publish(SIP_SYNC_SUBJECT, Bytes::new()).await;
                let mut sweep = tokio::time::interval(REFRESH_EVERY);
                loop {
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        _ = sweep.tick() => view.sweep(),
                        m = updates.next() => {
                            let Some(m) = m else { break };
                            match serde_json::from_slice::<Announcement>(&m.payload) {
                                Ok(news) => view.apply(news, me),
                                Err(e) => tracing::warn!(error = %e, "a SIP registration update could not be read"),
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "subscribing to cluster SIP registrations failed"),
        }
        pause(shutdown).await;
    }
}

/// Publishes this node's accounts as they come and go until `shutdown`, then withdraws
/// them; all of them at the start, every `REFRESH_EVERY` and whenever a node asks.
pub(crate) async fn publish(
    client: &async_nats::Client,
    holder: &str,
    sip: &SipServer,
    shutdown: &CancellationToken,
) {
    let Some(me) = sip.peer_addr() else {
        return;
    };
    let mut tick = tokio::time::interval(PUBLISH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sync_asked = client.subscribe(SIP_SYNC_SUBJECT).await.ok();
    let mut refreshed = Instant::now();
    let mut full = true;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = tick.tick() => {}
            Some(()) = next_message(&mut sync_asked) => full = true,
        }
        // Drained every round, so the registrar keeps at most a round's changes.
        let changes = sip.registration_changes();
        if full || refreshed.elapsed() >= REFRESH_EVERY {
            // Taken after the changes: it already says what they said.
            let all: Vec<AccountNews> = sip
                .registered_accounts()
                .into_iter()
                .map(|(a, reach)| news_of(a, Some(reach)))
                .collect();
            full = !send(client, holder, me, all).await;
            refreshed = Instant::now();
        } else if !changes.is_empty() {
            // Not sent: the next round tells everything once NATS is back.
            let changes = changes
                .into_iter()
                .map(|(a, reach)| news_of(a, reach))
                .collect();
            full = !send(client, holder, me, changes).await;
        }
    }
    let gone = sip
        .registered_accounts()
        .into_iter()
        .map(|(a, _)| news_of(a, None))
        .collect();
    send(client, holder, me, gone).await;
}

/// Publishes `accounts` in batches; whether all went out.
async fn send(
    client: &async_nats::Client,
    holder: &str,
    sip: SocketAddr,
    accounts: Vec<AccountNews>,
) -> bool {
    for batch in accounts.chunks(BATCH) {
        let news = Announcement {
            holder: holder.to_owned(),
            sip,
            accounts: batch.to_vec(),
        };
        let Ok(payload) = serde_json::to_vec(&news) else {
            return false;
        };
        if let Err(e) = client.publish(SIP_SUBJECT, payload.into()).await {
            tracing::debug!(error = %e, "publishing SIP registrations failed; trying again");
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn news(holder: &str, accounts: &[(&str, bool)]) -> Announcement {
        Announcement {
            holder: holder.into(),
            sip: "127.0.0.2:5060".parse().expect("addr"),
            accounts: accounts
                .iter()
                .map(|(a, p)| ((*a).into(), *p, None))
                .collect(),
        }
    }

    fn held(view: &SipView, account: &str) -> Vec<String> {
        lock(&view.accounts)
            .get(account)
            .map(|h| h.iter().map(|h| h.holder.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn accounts_come_and_go_per_node_and_this_nodes_own_news_is_skipped() {
        let view = SipView::default();
        view.apply(news("a@1", &[("1001", true), ("1002", true)]), "me@1");
        view.apply(news("b@1", &[("1001", true)]), "me@1");
        view.apply(news("me@1", &[("1003", true)]), "me@1");
        assert_eq!(held(&view, "1001"), vec!["a@1", "b@1"]);
        assert!(held(&view, "1003").is_empty());
        view.apply(news("a@1", &[("1001", false), ("1002", true)]), "me@1");
        assert_eq!(held(&view, "1001"), vec!["b@1"]);
        assert_eq!(held(&view, "1002"), vec!["a@1"], "said twice, held once");
        view.apply(news("b@1", &[("1001", false)]), "me@1");
        assert_eq!(view.len(), 1);
        // A node that holds nothing any more is dropped at the sweep.
        view.sweep();
        assert_eq!(lock(&view.addrs).len(), 1);
    }

    #[test]
    fn contacts_any_node_may_ring_are_kept_with_their_holder() {
        let view = SipView::default();
        let mut said = news("a@1", &[]);
        said.accounts = vec![
            (
                "1001".into(),
                true,
                Some(vec![(
                    "sip:1001@192.0.2.7:5062".into(),
                    "192.0.2.7:5062".parse().expect("addr"),
                )]),
            ),
            // Unreadable: rung through its node instead.
            (
                "1002".into(),
                true,
                Some(vec![(
                    "not a uri".into(),
                    "192.0.2.8:5060".parse().expect("addr"),
                )]),
            ),
        ];
        view.apply(said, "me@1");
        let accounts = lock(&view.accounts);
        let direct = accounts["1001"][0].direct.as_deref().expect("direct");
        assert_eq!(direct[0].uri.to_string(), "sip:1001@192.0.2.7:5062");
        assert_eq!(direct[0].addr, "192.0.2.7:5062".parse().expect("addr"));
        assert!(accounts["1002"][0].direct.is_none());
    }
}
