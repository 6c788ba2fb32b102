//! Requests inside a dialog (RFC 3261 §16 for a request with a To tag): routed along the
//! dialog's flows. An ACK for a 2xx goes on without a transaction; a re-INVITE is a call
//! of one branch; BYE, INFO, UPDATE and the rest are relayed through a non-INVITE client
//! transaction (Timers E and F) whose final response goes back to the sender.

use bytes::Bytes;

use super::branch::Resend;
use super::call::NewCall;
use super::dialog::{DialogInfo, Direction};
use super::{CallMeta, Hop, Proxy, Stage, TIMER_B_MS, Timer, Transmit, forwarded, upstream};
use crate::message::{HeaderName, Method, Request, Response};
use crate::registrar::Source;
use crate::transaction::TransactionKey;

pub(super) struct Relay {
    key: TransactionKey,
    upstream: Source,
    to: Source,
    fallback: Option<std::net::SocketAddr>,
    bytes: Bytes,
    resend: Option<Resend>,
    give_up_at: u64,
    scheduled: Option<u64>,
    /// The CSeq the sender used, for the responses going back.
    origin_cseq: Option<String>,
    /// A BYE ends its dialog once answered.
    ends: Option<(String, String, String)>,
    origin: Request,
}

impl Relay {
    fn deadline(&self) -> u64 {
        self.resend
            .map_or(self.give_up_at, |r| r.at.min(self.give_up_at))
    }
}

/// What became of an in-dialog request.
#[derive(Debug, PartialEq)]
pub enum InDialog {
    /// Sent on; the dialog it belongs to (for the server's own use: DTMF unlock).
    Forwarded(Box<DialogInfo>),
    /// No dialog matches (answer 481; drop an ACK).
    Unknown,
    /// The proxy is full (answer 503).
    Full,
}

impl Proxy {
    /// Routes a request with a To tag, already prepared (`Proxy::prepare`), from `source`.
    pub fn in_dialog(
        &mut self,
        req: &Request,
        source: Source,
        now: u64,
        out: &mut Vec<Transmit>,
    ) -> InDialog {
        let ids = (|| {
            let call_id = req.headers.call_id().ok()?.to_owned();
            let from = req.headers.from_tag().ok()??.to_owned();
            let to = req.headers.to_tag().ok()??.to_owned();
            Some((call_id, from, to))
        })();
        let Some((call_id, from_tag, to_tag)) = ids else {
            return InDialog::Unknown;
        };
        let Some((info, direction)) = self.dialogs.find(&call_id, &from_tag, &to_tag, now) else {
            return InDialog::Unknown;
        };
        let (to, fallback, aor) = match direction {
            Direction::ToCallee => (info.callee, info.callee_fallback, info.answered_by.clone()),
            Direction::ToCaller => (
                info.caller,
                info.meta.forwarded_by,
                info.meta.caller.clone(),
            ),
        };
        let original_cseq = req.headers.get(&HeaderName::CSeq).map(str::to_owned);
        // Copied only when it must change.
        let mut req = std::borrow::Cow::Borrowed(req);
        let renumbered = direction == Direction::ToCallee && info.cseq_offset > 0;
        if renumbered {
            // The callee saw the INVITE one CSeq higher (sent again with credentials).
            if let Ok(c) = req.headers.cseq() {
                let shifted = format!("{} {}", c.seq + info.cseq_offset, c.method);
                req.to_mut().headers.set(HeaderName::CSeq, shifted);
            }
        }
        match req.method {
            Method::Ack => {
                let branch = self.new_branch();
                let ack = forwarded(&req, None, self.local.via(to.transport, &branch), &[]);
                out.push(Transmit {
                    to,
                    fallback,
                    bytes: ack.to_bytes(),
                });
            }
            Method::Invite => {
                let hop = Hop {
                    credentials: None,
                    peer_signature: None,
                    aor,
                    uri: req.uri.clone(),
                    to,
                    fallback,
                };
                let stage = Stage {
                    hops: vec![hop],
                    ring_ms: TIMER_B_MS,
                };
                let call = NewCall {
                    invite: req.into_owned(),
                    upstream: source,
                    meta: CallMeta::default(),
                    stages: vec![stage],
                    initial: false,
                    caller_cseq: original_cseq.clone().filter(|_| renumbered),
                };
                if self.start_call(call, now, out).is_err() {
                    return InDialog::Full;
                }
            }
            _ => {
                let Some(key) = TransactionKey::of(&req) else {
                    return InDialog::Unknown;
                };
                if self.relays.len() >= self.config.max_calls {
                    return InDialog::Full;
                }
                let branch = self.new_branch();
                let request = forwarded(&req, None, self.local.via(to.transport, &branch), &[]);
                let bytes = request.to_bytes();
                out.push(Transmit {
                    to,
                    fallback,
                    bytes: bytes.clone(),
                });
                let ends = (req.method == Method::Bye).then_some((call_id, from_tag, to_tag));
                let origin_cseq = original_cseq.clone();
                let relay = Relay {
                    key,
                    upstream: source,
                    to,
                    fallback,
                    bytes,
                    resend: Resend::start(now, to.transport.reliable()),
                    give_up_at: now + TIMER_B_MS,
                    scheduled: None,
                    ends,
                    origin_cseq,
                    origin: req.into_owned(),
                };
                self.relays.insert(branch.clone(), relay);
                self.schedule_relay(&branch);
            }
        }
        InDialog::Forwarded(Box::new(info))
    }

    pub(super) fn relay_response(
        &mut self,
        branch: &str,
        resp: Response,
        _now: u64,
        out: &mut Vec<Transmit>,
    ) -> Option<(TransactionKey, Bytes, bool)> {
        let relay = self.relays.get_mut(branch)?;
        let class = resp.class();
        // The sender gets its own CSeq back (see the offset in `in_dialog`).
        let bytes = upstream(resp, relay.origin_cseq.as_deref()).to_bytes();
        out.push(Transmit {
            to: relay.upstream,
            fallback: None,
            bytes: bytes.clone(),
        });
        if class == 1 {
            // Timer E keeps going, at T2 (§17.1.2.2).
            relay.resend = relay.resend.map(|r| Resend {
                at: r.at,
                interval: super::T2_MS,
            });
            return None;
        }
        let relay = self.remove_relay(branch)?;
        if let Some((call_id, a, b)) = &relay.ends {
            self.dialogs.end(call_id, (a, b));
        }
        Some((relay.key, bytes, relay.upstream.transport.reliable()))
    }

    pub(super) fn relay_timer(&mut self, branch: &str, now: u64, out: &mut Vec<Transmit>) {
        let Some(relay) = self.relays.get_mut(branch) else {
            return;
        };
        relay.scheduled = None;
        if relay.give_up_at <= now {
            // Timer F: the far end is gone. The sender learns it; a BYE still ends the dialog.
            if let Some(relay) = self.remove_relay(branch) {
                let mut timeout = relay.origin.response(408, "Request Timeout", None);
                if let Some(cseq) = relay.origin_cseq.as_deref() {
                    timeout.headers.set(HeaderName::CSeq, cseq);
                }
                let timeout = timeout.to_bytes();
                out.push(Transmit {
                    to: relay.upstream,
                    fallback: None,
                    bytes: timeout.clone(),
                });
                if let Some((call_id, a, b)) = &relay.ends {
                    self.dialogs.end(call_id, (a, b));
                }
                let reliable = relay.upstream.transport.reliable();
                self.transactions
                    .answered(&relay.key, timeout, reliable, now);
            }
            return;
        }
        if let Some(r) = relay.resend
            && r.at <= now
        {
            out.push(Transmit {
                to: relay.to,
                fallback: relay.fallback,
                bytes: relay.bytes.clone(),
            });
            relay.resend = Some(r.next(now, true));
        }
        self.schedule_relay(branch);
    }

    fn remove_relay(&mut self, branch: &str) -> Option<Relay> {
        let relay = self.relays.remove(branch)?;
        if let Some(at) = relay.scheduled {
            self.timers.remove(&(at, Timer::Relay(branch.to_owned())));
        }
        Some(relay)
    }

    fn schedule_relay(&mut self, branch: &str) {
        let Some(relay) = self.relays.get_mut(branch) else {
            return;
        };
        let next = relay.deadline();
        if relay.scheduled == Some(next) {
            return;
        }
        if let Some(at) = relay.scheduled {
            self.timers.remove(&(at, Timer::Relay(branch.to_owned())));
        }
        self.timers.insert((next, Timer::Relay(branch.to_owned())));
        relay.scheduled = Some(next);
    }
}
