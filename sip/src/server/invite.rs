//! INVITE: a new call is authenticated (407), routed through the directory and rung by the
//! proxy; a re-INVITE goes along its dialog.

use porter_store::CallRefusal;

use super::SipServer;
use super::auth::{AuthRefusal, Challenger};
use crate::message::Request;
use crate::proxy::{CallMeta, InDialog, NewCall, Transmit};
use crate::registrar::Source;

impl SipServer {
    pub(super) fn invite(
        &self,
        mut req: Request,
        source: Source,
        now: u64,
        out: &mut Vec<Transmit>,
    ) {
        let mut p = self.proxy();
        if p.invite_retransmission(&req, out) {
            return;
        }
        let reject = |p: &mut crate::proxy::Proxy,
                      out: &mut Vec<Transmit>,
                      req: Request,
                      status,
                      phrase: &str| {
            let r = req.response(status, phrase, None);
            p.reject(req, source, r, now, out);
        };
        if p.is_loop(&req) {
            return reject(&mut p, out, req, 482, "Loop Detected");
        }
        if !p.prepare(&mut req) {
            return reject(&mut p, out, req, 483, "Too Many Hops");
        }
        if req.headers.to_tag().is_ok_and(|t| t.is_some()) {
            match p.in_dialog(&req, source, now, out) {
                InDialog::Forwarded(_) => {}
                InDialog::Unknown => {
                    reject(&mut p, out, req, 481, "Call/Transaction Does Not Exist")
                }
                InDialog::Full => reject(&mut p, out, req, 503, "Service Unavailable"),
            }
            return;
        }
        // The directory and the digest check run without the proxy held.
        drop(p);
        // Another node of the cluster routed this call and signed it: no digest to check.
        let Some(req) = self.forwarded_invite(req, source, now, out) else {
            return;
        };
        let caller = caller_of(&req);
        let decided = match self.authenticate(&req, &caller, Challenger::Proxy, source, now) {
            // A challenge is answered statelessly, as a stateless UAS would (RFC 3261 §8.2.7):
            // the caller sends the INVITE again with credentials (or again as it is, if the
            // challenge was lost), so keeping a transaction only costs a table entry and
            // resends that can cross the caller's ACK under load.
            Err(AuthRefusal::Challenge(challenge)) => {
                out.push(Transmit {
                    to: source,
                    fallback: None,
                    bytes: challenge.to_bytes(),
                });
                return;
            }
            other => other.map_err(AuthRefusal::into_response),
        };
        let dialed = req.uri.user_unescaped().unwrap_or_default();
        let routed = decided.and_then(|account| {
            self.store
                .call_destination(&account.number, &dialed)
                .map_err(|refusal| {
                    let (status, phrase) = refusal_status(&refusal);
                    tracing::info!(caller = %account.number, %dialed, ?refusal, "SIP call refused");
                    req.response(status, &phrase, None)
                })
        });
        let call_id = req.headers.call_id().unwrap_or_default().to_owned();
        let stages = routed.map(|destination| {
            let mut stages = crate::router::stages(
                &destination,
                self.config.ring_ms,
                self.config.trunk.as_ref(),
                |aor| self.account_hops(aor, &call_id, now),
            );
            // An app calling its own apartment rings the family's other apps, not itself.
            for s in &mut stages {
                s.hops.retain(|h| h.to != source);
            }
            stages
        });
        let mut p = self.proxy();
        match stages {
            Ok(stages) => {
                let call = NewCall {
                    invite: req,
                    upstream: source,
                    meta: CallMeta {
                        caller,
                        dialed,
                        forwarded_by: None,
                    },
                    stages,
                    initial: true,
                    caller_cseq: None,
                };
                if let Err(call) = p.start_call(call, now, out) {
                    reject(&mut p, out, call.invite, 503, "Service Unavailable");
                }
            }
            Err(response) => p.reject(req, source, response, now, out),
        }
    }
}

/// The calling account: the From URI's user.
pub(super) fn caller_of(req: &Request) -> String {
    req.headers
        .from()
        .ok()
        .and_then(|f| f.uri.user_unescaped())
        .unwrap_or_default()
}

fn refusal_status(refusal: &CallRefusal) -> (u16, String) {
    match refusal {
        CallRefusal::UnknownCaller => (403, "Forbidden (not a calling account)".into()),
        CallRefusal::NotFound => (404, "Not Found".into()),
        CallRefusal::Ambiguous => (485, "Ambiguous (the number is in several buildings)".into()),
        CallRefusal::NotAllowed(why) => (403, format!("Forbidden ({why})")),
    }
}
