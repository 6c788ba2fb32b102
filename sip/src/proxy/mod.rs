//! The stateful proxy (RFC 3261 §16), without IO: INVITE server transactions facing the
//! caller, one INVITE client transaction per branch, the call's stages (forks rung in
//! parallel, stages in sequence), CANCEL, hop-by-hop ACK, and the dialogs that in-dialog
//! requests are routed by. It is fed messages and time and answers with [`Transmit`]s;
//! the server's transports send them.
//!
//! What rings, in which order, is decided before a call starts (the router turns the
//! dialed number and the call type into [`Stage`]s); this module only carries it out.

mod branch;
mod call;
mod dialog;
mod relay;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;

use bytes::Bytes;

pub use call::NewCall;
pub use dialog::{DialogInfo, Direction};
pub use relay::InDialog;

use crate::message::{BRANCH_COOKIE, HeaderName, Host, NameAddr, Request, Response, Uri};
use crate::registrar::{Source, Transport};
use crate::transaction::{ServerTransactions, T1_MS, TransactionKey};

/// RFC 3261's T2: the cap on retransmission intervals.
pub const T2_MS: u64 = 4_000;
/// How long a transaction waits for a final response at most (Timers B and F).
pub const TIMER_B_MS: u64 = 64 * T1_MS;

/// Bytes to send and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Transmit {
    pub to: Source,
    /// For a reliable transport whose connection is gone: where the peer listens (its
    /// Contact), to connect to instead.
    pub fallback: Option<SocketAddr>,
    pub bytes: Bytes,
}

/// One place a call rings: an account's registered contact.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    /// The account it belongs to (what a log or a DTMF unlock names).
    pub aor: String,
    /// The Request-URI to send: the registered contact.
    pub uri: Uri,
    pub to: Source,
    pub fallback: Option<SocketAddr>,
    /// What to answer the hop's digest challenge with (the landline trunk's account).
    pub credentials: Option<TrunkCredentials>,
    /// Another node of the cluster, which rings its own bindings of `aor`: the signature
    /// (`crate::cluster::PEER_HEADER`) it is sent with.
    pub peer_signature: Option<String>,
}

/// The account Porter holds with a landline trunk, to answer its 401/407.
#[derive(Clone, PartialEq, Eq)]
pub struct TrunkCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for TrunkCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Hops rung together; the next stage starts when all of them failed or `ring_ms` passed.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub hops: Vec<Hop>,
    pub ring_ms: u64,
}

/// Who is calling whom, kept with the dialog (for DTMF unlock and the call log).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallMeta {
    pub caller: String,
    pub dialed: String,
    /// Set when another node of the cluster forwarded the call here: where that node takes
    /// the dialog's requests should the connection it came over be gone. That node routed
    /// the call, and it alone acts on the call's DTMF.
    pub forwarded_by: Option<SocketAddr>,
}

/// The proxy's own addresses, as it writes them in Via and Record-Route.
#[derive(Clone, Debug)]
pub struct LocalAddr {
    pub host: String,
    pub ports: Vec<(Transport, u16)>,
}

impl LocalAddr {
    pub fn port(&self, t: Transport) -> u16 {
        self.ports
            .iter()
            .find(|(pt, _)| *pt == t)
            .or(self.ports.first())
            .map_or(5060, |(_, p)| *p)
    }

    fn via(&self, t: Transport, branch: &str) -> String {
        format!(
            "SIP/2.0/{} {}:{};branch={branch}",
            t.via_name(),
            self.host,
            self.port(t)
        )
    }

    fn record_route(&self, t: Transport) -> String {
        let transport = match t {
            Transport::Udp => String::new(),
            other => format!(";transport={}", other.via_name().to_ascii_lowercase()),
        };
        format!("<sip:{}:{}{transport};lr>", self.host, self.port(t))
    }

    /// Whether a Route URI names this proxy.
    pub fn is_me(&self, uri: &Uri) -> bool {
        let port = uri.port.unwrap_or(5060);
        let host = match &uri.host {
            Host::Name(name) => name.eq_ignore_ascii_case(&self.host),
            Host::V4(a) => self
                .host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|h| h == *a),
            Host::V6(_) => uri.host.to_string().eq_ignore_ascii_case(&self.host),
        };
        host && self.ports.iter().any(|(_, p)| *p == port)
    }
}

/// The proxy's limits and timing; the defaults are what `porter serve` uses.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Calls (INVITE server transactions) in progress at most (default 50,000).
    pub max_calls: usize,
    /// Confirmed dialogs at most (default 100,000).
    pub max_dialogs: usize,
    /// A branch that has not answered at all in this time is unreachable: its stage moves
    /// on without it (default 8 s; RFC 3261's Timer B is 32 s, too long for a door phone).
    pub unreachable_ms: u64,
    /// A dialog without any request for this long is forgotten (default 4 h).
    pub dialog_idle_ms: u64,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            max_calls: 50_000,
            max_dialogs: 100_000,
            unreachable_ms: 8_000,
            dialog_idle_ms: 4 * 3600 * 1000,
        }
    }
}

/// The proxy's state: calls, branches, dialogs, relayed requests and their timers.
pub struct Proxy {
    local: LocalAddr,
    config: ProxyConfig,
    /// Non-INVITE server transactions (REGISTER, OPTIONS, BYE, INFO, CANCEL…).
    pub transactions: ServerTransactions,
    calls: HashMap<u64, call::Call>,
    calls_by_key: HashMap<TransactionKey, u64>,
    /// Calls that have their final answer, oldest first: they only linger to absorb
    /// retransmissions, so they make room when the table is full.
    finished: std::collections::VecDeque<u64>,
    /// Our branch parameter → (call, branch index).
    branches: HashMap<String, (u64, usize)>,
    relays: HashMap<String, relay::Relay>,
    dialogs: dialog::Dialogs,
    timers: BTreeSet<(u64, Timer)>,
    /// Our branches start with this: the magic cookie and a random salt of this process.
    branch_prefix: String,
    next_id: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Call(u64),
    Relay(String),
}

impl Proxy {
    pub fn new(local: LocalAddr, config: ProxyConfig, max_transactions: usize) -> Proxy {
        let mut salt = [0u8; 8];
        let _ = getrandom::fill(&mut salt);
        Proxy {
            local,
            dialogs: dialog::Dialogs::new(config.max_dialogs, config.dialog_idle_ms),
            config,
            transactions: ServerTransactions::new(max_transactions),
            calls: HashMap::new(),
            calls_by_key: HashMap::new(),
            finished: std::collections::VecDeque::new(),
            branches: HashMap::new(),
            relays: HashMap::new(),
            timers: BTreeSet::new(),
            branch_prefix: format!("{BRANCH_COOKIE}-pt{:x}.", u64::from_le_bytes(salt)),
            next_id: 1,
        }
    }

    pub fn local(&self) -> &LocalAddr {
        &self.local
    }

    /// Whether `account` (a SIP number) is talking in a call through the proxy.
    pub fn in_call(&self, account: &str) -> bool {
        self.dialogs.in_call(account)
    }

    /// Forgets the dialogs `account` is in (its credentials were revoked); how many.
    pub fn end_dialogs_of(&mut self, account: &str) -> usize {
        self.dialogs.end_account(account)
    }

    /// Calls in progress, dialogs and relayed requests (for metrics and tests).
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.calls.len(), self.dialogs.len(), self.relays.len())
    }

    /// Adds DTMF keys pressed in a dialog; the relay (of `codes`) they complete, if any,
    /// after which the keys start over.
    pub fn press_keys(
        &mut self,
        dialog: &DialogInfo,
        keys: &[char],
        codes: &[(u32, String)],
    ) -> Option<u32> {
        self.dialogs
            .pressed(dialog, |pressed| {
                for k in keys {
                    crate::dtmf::press(pressed, *k);
                    if let Some(relay) = crate::dtmf::completed(pressed, codes) {
                        pressed.clear();
                        return Some(relay);
                    }
                }
                None
            })
            .flatten()
    }

    fn new_branch(&mut self) -> String {
        self.next_id += 1;
        format!("{}{:x}", self.branch_prefix, self.next_id)
    }

    /// Whether a request came back to us: one of its Vias is ours (a contact that points
    /// at the proxy itself, or two proxies pointing at each other).
    pub fn is_loop(&self, req: &Request) -> bool {
        let prefix = self.branch_prefix.as_str();
        // Only a Via that holds our prefix somewhere can be ours: the others are not parsed.
        req.headers
            .all(&HeaderName::Via)
            .filter(|v| v.contains(prefix))
            .any(|v| {
                crate::message::Via::parse(v)
                    .is_ok_and(|v| v.branch().is_some_and(|b| b.starts_with(prefix)))
            })
    }

    /// Strips the Route entries that name this proxy (loose routing, RFC 3261 §16.4) and
    /// counts the hop: false when Max-Forwards is spent (answer 483).
    pub fn prepare(&self, req: &mut Request) -> bool {
        // Only the top Route is read each time: it is ours and goes, or the loop ends.
        while let Some(top) = req.headers.get(&HeaderName::Route) {
            match NameAddr::parse(top, "Route") {
                Ok(r) if self.local.is_me(&r.uri) => {
                    req.headers.remove_first(&HeaderName::Route);
                }
                _ => break,
            }
        }
        let left = req.headers.max_forwards().ok().flatten().unwrap_or(70);
        if left == 0 {
            return false;
        }
        req.headers
            .set(HeaderName::MaxForwards, (left - 1).to_string());
        true
    }

    /// Runs the timers due at `now`.
    pub fn poll(&mut self, now: u64, out: &mut Vec<Transmit>) {
        while let Some((at, _)) = self.timers.first() {
            if *at > now {
                break;
            }
            let Some((_, timer)) = self.timers.pop_first() else {
                break;
            };
            match timer {
                Timer::Call(id) => self.call_timer(id, now, out),
                Timer::Relay(branch) => self.relay_timer(&branch, now, out),
            }
        }
        self.dialogs.expire(now);
        self.transactions.expire(now);
        self.shrink();
    }

    /// Gives back the room a burst of calls and transactions left empty.
    fn shrink(&mut self) {
        use crate::capacity::{shrink_map, shrink_queue};
        shrink_map(&mut self.calls);
        shrink_map(&mut self.calls_by_key);
        shrink_queue(&mut self.finished);
        shrink_map(&mut self.branches);
        shrink_map(&mut self.relays);
        self.dialogs.shrink();
        self.transactions.shrink();
    }

    /// When `poll` next has something to do: a timer, or transactions to forget (which
    /// arriving requests also do; this is for when none arrive, so a burst's transactions
    /// and their responses do not stay in memory).
    pub fn next_deadline(&self) -> Option<u64> {
        let timer = self.timers.first().map(|(at, _)| *at);
        match (timer, self.transactions.next_expiry()) {
            (Some(t), Some(x)) => Some(t.min(x)),
            (t, x) => t.or(x),
        }
    }

    /// A response from downstream: matched to a branch or a relayed request by our Via.
    /// `Some` carries a relayed non-INVITE final response for the server to record against
    /// its transaction (so retransmitted requests get it again).
    pub fn on_response(
        &mut self,
        resp: Response,
        now: u64,
        out: &mut Vec<Transmit>,
    ) -> Option<(TransactionKey, Bytes, bool)> {
        let via = resp.headers.top_via().ok()??;
        let branch = via.branch()?.to_owned();
        if let Some(&(id, index)) = self.branches.get(&branch) {
            self.branch_response(id, index, resp, now, out);
            return None;
        }
        if self.relays.contains_key(&branch) {
            return self.relay_response(&branch, resp, now, out);
        }
        tracing::debug!(status = resp.status, "SIP response matches no transaction");
        None
    }
}

/// A response as the side that sent the request gets it: our Via off the top, and its own
/// CSeq when the far side saw another one (a request sent again with a trunk's credentials
/// counts one higher).
fn upstream(mut resp: Response, sender_cseq: Option<&str>) -> Response {
    resp.headers.remove_first(&HeaderName::Via);
    if let Some(cseq) = sender_cseq {
        resp.headers.set(HeaderName::CSeq, cseq);
    }
    resp
}

/// The request as forwarded on one branch: our Via on top (and Record-Route for the
/// dialog-creating INVITE), the Request-URI of the target when one is given.
fn forwarded(req: &Request, uri: Option<&Uri>, via: String, record_route: &[String]) -> Request {
    let mut r = req.clone();
    if let Some(u) = uri {
        r.uri = u.clone();
    }
    for rr in record_route.iter().rev() {
        r.headers.push_front(HeaderName::RecordRoute, rr.clone());
    }
    r.headers.remove(&HeaderName::ProxyAuthorization);
    // A node's signature is for the node it was sent to, never for what lies beyond.
    r.headers
        .remove(&HeaderName::Other(crate::cluster::PEER_HEADER.to_owned()));
    r.headers.push_front(HeaderName::Via, via);
    r
}
