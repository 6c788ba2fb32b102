//! Confirmed dialogs (RFC 3261 §12) as the proxy keeps them: which flow leads to each side,
//! so in-dialog requests (ACK, BYE, INFO, re-INVITE) reach devices behind NAT or on a TCP
//! connection they opened, and so a DTMF INFO can be tied to the door phone in the call.

use std::collections::HashMap;
use std::net::SocketAddr;

use super::{CallMeta, Hop};
use crate::message::{Request, Response};
use crate::registrar::Source;

/// One dialog: its identifiers, the flows to both ends, and who is in it.
#[derive(Clone, Debug, PartialEq)]
pub struct DialogInfo {
    pub call_id: String,
    pub caller_tag: String,
    pub callee_tag: String,
    pub caller: Source,
    pub callee: Source,
    pub callee_fallback: Option<SocketAddr>,
    pub meta: CallMeta,
    /// The account whose contact answered.
    pub answered_by: String,
    /// How much higher the callee's side counts CSeq than the caller's: 1 when the INVITE
    /// was sent again with credentials (a trunk's challenge).
    pub cseq_offset: u32,
}

impl DialogInfo {
    pub(super) fn of(
        invite: &Request,
        ok: &Response,
        caller: Source,
        hop: &Hop,
        meta: &CallMeta,
    ) -> Option<DialogInfo> {
        Some(DialogInfo {
            call_id: invite.headers.call_id().ok()?.to_owned(),
            caller_tag: invite.headers.from_tag().ok()??.to_owned(),
            callee_tag: ok.headers.to_tag().ok()??.to_owned(),
            caller,
            callee: hop.to,
            callee_fallback: hop.fallback,
            meta: meta.clone(),
            answered_by: hop.aor.clone(),
            cseq_offset: 0,
        })
    }
}

/// Which way an in-dialog request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ToCallee,
    ToCaller,
}

struct Entry {
    info: DialogInfo,
    last_used: u64,
    /// DTMF keys sent as INFO so far (the last few).
    pressed: String,
}

pub(super) struct Dialogs {
    by_call_id: HashMap<String, Vec<Entry>>,
    /// Accounts in a confirmed dialog (caller, or the one that answered), and in how many.
    in_call: HashMap<String, u32>,
    count: usize,
    max: usize,
    idle_ms: u64,
    next_sweep: u64,
}

impl Dialogs {
    pub(super) fn new(max: usize, idle_ms: u64) -> Dialogs {
        Dialogs {
            by_call_id: HashMap::new(),
            in_call: HashMap::new(),
            count: 0,
            max,
            idle_ms,
            next_sweep: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// Whether `account` is talking in a dialog through the proxy.
    pub(super) fn in_call(&self, account: &str) -> bool {
        self.in_call.contains_key(account)
    }

    /// Remembers a dialog; false when the table is full (its in-dialog requests then get
    /// 481, and the caller hangs up).
    pub(super) fn confirm(&mut self, info: DialogInfo, now: u64) -> bool {
        if self.count >= self.max {
            tracing::warn!(call_id = %info.call_id, "SIP dialog table full");
            return false;
        }
        self.count += 1;
        for account in [&info.meta.caller, &info.answered_by] {
            *self.in_call.entry(account.clone()).or_default() += 1;
        }
        self.by_call_id
            .entry(info.call_id.clone())
            .or_default()
            .push(Entry {
                info,
                last_used: now,
                pressed: String::new(),
            });
        true
    }

    /// The dialog a request belongs to, by Call-ID and tags, and which way it goes.
    pub(super) fn find(
        &mut self,
        call_id: &str,
        from_tag: &str,
        to_tag: &str,
        now: u64,
    ) -> Option<(DialogInfo, Direction)> {
        let entries = self.by_call_id.get_mut(call_id)?;
        entries.iter_mut().find_map(|e| {
            let i = &e.info;
            let direction = if i.caller_tag == from_tag && i.callee_tag == to_tag {
                Direction::ToCallee
            } else if i.callee_tag == from_tag && i.caller_tag == to_tag {
                Direction::ToCaller
            } else {
                return None;
            };
            e.last_used = now;
            Some((e.info.clone(), direction))
        })
    }

    /// The DTMF keys pressed in a dialog, for `f` to add to or clear.
    pub(super) fn pressed<T>(
        &mut self,
        info: &DialogInfo,
        f: impl FnOnce(&mut String) -> T,
    ) -> Option<T> {
        let entry = self
            .by_call_id
            .get_mut(&info.call_id)?
            .iter_mut()
            .find(|e| {
                e.info.caller_tag == info.caller_tag && e.info.callee_tag == info.callee_tag
            })?;
        Some(f(&mut entry.pressed))
    }

    /// Forgets a dialog (its BYE was answered).
    pub(super) fn end(&mut self, call_id: &str, tags: (&str, &str)) {
        let Dialogs {
            by_call_id,
            in_call,
            count,
            ..
        } = self;
        let Some(entries) = by_call_id.get_mut(call_id) else {
            return;
        };
        let before = entries.len();
        entries.retain(|e| {
            let t = (e.info.caller_tag.as_str(), e.info.callee_tag.as_str());
            let keep = t != tags && (t.1, t.0) != tags;
            if !keep {
                untrack(in_call, &e.info);
            }
            keep
        });
        *count -= before - entries.len();
        if entries.is_empty() {
            by_call_id.remove(call_id);
        }
    }

    /// Forgets every dialog `account` is in, as caller or as the one that answered.
    pub(super) fn end_account(&mut self, account: &str) -> usize {
        if !self.in_call.contains_key(account) {
            return 0;
        }
        let mut ended = 0;
        let in_call = &mut self.in_call;
        self.by_call_id.retain(|_, v| {
            v.retain(|e| {
                let keep = e.info.meta.caller != account && e.info.answered_by != account;
                if !keep {
                    untrack(in_call, &e.info);
                    ended += 1;
                }
                keep
            });
            !v.is_empty()
        });
        self.count -= ended;
        ended
    }

    /// Forgets dialogs idle for too long (a BYE that never came); runs once a second.
    pub(super) fn expire(&mut self, now: u64) {
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now + 1000;
        let idle = self.idle_ms;
        let mut count = 0;
        let in_call = &mut self.in_call;
        self.by_call_id.retain(|_, v| {
            v.retain(|e| {
                let keep = e.last_used + idle > now;
                if !keep {
                    untrack(in_call, &e.info);
                }
                keep
            });
            count += v.len();
            !v.is_empty()
        });
        self.count = count;
    }
}

impl Dialogs {
    /// Gives back the room a burst of calls left empty (`crate::capacity`).
    pub(super) fn shrink(&mut self) {
        crate::capacity::shrink_map(&mut self.by_call_id);
        crate::capacity::shrink_map(&mut self.in_call);
    }
}

fn untrack(in_call: &mut HashMap<String, u32>, info: &DialogInfo) {
    for account in [&info.meta.caller, &info.answered_by] {
        if let Some(n) = in_call.get_mut(account.as_str()) {
            *n -= 1;
            if *n == 0 {
                in_call.remove(account.as_str());
            }
        }
    }
}
