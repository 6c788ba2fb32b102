//! The registrar's bindings (RFC 3261 §10.3), without IO: which contacts an account is
//! reachable at, until when, and over which connection they registered.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;

use crate::cluster::Reach;
use crate::message::{Contact, NameAddr, Request};

/// How a binding's contact is reached: the transport and address it registered from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Transport {
    pub fn reliable(self) -> bool {
        self != Transport::Udp
    }

    pub fn via_name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.via_name())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    pub transport: Transport,
    pub addr: SocketAddr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    /// The Contact as registered, without its `expires` parameter.
    pub contact: NameAddr,
    pub expires_at_ms: u64,
    pub call_id: String,
    pub cseq: u32,
    pub source: Source,
    /// RFC 5626 `+sip.instance`, so a device that re-registers from a new address replaces
    /// its old binding instead of adding one.
    pub instance: Option<String>,
}

/// The registrar's limits; the defaults are what `porter serve` uses.
#[derive(Clone, Debug)]
pub struct RegistrarConfig {
    /// Shorter registrations get 423 with this Min-Expires (default 60 s).
    pub min_expires: u32,
    /// Longer requests are cut to this (default 3600 s).
    pub max_expires: u32,
    /// When neither the Contact nor the request says (default 3600 s).
    pub default_expires: u32,
    /// Contacts one account may hold at once (default 10): an app, a monitor and a spare.
    pub max_contacts: usize,
    /// Bindings in all (default 1,000,000; about 500 bytes each).
    pub max_bindings: usize,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        RegistrarConfig {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            max_contacts: 10,
            max_bindings: 1_000_000,
        }
    }
}

/// Why a REGISTER was refused, with the status it is answered with.
#[derive(Debug, PartialEq, Eq)]
pub enum RegisterError {
    /// 400: the request is malformed (a `*` Contact with others or without Expires: 0).
    Bad(String),
    /// 423 Interval Too Brief, with the Min-Expires to send.
    TooBrief(u32),
    /// 500: a CSeq not above the last one of the same Call-ID (an old request, reordered).
    OutOfOrder,
    /// 403: more contacts than an account may hold.
    TooManyContacts(usize),
    /// 503: the registrar is full.
    Full,
}

impl RegisterError {
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            RegisterError::Bad(_) => (400, "Bad Request"),
            RegisterError::TooBrief(_) => (423, "Interval Too Brief"),
            RegisterError::OutOfOrder => (500, "Server Internal Error"),
            RegisterError::TooManyContacts(_) => (403, "Forbidden"),
            RegisterError::Full => (503, "Service Unavailable"),
        }
    }
}

#[derive(Default)]
pub struct Registrar {
    config: RegistrarConfig,
    bindings: HashMap<String, Vec<Binding>>,
    count: usize,
    /// No binding expires before this (it may be earlier than the earliest real expiry
    /// after a refresh; `expire` sets it right).
    earliest_expiry_ms: Option<u64>,
    /// Accounts whose `reach` may have changed since `take_changes` (a first binding, a
    /// last one gone, a contact come or gone); kept only in cluster mode, where other nodes
    /// are told them.
    changes: Option<HashSet<String>>,
}

/// How other nodes reach `list`, an account's bindings here (`crate::cluster::Reach`).
fn reach(list: &[Binding]) -> Reach {
    let direct: Option<Vec<_>> = list.iter().map(crate::router::direct_contact).collect();
    match direct {
        Some(contacts) => Reach::Direct(contacts),
        None => Reach::Forward,
    }
}

/// Whether other nodes must be told of `now`, an account's bindings that were `had`:
/// they came or went, or they are reached directly from other nodes with another set of
/// contacts than before, or no longer (or newly) so. Allocates nothing: it runs on every
/// REGISTER in cluster mode.
fn reach_changed(had: Option<&[Binding]>, now: &[Binding]) -> bool {
    let Some(had) = had.filter(|h| !h.is_empty()) else {
        return !now.is_empty();
    };
    if now.is_empty() {
        return true;
    }
    let all_direct = |l: &[Binding]| l.iter().all(crate::router::is_direct);
    match (all_direct(had), all_direct(now)) {
        (false, false) => false,
        (true, true) => {
            had.len() != now.len()
                || now
                    .iter()
                    .any(|b| !had.iter().any(|h| h.contact.uri == b.contact.uri))
        }
        _ => true,
    }
}

fn same_contact(a: &NameAddr, b: &NameAddr) -> bool {
    a.uri == b.uri
}

impl Registrar {
    pub fn new(config: RegistrarConfig) -> Registrar {
        Registrar {
            config,
            bindings: HashMap::new(),
            count: 0,
            earliest_expiry_ms: None,
            changes: None,
        }
    }

    /// Starts keeping which accounts change (`take_changes`).
    pub fn track_changes(&mut self) {
        self.changes.get_or_insert_with(HashSet::new);
    }

    /// Each account whose bindings came, went or changed contact since the last call, with
    /// how other nodes reach them now (None: no binding any more); empty unless
    /// `track_changes` was called. A refresh that changes nothing is no news.
    pub fn take_changes(&mut self) -> Vec<(String, Option<Reach>)> {
        let changed = self
            .changes
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        changed
            .into_iter()
            .map(|aor| {
                let reach = self.bindings.get(&aor).map(|list| reach(list));
                (aor, reach)
            })
            .collect()
    }

    /// Every account with a binding held (expired ones included until the next `expire`),
    /// with how other nodes reach it.
    pub fn accounts(&self) -> Vec<(String, Reach)> {
        self.bindings
            .iter()
            .map(|(aor, list)| (aor.clone(), reach(list)))
            .collect()
    }

    fn changed(&mut self, aor: &str) {
        if let Some(changes) = &mut self.changes {
            changes.insert(aor.to_owned());
        }
    }

    pub fn config(&self) -> &RegistrarConfig {
        &self.config
    }

    /// Bindings held, expired ones included until the next `expire`.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The live bindings of `aor`, most recent last.
    pub fn lookup(&self, aor: &str, now_ms: u64) -> Vec<Binding> {
        self.bindings
            .get(aor)
            .map(|v| {
                v.iter()
                    .filter(|b| b.expires_at_ms > now_ms)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Applies an authenticated REGISTER for `aor` (RFC 3261 §10.3 steps 6–8) and returns the
    /// bindings to list in the 200. Nothing changes when it fails.
    pub fn register(
        &mut self,
        aor: &str,
        req: &Request,
        source: Source,
        now_ms: u64,
    ) -> Result<Vec<Binding>, RegisterError> {
        let bad = |e: crate::message::ParseError| RegisterError::Bad(e.to_string());
        let contacts = req.headers.contacts().map_err(bad)?;
        let header_expires = req.headers.expires().map_err(bad)?;
        let call_id = req.headers.call_id().map_err(bad)?.to_owned();
        let cseq = req.headers.cseq().map_err(bad)?.seq;
        if let Some(refreshed) = self.refresh_in_place(
            aor,
            &contacts,
            header_expires,
            &call_id,
            cseq,
            source,
            now_ms,
        ) {
            return refreshed;
        }
        let mut list = self.bindings.get(aor).cloned().unwrap_or_default();
        list.retain(|b| b.expires_at_ms > now_ms);
        // A binding made by this very Call-ID and CSeq: the request is a retransmission of
        // one applied already (REGISTER has no server transaction to absorb it), answered
        // with the bindings as they are, as the first time.
        if list.iter().any(|b| b.cseq == cseq && b.call_id == call_id) {
            return Ok(list);
        }

        if contacts.contains(&Contact::Star) {
            if contacts.len() != 1 || header_expires != Some(0) {
                return Err(RegisterError::Bad(
                    "Contact: * needs Expires: 0 and no other Contact".into(),
                ));
            }
            if list.iter().any(|b| b.call_id == call_id && cseq <= b.cseq) {
                return Err(RegisterError::OutOfOrder);
            }
            self.store(aor, Vec::new());
            return Ok(Vec::new());
        }
        for c in contacts {
            let Contact::Addr(mut addr) = c else { continue };
            let expires = self.contact_expires(&addr, header_expires)?;
            if expires > 0 && expires < self.config.min_expires {
                return Err(RegisterError::TooBrief(self.config.min_expires));
            }
            let expires = expires.min(self.config.max_expires);
            let instance = addr
                .params
                .get("+sip.instance")
                .flatten()
                .map(str::to_owned);
            addr.params.remove("expires");
            let existing = list.iter().position(|b| {
                same_contact(&b.contact, &addr) || (instance.is_some() && b.instance == instance)
            });
            if let Some(i) = existing {
                if list[i].call_id == call_id && cseq <= list[i].cseq {
                    return Err(RegisterError::OutOfOrder);
                }
                list.remove(i);
            }
            if expires > 0 {
                list.push(Binding {
                    contact: addr,
                    expires_at_ms: now_ms + u64::from(expires) * 1000,
                    call_id: call_id.clone(),
                    cseq,
                    source,
                    instance,
                });
            }
        }
        if list.len() > self.config.max_contacts {
            return Err(RegisterError::TooManyContacts(self.config.max_contacts));
        }
        let before = self.bindings.get(aor).map_or(0, Vec::len);
        if self.count - before + list.len() > self.config.max_bindings {
            return Err(RegisterError::Full);
        }
        self.store(aor, list.clone());
        Ok(list)
    }

    /// How long a Contact asks to be bound: its own `expires`, else the request's Expires,
    /// else the default (before the registrar's bounds).
    fn contact_expires(
        &self,
        addr: &NameAddr,
        header_expires: Option<u32>,
    ) -> Result<u32, RegisterError> {
        match addr.params.get("expires") {
            Some(Some(v)) => crate::message::delta_seconds(v, "Contact")
                .map_err(|e| RegisterError::Bad(e.to_string())),
            Some(None) => Err(RegisterError::Bad("Contact expires without a value".into())),
            None => Ok(header_expires.unwrap_or(self.config.default_expires)),
        }
    }

    /// The common REGISTER, a device refreshing its one binding: updated where it lies
    /// instead of the account's list made anew, so a long-lived binding keeps its memory
    /// (made anew under load, bindings ended up spread over the pages of a burst's
    /// short-lived allocations and kept them all in RSS). None when the request is anything
    /// else, or when a retransmission or refusal is for the general path to answer.
    #[allow(clippy::too_many_arguments)]
    fn refresh_in_place(
        &mut self,
        aor: &str,
        contacts: &[Contact],
        header_expires: Option<u32>,
        call_id: &str,
        cseq: u32,
        source: Source,
        now_ms: u64,
    ) -> Option<Result<Vec<Binding>, RegisterError>> {
        let [Contact::Addr(addr)] = contacts else {
            return None;
        };
        let expires = self.contact_expires(addr, header_expires).ok()?;
        // A removal (0) or a refusal (423) is the general path's.
        if expires == 0 || expires < self.config.min_expires {
            return None;
        }
        let list = self.bindings.get_mut(aor)?;
        if list.iter().any(|b| b.expires_at_ms <= now_ms) {
            return None;
        }
        // Only a cluster node tracks how its accounts are reached.
        let tracking = self.changes.is_some();
        let all_direct = |l: &[Binding]| tracking && l.iter().all(crate::router::is_direct);
        let was_direct = all_direct(list);
        let b = list.iter_mut().find(|b| same_contact(&b.contact, addr))?;
        let instance = addr.params.get("+sip.instance").flatten();
        if b.instance.as_deref() != instance || (b.call_id == call_id && cseq <= b.cseq) {
            return None;
        }
        // A device that registers again from a new address (a NAT's new port, a new
        // connection) moves its binding with it.
        b.source = source;
        let registered_params =
            (addr.params.0.iter()).filter(|(n, _)| !n.eq_ignore_ascii_case("expires"));
        if b.contact.display != addr.display || !b.contact.params.0.iter().eq(registered_params) {
            let mut contact = addr.clone();
            contact.params.remove("expires");
            b.contact = contact;
        }
        if b.call_id != call_id {
            b.call_id.clear();
            b.call_id.push_str(call_id);
        }
        b.cseq = cseq;
        b.expires_at_ms = now_ms + u64::from(expires.min(self.config.max_expires)) * 1000;
        let refreshed = list.clone();
        // The contact stayed; how other nodes reach the account changes only if whether
        // they may ring it directly did (`reach_changed`).
        if was_direct != all_direct(&refreshed) {
            self.changed(aor);
        }
        Some(Ok(refreshed))
    }

    fn store(&mut self, aor: &str, list: Vec<Binding>) {
        if let Some(first) = list.iter().map(|b| b.expires_at_ms).min() {
            self.earliest_expiry_ms = Some(self.earliest_expiry_ms.map_or(first, |e| e.min(first)));
        }
        let had = self.bindings.get(aor);
        let before = had.map_or(0, Vec::len);
        if self.changes.is_some() && reach_changed(had.map(Vec::as_slice), &list) {
            self.changed(aor);
        }
        self.count = self.count - before + list.len();
        if list.is_empty() {
            self.bindings.remove(aor);
        } else {
            self.bindings.insert(aor.to_owned(), list);
        }
    }

    /// Drops every binding of `aor` (its account was deleted or re-keyed); how many.
    pub fn remove(&mut self, aor: &str) -> usize {
        let removed = self.bindings.remove(aor).map_or(0, |v| v.len());
        self.count -= removed;
        if removed > 0 {
            self.changed(aor);
        }
        removed
    }

    /// Drops every binding: each device must authenticate again.
    pub fn clear(&mut self) {
        if let Some(changes) = &mut self.changes {
            changes.extend(self.bindings.keys().cloned());
        }
        self.bindings.clear();
        self.count = 0;
        self.earliest_expiry_ms = None;
    }

    /// Drops expired bindings (when `next_expiry` says some are due).
    pub fn expire(&mut self, now_ms: u64) {
        let mut count = 0;
        let mut earliest: Option<u64> = None;
        let changes = &mut self.changes;
        self.bindings.retain(|aor, v| {
            let before = v.len();
            v.retain(|b| b.expires_at_ms > now_ms);
            count += v.len();
            if let Some(first) = v.iter().map(|b| b.expires_at_ms).min() {
                earliest = Some(earliest.map_or(first, |e| e.min(first)));
            }
            if v.len() != before
                && let Some(changes) = changes
            {
                changes.insert(aor.clone());
            }
            !v.is_empty()
        });
        self.count = count;
        self.earliest_expiry_ms = earliest;
    }

    /// When `expire` next has something to remove (lookups skip expired bindings anyway,
    /// so this only frees memory).
    pub fn next_expiry(&self) -> Option<u64> {
        self.earliest_expiry_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Message, parse_datagram};

    const SRC: Source = Source {
        transport: Transport::Udp,
        addr: SocketAddr::new(
            std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)),
            5060,
        ),
    };

    fn reg(cseq: u32, call_id: &str, contact: &str, expires: Option<u32>) -> Request {
        let expires = expires
            .map(|e| format!("Expires: {e}\r\n"))
            .unwrap_or_default();
        let text = format!(
            "REGISTER sip:p SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK{cseq}\r\nFrom: <sip:1001@p>;tag=f\r\nTo: <sip:1001@p>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\nContact: {contact}\r\n{expires}\r\n"
        );
        match parse_datagram(text.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_next_expiry_is_known_and_set_right_by_expire() {
        let mut r = Registrar::default();
        assert_eq!(r.next_expiry(), None);
        r.register(
            "1001",
            &reg(1, "c", "<sip:1001@192.0.2.1>", Some(120)),
            SRC,
            0,
        )
        .expect("ok");
        r.register(
            "1001",
            &reg(2, "d", "<sip:1001@192.0.2.2>", Some(600)),
            SRC,
            0,
        )
        .expect("ok");
        assert_eq!(r.next_expiry(), Some(120_000));
        r.expire(120_000);
        assert_eq!((r.len(), r.next_expiry()), (1, Some(600_000)));
        r.expire(600_000);
        assert_eq!(
            (r.len(), r.next_expiry()),
            (0, None),
            "nothing left to wake for"
        );
    }

    #[test]
    fn bindings_add_refresh_expire_and_remove() {
        let mut r = Registrar::default();
        let b = r
            .register(
                "1001",
                &reg(1, "c", "<sip:1001@192.0.2.1>", Some(120)),
                SRC,
                0,
            )
            .expect("ok");
        assert_eq!((b.len(), b[0].expires_at_ms), (1, 120_000));
        let b = r
            .register(
                "1001",
                &reg(
                    2,
                    "c",
                    "<sip:1001@192.0.2.1>;expires=300, <sip:1001@192.0.2.2>",
                    None,
                ),
                SRC,
                1000,
            )
            .expect("refresh and add");
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].expires_at_ms, 301_000);
        assert_eq!(b[1].expires_at_ms, 1000 + 3_600_000, "default expiry");
        assert_eq!(r.len(), 2);
        assert_eq!(r.lookup("1001", 302_000).len(), 1);
        r.expire(302_000);
        assert_eq!(r.len(), 1);
        r.register(
            "1001",
            &reg(3, "c", "<sip:1001@192.0.2.2>", Some(0)),
            SRC,
            303_000,
        )
        .expect("remove");
        assert!(r.is_empty());
    }

    #[test]
    fn a_refresh_updates_its_binding_and_nothing_else() {
        let mut r = Registrar::default();
        r.register(
            "1001",
            &reg(1, "c", "<sip:1001@192.0.2.1>", Some(120)),
            SRC,
            0,
        )
        .expect("ok");
        r.register(
            "1001",
            &reg(1, "d", "<sip:1001@192.0.2.2>", Some(120)),
            SRC,
            0,
        )
        .expect("a second contact");
        // A new Call-ID (a restarted device) with a new parameter on its contact.
        let b = r
            .register(
                "1001",
                &reg(1, "e", "<sip:1001@192.0.2.1>;x=1", Some(600)),
                SRC,
                1_000,
            )
            .expect("refresh");
        let a = b
            .iter()
            .find(|b| b.contact.uri.host.to_string() == "192.0.2.1");
        let a = a.expect("the refreshed binding");
        assert_eq!(
            (a.expires_at_ms, a.call_id.as_str(), a.cseq),
            (601_000, "e", 1)
        );
        assert_eq!(a.contact.params.get("x"), Some(Some("1")));
        assert_eq!(a.contact.params.get("expires"), None);
        assert_eq!((b.len(), r.len()), (2, 2));
        assert_eq!(
            r.lookup("1001", 121_000).len(),
            1,
            "the other one is untouched"
        );
        // The same contact from another address is a move: the binding follows it, and
        // other nodes are told when that decides whether they may ring it directly.
        r.track_changes();
        let moved = Source {
            transport: Transport::Udp,
            addr: "192.0.2.1:5070".parse().expect("addr"),
        };
        let b = r
            .register(
                "1001",
                &reg(2, "e", "<sip:1001@192.0.2.1>", Some(600)),
                moved,
                2_000,
            )
            .expect("moved");
        assert!(
            b.iter()
                .any(|b| b.source == moved && b.expires_at_ms == 602_000)
        );
        assert_eq!(r.len(), 2);
        assert!(r.take_changes().is_empty(), "still reached directly");
        // An account whose one binding was reached directly, now from behind a NAT.
        r.register(
            "1002",
            &reg(1, "f", "<sip:1002@192.0.2.1>", Some(600)),
            SRC,
            3_000,
        )
        .expect("a direct binding");
        assert_eq!(r.take_changes().len(), 1, "a new account");
        let natted = Source {
            transport: Transport::Udp,
            addr: "198.51.100.7:40000".parse().expect("addr"),
        };
        r.register(
            "1002",
            &reg(2, "f", "<sip:1002@192.0.2.1>", Some(600)),
            natted,
            4_000,
        )
        .expect("behind a NAT now");
        assert_eq!(r.take_changes().len(), 1, "no longer reached directly");
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn a_removal_removes_even_with_no_minimum_expiry() {
        let mut r = Registrar::new(RegistrarConfig {
            min_expires: 0,
            ..RegistrarConfig::default()
        });
        r.register(
            "1001",
            &reg(1, "c", "<sip:1001@192.0.2.1>", Some(120)),
            SRC,
            0,
        )
        .expect("ok");
        r.register(
            "1001",
            &reg(2, "c", "<sip:1001@192.0.2.1>", Some(0)),
            SRC,
            1_000,
        )
        .expect("removed");
        assert!(r.is_empty());
    }

    #[test]
    fn a_revoked_account_loses_its_bindings_and_only_its_own() {
        let mut r = Registrar::default();
        for (aor, contact) in [
            ("1001", "<sip:1001@192.0.2.1>, <sip:1001@192.0.2.2>"),
            ("1002", "<sip:1002@192.0.2.3>"),
        ] {
            r.register(aor, &reg(1, aor, contact, Some(120)), SRC, 0)
                .expect("ok");
        }
        assert_eq!(r.len(), 3);
        assert_eq!(r.remove("1001"), 2);
        assert_eq!(r.remove("1001"), 0);
        assert!(r.lookup("1001", 0).is_empty());
        assert_eq!((r.len(), r.lookup("1002", 0).len()), (1, 1));
        r.clear();
        assert!(r.is_empty() && r.lookup("1002", 0).is_empty());
    }

    #[test]
    fn refusals_change_nothing() {
        let mut r = Registrar::default();
        r.register(
            "1001",
            &reg(5, "c", "<sip:1001@192.0.2.1>", Some(120)),
            SRC,
            0,
        )
        .expect("ok");
        assert_eq!(
            r.register(
                "1001",
                &reg(6, "c", "<sip:1001@192.0.2.9>", Some(10)),
                SRC,
                0
            ),
            Err(RegisterError::TooBrief(60))
        );
        assert_eq!(
            r.register(
                "1001",
                &reg(4, "c", "<sip:1001@192.0.2.1>", Some(120)),
                SRC,
                0
            ),
            Err(RegisterError::OutOfOrder)
        );
        assert!(matches!(
            r.register("1001", &reg(7, "c", "*", None), SRC, 0),
            Err(RegisterError::Bad(_))
        ));
        let many: Vec<String> = (0..11).map(|i| format!("<sip:1001@192.0.2.{i}>")).collect();
        assert_eq!(
            r.register("1001", &reg(8, "c", &many.join(", "), Some(120)), SRC, 0),
            Err(RegisterError::TooManyContacts(10))
        );
        assert_eq!(r.lookup("1001", 0).len(), 1);
        r.register("1001", &reg(9, "c", "*", Some(0)), SRC, 0)
            .expect("star");
        assert!(r.is_empty());
    }

    #[test]
    fn a_retransmission_is_answered_with_the_bindings_as_they_are() {
        let mut r = Registrar::default();
        let first = r
            .register(
                "1001",
                &reg(5, "c", "<sip:1001@192.0.2.1>", Some(120)),
                SRC,
                0,
            )
            .expect("ok");
        r.register(
            "1001",
            &reg(1, "d", "<sip:1001@192.0.2.2>", Some(600)),
            SRC,
            0,
        )
        .expect("a second contact");
        // The first request again, a second later: nothing moves (its expiry is not
        // extended), and the answer lists both bindings, like any 200 does.
        let again = r
            .register(
                "1001",
                &reg(5, "c", "<sip:1001@192.0.2.1>", Some(120)),
                SRC,
                1_000,
            )
            .expect("a retransmission is answered");
        assert_eq!(again.len(), 2);
        assert_eq!(again[0], first[0]);
        assert_eq!(r.lookup("1001", 1_000), again);
    }

    #[test]
    fn an_instance_replaces_its_old_binding() {
        let mut r = Registrar::default();
        let inst = "+sip.instance=\"<urn:uuid:1>\"";
        r.register(
            "1001",
            &reg(1, "a", &format!("<sip:x@192.0.2.1>;{inst}"), Some(600)),
            SRC,
            0,
        )
        .expect("ok");
        let b = r
            .register(
                "1001",
                &reg(1, "b", &format!("<sip:x@192.0.2.7>;{inst}"), Some(600)),
                SRC,
                0,
            )
            .expect("ok");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].contact.uri.to_string(), "sip:x@192.0.2.7");
    }

    fn sorted(mut changes: Vec<(String, Option<Reach>)>) -> Vec<(String, Option<Reach>)> {
        changes.sort_by(|a, b| a.0.cmp(&b.0));
        changes
    }

    #[test]
    fn accounts_coming_going_and_moving_are_told_when_tracked() {
        let mut r = Registrar::default();
        r.register("a", &reg(1, "c", "<sip:a@h>", Some(120)), SRC, 0)
            .expect("ok");
        assert!(r.take_changes().is_empty(), "not tracked by default");
        r.track_changes();
        r.register("b", &reg(1, "c", "<sip:b@h>", Some(120)), SRC, 0)
            .expect("ok");
        // A refresh and a second contact reached the same way are no news.
        r.register("b", &reg(2, "c", "<sip:b@h>, <sip:b@i>", Some(300)), SRC, 0)
            .expect("ok");
        r.register("c", &reg(1, "c", "<sip:c@h>", Some(60)), SRC, 0)
            .expect("ok");
        assert_eq!(
            sorted(r.take_changes()),
            vec![
                ("b".into(), Some(Reach::Forward)),
                ("c".into(), Some(Reach::Forward))
            ]
        );
        r.expire(60_000);
        assert_eq!(r.take_changes(), vec![("c".into(), None)]);
        r.register("b", &reg(3, "c", "*", Some(0)), SRC, 0)
            .expect("star");
        r.remove("a");
        r.remove("a");
        assert_eq!(
            sorted(r.take_changes()),
            vec![("a".into(), None), ("b".into(), None)]
        );
        r.register("d", &reg(1, "c", "<sip:d@h>", Some(120)), SRC, 0)
            .expect("ok");
        r.clear();
        assert_eq!(r.take_changes(), vec![("d".into(), None)]);
        assert!(r.accounts().is_empty());
    }

    #[test]
    fn a_contact_with_no_nat_between_is_reached_directly_from_other_nodes() {
        let mut r = Registrar::default();
        r.track_changes();
        // Registered from the address its Contact names: any node may send there.
        r.register(
            "m",
            &reg(1, "c", "<sip:m@192.0.2.1:5060>", Some(120)),
            SRC,
            0,
        )
        .expect("ok");
        let direct = |uris: &[&str]| {
            Some(Reach::Direct(
                uris.iter()
                    .map(|u| crate::cluster::DirectContact {
                        uri: crate::message::Uri::parse(u).expect("uri"),
                        addr: SRC.addr,
                    })
                    .collect(),
            ))
        };
        assert_eq!(
            r.take_changes(),
            vec![("m".into(), direct(&["sip:m@192.0.2.1:5060"]))]
        );
        // Its refresh is no news.
        r.register(
            "m",
            &reg(2, "c", "<sip:m@192.0.2.1:5060>", Some(120)),
            SRC,
            0,
        )
        .expect("ok");
        assert!(r.take_changes().is_empty());
        // A second contact behind NAT (another address than it came from): only this node
        // reaches the account now.
        r.register(
            "m",
            &reg(1, "d", "<sip:m@10.0.0.7:5060>", Some(120)),
            SRC,
            0,
        )
        .expect("ok");
        assert_eq!(r.take_changes(), vec![("m".into(), Some(Reach::Forward))]);
        // It goes: direct again.
        r.register("m", &reg(2, "d", "<sip:m@10.0.0.7:5060>", Some(0)), SRC, 0)
            .expect("ok");
        assert_eq!(
            r.take_changes(),
            vec![("m".into(), direct(&["sip:m@192.0.2.1:5060"]))]
        );
        // From another port of the same address: the contact's own port is where it listens.
        r.register(
            "p",
            &reg(1, "c", "<sip:p@192.0.2.1:5070>", Some(120)),
            SRC,
            0,
        )
        .expect("ok");
        let changes = r.take_changes();
        let Some(Reach::Direct(contacts)) = &changes[0].1 else {
            panic!("direct: {changes:?}");
        };
        assert_eq!(contacts[0].addr, "192.0.2.1:5070".parse().expect("addr"));
        // Over TCP the flow is this node's alone.
        let tcp = Source {
            transport: Transport::Tcp,
            addr: SRC.addr,
        };
        r.register(
            "t",
            &reg(1, "c", "<sip:t@192.0.2.1:5060>", Some(120)),
            tcp,
            0,
        )
        .expect("ok");
        assert_eq!(r.take_changes(), vec![("t".into(), Some(Reach::Forward))]);
    }

    #[test]
    fn the_registrar_is_bounded() {
        let mut r = Registrar::new(RegistrarConfig {
            max_bindings: 1,
            ..RegistrarConfig::default()
        });
        r.register("a", &reg(1, "c", "<sip:a@h>", Some(120)), SRC, 0)
            .expect("ok");
        assert_eq!(
            r.register("b", &reg(1, "c", "<sip:b@h>", Some(120)), SRC, 0),
            Err(RegisterError::Full)
        );
    }
}
