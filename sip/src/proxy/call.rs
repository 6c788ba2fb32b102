//! One call through the proxy: the INVITE server transaction facing the caller (RFC 3261
//! §17.2.1) and the response context that rings the stages and chooses what the caller
//! gets (§16.7). Each branch is an INVITE client transaction (`branch.rs`).

use std::collections::VecDeque;

use bytes::Bytes;

use super::branch::{Branch, BranchState, Cancel, Resend, ack_for};
use super::dialog::DialogInfo;
use super::{
    CallMeta, Hop, Proxy, Stage, TIMER_B_MS, Timer, Transmit, TrunkCredentials, forwarded, upstream,
};
use crate::message::{HeaderName, Method, Request, Response};
use crate::registrar::Source;
use crate::transaction::TransactionKey;

/// RFC 3261's T4: how long an acknowledged final response lingers to absorb ACKs (UDP).
const T4_MS: u64 = 5_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Branches ringing; provisional responses go up.
    Proceeding,
    /// A non-2xx final response went up; it is resent (UDP) until the caller's ACK.
    Completed,
    /// A 2xx went up; the call lingers to pass on the callee's 2xx retransmissions.
    Answered,
}

/// How good a final response is for the caller, lower is better (§16.7 step 6): a 6xx
/// ends the search; busy says more than unavailable; a timeout says least.
fn rank(status: u16) -> u16 {
    match status {
        600..=699 => 0,
        486 => 1,
        408 => 4,
        400..=499 => 2,
        500..=599 => 3,
        _ => 5,
    }
}

/// A call to start: an INVITE already authenticated, routed and prepared
/// (`Proxy::prepare`), and what to ring.
pub struct NewCall {
    pub invite: Request,
    pub upstream: Source,
    pub meta: CallMeta,
    pub stages: Vec<Stage>,
    /// False for a re-INVITE inside a dialog (no Record-Route, no new dialog).
    pub initial: bool,
    /// The CSeq the caller sent, when `invite` carries another one (a re-INVITE toward a
    /// trunk that saw the first INVITE one higher); responses going up get it back.
    pub caller_cseq: Option<String>,
}

pub(super) struct Call {
    key: TransactionKey,
    upstream: Source,
    invite: Request,
    /// The CSeq header the caller used (see `NewCall::caller_cseq`).
    caller_cseq: String,
    meta: CallMeta,
    /// Dialog-creating: Record-Route the branches and remember the dialog on 2xx.
    initial: bool,
    stages: VecDeque<Stage>,
    branches: Vec<Branch>,
    /// The first branch of the stage now ringing.
    stage_first: usize,
    stage_ends_at: Option<u64>,
    best: Option<Response>,
    state: State,
    /// The last response sent up, for a retransmitted INVITE.
    last: Option<Bytes>,
    resend: Option<Resend>,
    ends_at: Option<u64>,
    scheduled: Option<u64>,
}

impl Call {
    fn deadline(&self) -> Option<u64> {
        // The end of a call only frees memory: batched, so that a stream of ended calls
        // does not wake the timer task for each one.
        let ends_at = self.ends_at.map(crate::transaction::expiry_batch);
        let own = [self.stage_ends_at, self.resend.map(|r| r.at), ends_at];
        own.into_iter()
            .flatten()
            .chain(self.branches.iter().filter_map(Branch::deadline))
            .min()
    }

    /// An answered call stays for Timer B's 32 s only to pass retransmitted 2xx up and to
    /// finish its cancelled branches: the INVITE as it came and as the answering branch sent
    /// it are not needed again. At thousands of calls a second those copies were most of
    /// the proxy's memory, and what a burst leaves in RSS.
    fn shed_answered(&mut self, answering: usize) {
        self.invite.headers = Default::default();
        self.invite.body = Bytes::new();
        if let Some(branch) = self.branches.get_mut(answering) {
            branch.request.headers = Default::default();
            branch.request.body = Bytes::new();
            branch.bytes = Bytes::new();
        }
    }

    fn send_up(&mut self, bytes: Bytes, out: &mut Vec<Transmit>) {
        out.push(Transmit {
            to: self.upstream,
            fallback: self.meta.forwarded_by,
            bytes: bytes.clone(),
        });
        self.last = Some(bytes);
    }

    /// A response of the proxy's own as the caller gets it: with the caller's CSeq.
    fn to_caller(&self, mut response: Response) -> Bytes {
        response
            .headers
            .set(HeaderName::CSeq, self.caller_cseq.clone());
        response.to_bytes()
    }

    fn local_tag(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.key.hash(&mut h);
        format!("pt{:x}", h.finish())
    }
}

impl Proxy {
    /// A retransmitted INVITE: answered again with the last response; true when it was one.
    pub fn invite_retransmission(&mut self, req: &Request, out: &mut Vec<Transmit>) -> bool {
        let Some(key) = TransactionKey::of(req) else {
            return false;
        };
        let Some(call) = self
            .calls_by_key
            .get(&key)
            .and_then(|id| self.calls.get(id))
        else {
            return false;
        };
        if let Some(last) = &call.last {
            out.push(Transmit {
                to: call.upstream,
                fallback: None,
                bytes: last.clone(),
            });
        }
        true
    }

    fn insert_call(
        &mut self,
        invite: Request,
        upstream: Source,
        meta: CallMeta,
        caller_cseq: Option<String>,
    ) -> Option<u64> {
        let key = TransactionKey::of(&invite)?;
        let caller_cseq = caller_cseq
            .or_else(|| invite.headers.get(&HeaderName::CSeq).map(str::to_owned))
            .unwrap_or_default();
        if !self.make_room() {
            return None;
        }
        self.next_id += 1;
        let id = self.next_id;
        self.calls_by_key.insert(key.clone(), id);
        self.calls.insert(
            id,
            Call {
                key,
                upstream,
                invite,
                caller_cseq,
                meta,
                initial: true,
                stages: VecDeque::new(),
                branches: Vec::new(),
                stage_first: 0,
                stage_ends_at: None,
                best: None,
                state: State::Proceeding,
                last: None,
                resend: None,
                ends_at: None,
                scheduled: None,
            },
        );
        Some(id)
    }

    /// Room for one more call: finished calls (they only absorb retransmissions) go first.
    fn make_room(&mut self) -> bool {
        while self.calls.len() >= self.config.max_calls {
            let Some(oldest) = self.finished.pop_front() else {
                return false;
            };
            self.remove_call(oldest);
        }
        true
    }

    /// Starts ringing a call's stages. When the proxy is full (answer 503) or the INVITE has
    /// no transaction key, the call comes back untouched.
    pub fn start_call(
        &mut self,
        call: NewCall,
        now: u64,
        out: &mut Vec<Transmit>,
    ) -> Result<(), Box<NewCall>> {
        if TransactionKey::of(&call.invite).is_none() || !self.make_room() {
            return Err(Box::new(call));
        }
        let trying = call.invite.response(100, "Trying", None);
        let Some(id) = self.insert_call(call.invite, call.upstream, call.meta, call.caller_cseq)
        else {
            return Ok(());
        };
        if let Some(c) = self.calls.get_mut(&id) {
            c.initial = call.initial;
            c.stages = call.stages.into();
            let trying = c.to_caller(trying);
            c.send_up(trying, out);
        }
        self.next_stage(id, now, out);
        self.schedule(id);
        Ok(())
    }

    /// Answers an INVITE with a final non-2xx response of the proxy's own (401, 404, 486…),
    /// kept as a transaction so it is resent until the caller's ACK and the ACK is absorbed.
    pub fn reject(
        &mut self,
        invite: Request,
        upstream: Source,
        mut response: Response,
        now: u64,
        out: &mut Vec<Transmit>,
    ) {
        let Some(id) = self.insert_call(invite, upstream, CallMeta::default(), None) else {
            out.push(Transmit {
                to: upstream,
                fallback: None,
                bytes: response.to_bytes(),
            });
            return;
        };
        if let Some(call) = self.calls.get_mut(&id)
            && response.headers.to().is_ok_and(|t| t.tag().is_none())
            && let Some(to) = response.headers.get(&HeaderName::To)
        {
            let tagged = format!("{to};tag={}", call.local_tag());
            response.headers.set(HeaderName::To, tagged);
        }
        self.finish(id, response, now, out);
        self.schedule(id);
    }

    /// A CANCEL from the caller (already past its own server transaction): 200 and the
    /// branches cancelled, the caller answered 487; 481 when no call matches.
    pub fn cancel(&mut self, cancel: &Request, now: u64, out: &mut Vec<Transmit>) -> Response {
        let id = TransactionKey::of_invite(cancel).and_then(|k| self.calls_by_key.get(&k).copied());
        let Some(id) = id else {
            return cancel.response(481, "Call/Transaction Does Not Exist", None);
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return cancel.response(481, "Call/Transaction Does Not Exist", None);
        };
        if call.state == State::Proceeding {
            call.stages.clear();
            call.stage_ends_at = None;
            for b in call.branches.iter_mut() {
                b.cancel(now, out);
                b.abandoned = true;
            }
            let terminated =
                call.invite
                    .response(487, "Request Terminated", Some(&call.local_tag()));
            self.finish(id, terminated, now, out);
            self.schedule(id);
        }
        cancel.response(200, "OK", None)
    }

    /// An ACK for a final non-2xx response of ours (same branch as the INVITE): absorbed,
    /// and the response is no longer resent. False when it is not one (a 2xx ACK, routed
    /// through the dialog instead).
    pub fn absorb_ack(&mut self, ack: &Request, now: u64) -> bool {
        let Some(id) =
            TransactionKey::of_invite(ack).and_then(|k| self.calls_by_key.get(&k).copied())
        else {
            return false;
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return false;
        };
        if call.state != State::Completed {
            return false;
        }
        call.resend = None;
        let linger = if call.upstream.transport.reliable() {
            0
        } else {
            T4_MS
        };
        call.ends_at = Some(now + linger);
        self.schedule(id);
        true
    }

    /// Starts the next stage with hops; with none left (and nothing ringing), the caller
    /// gets the best final response seen, or 480.
    fn next_stage(&mut self, id: u64, now: u64, out: &mut Vec<Transmit>) {
        loop {
            let Some(call) = self.calls.get_mut(&id) else {
                return;
            };
            if call.state != State::Proceeding {
                return;
            }
            let Some(stage) = call.stages.pop_front() else {
                let best = call.best.take().unwrap_or_else(|| {
                    call.invite
                        .response(480, "Temporarily Unavailable", Some(&call.local_tag()))
                });
                self.finish(id, best, now, out);
                return;
            };
            if stage.hops.is_empty() {
                continue;
            }
            call.stage_first = call.branches.len();
            call.stage_ends_at = Some(now + stage.ring_ms);
            for hop in stage.hops {
                self.fork(id, hop, now, out);
            }
            return;
        }
    }

    fn fork(&mut self, id: u64, hop: Hop, now: u64, out: &mut Vec<Transmit>) {
        let branch_id = self.new_branch();
        let via = self.local.via(hop.to.transport, &branch_id);
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let mut record_route = Vec::new();
        if call.initial {
            record_route.push(self.local.record_route(hop.to.transport));
            if hop.to.transport != call.upstream.transport {
                record_route.push(self.local.record_route(call.upstream.transport));
            }
        }
        let mut request = forwarded(&call.invite, Some(&hop.uri), via, &record_route);
        if let Some(signature) = &hop.peer_signature {
            let header = HeaderName::Other(crate::cluster::PEER_HEADER.to_owned());
            request.headers.push(header, signature.clone());
        }
        self.send_branch(id, hop, branch_id, request, false, now, out);
    }

    /// Sends a branch's INVITE and starts its client transaction.
    #[allow(clippy::too_many_arguments)]
    fn send_branch(
        &mut self,
        id: u64,
        hop: Hop,
        branch_id: String,
        request: Request,
        authenticated: bool,
        now: u64,
        out: &mut Vec<Transmit>,
    ) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let bytes = request.to_bytes();
        let reliable = hop.to.transport.reliable();
        let branch = Branch {
            id: branch_id.clone(),
            request,
            bytes: bytes.clone(),
            state: BranchState::Calling,
            resend: Resend::start(now, reliable),
            give_up_at: Some(now + self.config.unreachable_ms.min(TIMER_B_MS)),
            cancel: Cancel::No,
            cancel_bytes: None,
            cancel_resend: None,
            ack: None,
            abandoned: false,
            authenticated,
            hop,
        };
        out.push(branch.transmit(bytes));
        self.branches.insert(branch_id, (id, call.branches.len()));
        call.branches.push(branch);
    }

    /// Sends the caller a final response and ends the search.
    fn finish(&mut self, id: u64, response: Response, now: u64, out: &mut Vec<Transmit>) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let status = response.status;
        let bytes = call.to_caller(response);
        call.send_up(bytes, out);
        call.stage_ends_at = None;
        call.stages.clear();
        self.finished.push_back(id);
        if status >= 300 {
            call.state = State::Completed;
            call.resend = Resend::start(now, call.upstream.transport.reliable());
        } else {
            call.state = State::Answered;
        }
        // Long enough for the branches to finish their CANCELs and for late responses.
        call.ends_at = Some(now + TIMER_B_MS);
    }

    pub(super) fn branch_response(
        &mut self,
        id: u64,
        index: usize,
        resp: Response,
        now: u64,
        out: &mut Vec<Transmit>,
    ) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let is_cancel = resp
            .headers
            .cseq()
            .is_ok_and(|c| c.method == Method::Cancel);
        let Some(branch) = call.branches.get_mut(index) else {
            return;
        };
        if is_cancel {
            // The CANCEL's own response: stop resending it; the INVITE's 487 follows.
            branch.cancel_resend = None;
            self.schedule(id);
            return;
        }
        match resp.class() {
            1 => {
                if branch.state == BranchState::Calling {
                    branch.state = BranchState::Proceeding;
                    branch.resend = None;
                    branch.give_up_at = None;
                    if branch.cancel == Cancel::Wanted {
                        branch.cancel(now, out);
                    }
                }
                let pass_up =
                    resp.status > 100 && call.state == State::Proceeding && !branch.abandoned;
                if pass_up {
                    call.send_up(upstream(resp, Some(&call.caller_cseq)).to_bytes(), out);
                }
            }
            2 => {
                branch.state = BranchState::Terminated;
                branch.resend = None;
                branch.give_up_at = None;
                let answers = call.state == State::Proceeding;
                let dialog = (answers && call.initial)
                    .then(|| {
                        DialogInfo::of(&call.invite, &resp, call.upstream, &branch.hop, &call.meta)
                    })
                    .flatten()
                    .map(|mut info| {
                        info.cseq_offset = u32::from(branch.authenticated);
                        info
                    });
                // Every 2xx goes up, late ones too: the caller ends the dialogs it does not want.
                out.push(Transmit {
                    to: call.upstream,
                    fallback: None,
                    bytes: upstream(resp, Some(&call.caller_cseq)).to_bytes(),
                });
                if answers {
                    for (i, b) in call.branches.iter_mut().enumerate() {
                        if i != index {
                            b.cancel(now, out);
                            b.abandoned = true;
                        }
                    }
                    call.state = State::Answered;
                    self.finished.push_back(id);
                    call.stages.clear();
                    call.stage_ends_at = None;
                    call.last = None;
                    call.ends_at = Some(now + TIMER_B_MS);
                    call.shed_answered(index);
                    if let Some(info) = dialog {
                        self.dialogs.confirm(info, now);
                    }
                }
            }
            _ => {
                if let Some(ack) = &branch.ack {
                    // A retransmitted final response: our ACK was lost.
                    out.push(branch.transmit(ack.clone()));
                    return;
                }
                let ack = ack_for(&branch.request, &resp).to_bytes();
                out.push(branch.transmit(ack.clone()));
                branch.ack = Some(ack);
                branch.state = BranchState::Completed;
                branch.resend = None;
                branch.cancel_resend = None;
                branch.give_up_at = None;
                // A trunk's challenge: the INVITE goes again, once, with its credentials.
                if matches!(resp.status, 401 | 407)
                    && !branch.authenticated
                    && !branch.abandoned
                    && call.state == State::Proceeding
                    && let Some(creds) = branch.hop.credentials.clone()
                    && let Some(retry) = with_credentials(&branch.request, &resp, &creds)
                {
                    let hop = branch.hop.clone();
                    let branch_id = self.new_branch();
                    let mut retry = retry;
                    retry.headers.remove_first(&HeaderName::Via);
                    let via = self.local.via(hop.to.transport, &branch_id);
                    retry.headers.push_front(HeaderName::Via, via);
                    self.send_branch(id, hop, branch_id, retry, true, now, out);
                    self.schedule(id);
                    return;
                }
                let global = resp.class() == 6;
                let better = call
                    .best
                    .as_ref()
                    .is_none_or(|b| rank(resp.status) < rank(b.status));
                if call.state == State::Proceeding && !branch.abandoned && better {
                    call.best = Some(upstream(resp, Some(&call.caller_cseq)));
                }
                if global && call.state == State::Proceeding {
                    // §16.7 step 5: a 6xx ends the search; the other branches are cancelled.
                    call.stages.clear();
                    for b in call.branches.iter_mut() {
                        b.cancel(now, out);
                        b.abandoned = true;
                    }
                }
                self.stage_check(id, now, out);
            }
        }
        self.schedule(id);
    }

    /// The stage is over when every branch in it has finished: the next one starts.
    fn stage_check(&mut self, id: u64, now: u64, out: &mut Vec<Transmit>) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let over = call.state == State::Proceeding
            && call.branches[call.stage_first..]
                .iter()
                .all(Branch::finished);
        if over {
            self.next_stage(id, now, out);
        }
    }

    pub(super) fn call_timer(&mut self, id: u64, now: u64, out: &mut Vec<Transmit>) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.scheduled = None;
        if call.ends_at.is_some_and(|at| at <= now) {
            // A cancelled branch still owes its final response, which gets our ACK: the
            // call stays until it comes or the branch gives up (a caller over a connection
            // ends its linger at once).
            let owed = call
                .branches
                .iter()
                .filter(|b| matches!(b.state, BranchState::Calling | BranchState::Proceeding))
                .filter_map(|b| b.give_up_at)
                .max();
            match owed {
                Some(at) if at > now => call.ends_at = Some(at),
                _ => {
                    self.remove_call(id);
                    return;
                }
            }
        }
        if let Some(r) = call.resend
            && r.at <= now
        {
            if let Some(last) = call.last.clone() {
                out.push(Transmit {
                    to: call.upstream,
                    fallback: None,
                    bytes: last,
                });
            }
            call.resend = Some(r.next(now, true));
        }
        let stage_over = call.stage_ends_at.is_some_and(|at| at <= now);
        let first = call.stage_first;
        let tag = call.local_tag();
        for (i, b) in call.branches.iter_mut().enumerate() {
            if let Some(r) = b.resend
                && r.at <= now
            {
                out.push(b.transmit(b.bytes.clone()));
                b.resend = Some(r.next(now, false));
            }
            if let Some(r) = b.cancel_resend
                && r.at <= now
                && let Some(bytes) = b.cancel_bytes.clone()
            {
                out.push(b.transmit(bytes));
                b.cancel_resend = Some(r.next(now, true));
            }
            if b.give_up_at.is_some_and(|at| at <= now) {
                // Unreachable, or silent after our CANCEL: the branch is over.
                b.state = BranchState::Terminated;
                b.resend = None;
                b.cancel_resend = None;
                b.give_up_at = None;
                if i >= first && !b.abandoned && call.best.is_none() {
                    let timeout = call.invite.response(408, "Request Timeout", Some(&tag));
                    call.best = Some(timeout);
                }
            }
        }
        if stage_over {
            // Nobody answered in time: cancel what still rings, try the next stage.
            call.stage_ends_at = None;
            let no_answer = call.invite.response(
                480,
                "Temporarily Unavailable (no answer)",
                Some(&call.local_tag()),
            );
            if call
                .best
                .as_ref()
                .is_none_or(|b| rank(480) < rank(b.status))
            {
                call.best = Some(no_answer);
            }
            for b in call.branches[first..].iter_mut() {
                if !b.finished() {
                    b.cancel(now, out);
                    b.abandoned = true;
                }
            }
            self.next_stage(id, now, out);
        } else {
            self.stage_check(id, now, out);
        }
        self.schedule(id);
    }

    fn remove_call(&mut self, id: u64) {
        // Calls end in about the order they finished: what is gone leaves the queue's front.
        while self
            .finished
            .front()
            .is_some_and(|f| *f == id || !self.calls.contains_key(f))
        {
            self.finished.pop_front();
        }
        if let Some(call) = self.calls.remove(&id) {
            self.calls_by_key.remove(&call.key);
            for b in &call.branches {
                self.branches.remove(&b.id);
            }
            if let Some(at) = call.scheduled {
                self.timers.remove(&(at, Timer::Call(id)));
            }
        }
    }

    /// Puts the call's next deadline in the timer set.
    pub(super) fn schedule(&mut self, id: u64) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let next = call.deadline();
        if next == call.scheduled {
            return;
        }
        if let Some(at) = call.scheduled {
            self.timers.remove(&(at, Timer::Call(id)));
        }
        if let Some(at) = next {
            self.timers.insert((at, Timer::Call(id)));
        }
        call.scheduled = next;
    }
}

/// The INVITE again, answering `challenge` (401 or 407) with `creds`: CSeq one higher, as
/// RFC 3261 §22.2 requires. None when the challenge cannot be answered.
fn with_credentials(
    invite: &Request,
    challenge: &Response,
    creds: &TrunkCredentials,
) -> Option<Request> {
    let (asked, answer) = match challenge.status {
        401 => (HeaderName::WwwAuthenticate, HeaderName::Authorization),
        _ => (
            HeaderName::ProxyAuthenticate,
            HeaderName::ProxyAuthorization,
        ),
    };
    let parsed = challenge
        .headers
        .all(&asked)
        .find_map(|v| crate::digest::Challenge::parse(v).ok())?;
    let mut cnonce = [0u8; 8];
    let _ = getrandom::fill(&mut cnonce);
    let value = parsed.answer(
        &creds.username,
        &creds.password,
        invite.method.as_str(),
        &invite.uri.to_string(),
        &hex::encode(cnonce),
    );
    let mut retry = invite.clone();
    let cseq = invite.headers.cseq().ok()?;
    retry.headers.set(
        HeaderName::CSeq,
        format!("{} {}", cseq.seq + 1, cseq.method),
    );
    retry.headers.push(answer, value);
    Some(retry)
}
