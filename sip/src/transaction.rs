//! Server transactions for non-INVITE requests (RFC 3261 §17.2.2), without IO.
//!
//! A request that arrives again (same branch, sent-by and method) is a retransmission: it
//! is absorbed, and the final response, once there is one, is sent again. Over UDP the
//! answered transaction is kept for Timer J (64·T1) so late retransmissions still find it;
//! over reliable transports it ends with the response. Transactions are keyed by the top
//! Via's branch; a request from an RFC 2543 client without the magic cookie is keyed by its
//! Call-ID, CSeq and From tag instead.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

use crate::message::{BRANCH_COOKIE, Request};

/// RFC 3261's T1, the round-trip estimate: 500 ms.
pub const T1_MS: u64 = 500;
/// Timer J: how long an answered non-INVITE transaction absorbs retransmissions over UDP.
pub const TIMER_J_MS: u64 = 64 * T1_MS;
/// What only costs memory once its time is over (an answered transaction, a finished
/// call) is forgotten in batches at most this often when no request arrives to do it: a
/// steady stream of them then wakes the timer task once a second, not once a millisecond.
const EXPIRY_BATCH_MS: u64 = 1_000;

/// `at_ms` rounded up to the next expiry batch (`EXPIRY_BATCH_MS`).
pub fn expiry_batch(at_ms: u64) -> u64 {
    at_ms.div_ceil(EXPIRY_BATCH_MS) * EXPIRY_BATCH_MS
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TransactionKey(String);

impl TransactionKey {
    /// None when the request lacks what a key needs (it fails `Request::check` anyway).
    pub fn of(req: &Request) -> Option<TransactionKey> {
        Self::keyed(req, req.method.as_str())
    }

    /// The key of the INVITE a CANCEL or a non-2xx ACK belongs to (RFC 3261 §9.2, §17.2.3):
    /// the same branch and sent-by, the method taken as INVITE.
    pub fn of_invite(req: &Request) -> Option<TransactionKey> {
        Self::keyed(req, "INVITE")
    }

    fn keyed(req: &Request, method: &str) -> Option<TransactionKey> {
        let via = req.headers.top_via().ok()??;
        match via.branch() {
            Some(b) if b.starts_with(BRANCH_COOKIE) => {
                // Built by hand: `format!` here was a tenth of a call's parsing cost.
                let mut key = String::with_capacity(b.len() + method.len() + 32);
                key.push_str(b);
                key.push('|');
                via.host.push_to(&mut key);
                key.push(':');
                push_u16(&mut key, via.port.unwrap_or(0));
                key.push('|');
                key.push_str(method);
                Some(TransactionKey(key))
            }
            _ => {
                let from_tag = req.headers.from_tag().ok()?;
                let cseq = req.headers.cseq().ok()?;
                let call_id = req.headers.call_id().ok()?;
                Some(TransactionKey(format!(
                    "{call_id}|{}|{}|{method}",
                    cseq.seq,
                    from_tag.unwrap_or_default()
                )))
            }
        }
    }
}

fn push_u16(out: &mut String, n: u16) {
    let mut digits = [0; 20];
    let digits = crate::message::decimal(u64::from(n), &mut digits);
    out.extend(digits.iter().map(|d| char::from(*d)));
}

/// What to do with an arriving request.
#[derive(Debug, PartialEq, Eq)]
pub enum Arrival {
    /// A new transaction: hand the request to the registrar or router.
    New,
    /// A retransmission: send this response again (None while the first is in progress).
    Retransmission(Option<Bytes>),
}

struct Entry {
    response: Option<Bytes>,
    /// When the entry goes: Timer J after the final response, or a bound on an unanswered one.
    ends_at_ms: u64,
}

/// The non-INVITE server transactions of one SIP server.
///
/// Entries leave in the order they were last given an end time (every end is "now + Timer
/// J"), kept in a queue, so expiry costs only what expires. The table is bounded: when it is
/// full the oldest entry makes room. That entry only absorbs late retransmissions (a
/// transaction is answered long before Timer J runs out), so under load Porter forgets
/// retransmission state instead of refusing new requests.
pub struct ServerTransactions {
    entries: HashMap<TransactionKey, Entry>,
    /// (end time, key) in the order end times were set; an item whose entry has another end
    /// time by now is stale and skipped.
    order: VecDeque<(u64, TransactionKey)>,
    max: usize,
}

impl ServerTransactions {
    /// At most `max` live transactions (each costs a key and at most one response).
    pub fn new(max: usize) -> ServerTransactions {
        ServerTransactions {
            entries: HashMap::new(),
            order: VecDeque::new(),
            max: max.max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn arrive(&mut self, key: &TransactionKey, now_ms: u64) -> Arrival {
        if let Some(e) = self.entries.get(key) {
            return Arrival::Retransmission(e.response.clone());
        }
        self.expire(now_ms);
        while self.entries.len() >= self.max {
            if !self.drop_oldest() {
                break;
            }
        }
        // An unanswered transaction is dropped after Timer J too, so one the TU forgot
        // cannot stay forever.
        let ends_at_ms = now_ms + TIMER_J_MS;
        self.entries.insert(
            key.clone(),
            Entry {
                response: None,
                ends_at_ms,
            },
        );
        self.order.push_back((ends_at_ms, key.clone()));
        Arrival::New
    }

    /// The final response was sent: keep it for retransmissions (UDP) or end (reliable).
    pub fn answered(&mut self, key: &TransactionKey, response: Bytes, reliable: bool, now_ms: u64) {
        if reliable {
            self.entries.remove(key);
        } else if let Some(e) = self.entries.get_mut(key) {
            e.response = Some(response);
            e.ends_at_ms = now_ms + TIMER_J_MS;
            self.order.push_back((e.ends_at_ms, key.clone()));
        }
    }

    /// Drops transactions whose time is over.
    pub fn expire(&mut self, now_ms: u64) {
        while let Some((at, _)) = self.order.front() {
            if *at > now_ms {
                break;
            }
            if let Some((at, key)) = self.order.pop_front()
                && self.entries.get(&key).is_some_and(|e| e.ends_at_ms == at)
            {
                self.entries.remove(&key);
            }
        }
    }

    /// When the oldest entry's time is over, rounded up to its expiry batch.
    pub fn next_expiry(&self) -> Option<u64> {
        self.order.front().map(|(at, _)| expiry_batch(*at))
    }

    /// Gives back the room a burst left empty (`crate::capacity`).
    pub fn shrink(&mut self) {
        crate::capacity::shrink_map(&mut self.entries);
        crate::capacity::shrink_queue(&mut self.order);
    }

    /// Removes the entry that would expire first; false when there is none.
    fn drop_oldest(&mut self) -> bool {
        while let Some((at, key)) = self.order.pop_front() {
            if self.entries.get(&key).is_some_and(|e| e.ends_at_ms == at) {
                self.entries.remove(&key);
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Message, parse_datagram};

    fn register(branch: &str) -> Request {
        let text = format!(
            "REGISTER sip:p SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch={branch}\r\nFrom: <sip:1@p>;tag=f\r\nTo: <sip:1@p>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n\r\n"
        );
        match parse_datagram(text.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_key_names_branch_sent_by_and_method() {
        let key = TransactionKey::of(&register("z9hG4bK1")).expect("key");
        assert_eq!(key.0, "z9hG4bK1|192.0.2.1:5060|REGISTER");
        for n in [0u16, 7, 10, 5060, u16::MAX] {
            let mut out = String::new();
            push_u16(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn the_oldest_transaction_says_when_it_is_due_in_batches() {
        let mut t = ServerTransactions::new(10);
        assert_eq!(t.next_expiry(), None, "nothing to forget, no wake-up");
        let key = TransactionKey::of(&register("z9hG4bK1")).expect("key");
        t.arrive(&key, 1_234);
        let due = 1_234 + TIMER_J_MS;
        assert_eq!(t.next_expiry(), Some(due.div_ceil(1_000) * 1_000));
        t.expire(due);
        assert!(t.is_empty());
        assert_eq!(t.next_expiry(), None);
    }

    #[test]
    fn retransmissions_get_the_same_response_until_timer_j() {
        let mut t = ServerTransactions::new(10);
        let key = TransactionKey::of(&register("z9hG4bK1")).expect("key");
        assert_eq!(t.arrive(&key, 0), Arrival::New);
        assert_eq!(t.arrive(&key, 10), Arrival::Retransmission(None));
        t.answered(&key, Bytes::from_static(b"200"), false, 20);
        assert_eq!(
            t.arrive(&key, 500),
            Arrival::Retransmission(Some(Bytes::from_static(b"200")))
        );
        t.expire(20 + TIMER_J_MS);
        assert_eq!(t.arrive(&key, 20 + TIMER_J_MS), Arrival::New);
    }

    #[test]
    fn reliable_transactions_end_with_their_response_and_the_table_is_bounded() {
        let mut t = ServerTransactions::new(1);
        let a = TransactionKey::of(&register("z9hG4bKa")).expect("key");
        let b = TransactionKey::of(&register("z9hG4bKb")).expect("key");
        assert_eq!(t.arrive(&a, 0), Arrival::New);
        t.answered(&a, Bytes::from_static(b"200"), false, 1);
        // Full: the oldest entry makes room rather than the new request being refused.
        assert_eq!(t.arrive(&b, 2), Arrival::New);
        assert_eq!(t.len(), 1);
        assert_eq!(
            t.arrive(&a, 3),
            Arrival::New,
            "a's retransmission state went"
        );
        assert_eq!(t.len(), 1);
        t.answered(&a, Bytes::new(), true, 4);
        assert!(t.is_empty());
        assert_eq!(t.arrive(&b, 5), Arrival::New);
        let old = TransactionKey::of(&register("old-style")).expect("key");
        assert_ne!(old, b);
    }
}
