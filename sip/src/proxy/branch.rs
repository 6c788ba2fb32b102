//! One branch of a call: an INVITE client transaction (RFC 3261 §17.1.1) with Timer A
//! retransmissions over UDP, its CANCEL (§9.1, only once the branch has answered
//! provisionally), and the ACK for a non-2xx final response.

use bytes::Bytes;

use super::{Hop, T2_MS, TIMER_B_MS, Transmit};
use crate::message::{HeaderName, Method, Request, Response};
use crate::transaction::T1_MS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BranchState {
    Calling,
    Proceeding,
    /// A final non-2xx arrived and was acknowledged.
    Completed,
    /// A 2xx arrived, or the branch gave up.
    Terminated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cancel {
    No,
    /// To send once the branch has answered provisionally (§9.1 forbids it before).
    Wanted,
    Sent,
}

/// A retransmission schedule: next time and current interval.
#[derive(Clone, Copy, Debug)]
pub(super) struct Resend {
    pub(super) at: u64,
    pub(super) interval: u64,
}

impl Resend {
    pub(super) fn start(now: u64, reliable: bool) -> Option<Resend> {
        (!reliable).then_some(Resend {
            at: now + T1_MS,
            interval: T1_MS,
        })
    }

    /// The next schedule after a resend; INVITE requests double without a cap (Timer A),
    /// everything else stops doubling at T2 (Timers E and G).
    pub(super) fn next(self, now: u64, cap: bool) -> Resend {
        let interval = if cap {
            (self.interval * 2).min(T2_MS)
        } else {
            self.interval * 2
        };
        Resend {
            at: now + interval,
            interval,
        }
    }
}

pub(super) struct Branch {
    pub(super) id: String,
    pub(super) hop: Hop,
    pub(super) request: Request,
    pub(super) bytes: Bytes,
    pub(super) state: BranchState,
    pub(super) resend: Option<Resend>,
    /// When the branch is given up if it stays without a final response.
    pub(super) give_up_at: Option<u64>,
    pub(super) cancel: Cancel,
    pub(super) cancel_bytes: Option<Bytes>,
    pub(super) cancel_resend: Option<Resend>,
    pub(super) ack: Option<Bytes>,
    /// Left behind by a stage that timed out or by the call's end: it no longer holds the
    /// call back, but its responses are still answered (ACK, CANCEL).
    pub(super) abandoned: bool,
    /// Already sent again with credentials after a challenge (only once).
    pub(super) authenticated: bool,
}

impl Branch {
    pub(super) fn finished(&self) -> bool {
        self.abandoned || matches!(self.state, BranchState::Completed | BranchState::Terminated)
    }

    pub(super) fn deadline(&self) -> Option<u64> {
        [
            self.resend.map(|r| r.at),
            self.give_up_at,
            self.cancel_resend.map(|r| r.at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub(super) fn transmit(&self, bytes: Bytes) -> Transmit {
        Transmit {
            to: self.hop.to,
            fallback: self.hop.fallback,
            bytes,
        }
    }

    /// Sends CANCEL now if the branch has answered provisionally, else once it does.
    pub(super) fn cancel(&mut self, now: u64, out: &mut Vec<Transmit>) {
        match (self.state, self.cancel) {
            (BranchState::Proceeding, Cancel::No | Cancel::Wanted) => {
                let bytes = cancel_for(&self.request).to_bytes();
                out.push(self.transmit(bytes.clone()));
                self.cancel = Cancel::Sent;
                self.cancel_resend = Resend::start(now, self.hop.to.transport.reliable());
                self.cancel_bytes = Some(bytes);
                // §9.1: with no final response 64·T1 after the CANCEL, the branch is over.
                self.give_up_at = Some(now + TIMER_B_MS);
            }
            (BranchState::Calling, Cancel::No) => self.cancel = Cancel::Wanted,
            _ => {}
        }
    }
}

/// The CANCEL for a forwarded INVITE: same Request-URI, top Via, Call-ID, From, To and
/// CSeq number, and Route (§9.1).
fn cancel_for(invite: &Request) -> Request {
    let mut r = Request {
        method: Method::Cancel,
        uri: invite.uri.clone(),
        headers: Default::default(),
        body: Bytes::new(),
    };
    copy_for_cancel_or_ack(invite, &mut r, None);
    r
}

/// The ACK for a non-2xx final response to a forwarded INVITE (§17.1.1.3): like the
/// CANCEL, with the response's To (its tag).
pub(super) fn ack_for(invite: &Request, resp: &Response) -> Request {
    let mut r = Request {
        method: Method::Ack,
        uri: invite.uri.clone(),
        headers: Default::default(),
        body: Bytes::new(),
    };
    copy_for_cancel_or_ack(invite, &mut r, resp.headers.get(&HeaderName::To));
    r
}

fn copy_for_cancel_or_ack(invite: &Request, r: &mut Request, to: Option<&str>) {
    if let Some(v) = invite.headers.get(&HeaderName::Via) {
        r.headers.push(HeaderName::Via, v);
    }
    for name in [HeaderName::From, HeaderName::To, HeaderName::CallId] {
        let value = match (&name, to) {
            (HeaderName::To, Some(to)) => Some(to),
            _ => invite.headers.get(&name),
        };
        if let Some(v) = value {
            r.headers.push(name, v);
        }
    }
    for route in invite.headers.all(&HeaderName::Route) {
        r.headers.push(HeaderName::Route, route);
    }
    let seq = invite.headers.cseq().map(|c| c.seq).unwrap_or(1);
    r.headers
        .push(HeaderName::CSeq, format!("{seq} {}", r.method.as_str()));
    r.headers.push(HeaderName::MaxForwards, "70");
}
