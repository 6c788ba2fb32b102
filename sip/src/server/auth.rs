//! Digest authentication of a request, shared by the registrar (401 / WWW-Authenticate)
//! and the router (407 / Proxy-Authenticate).

use std::time::Instant;

use porter_store::SipAccount;

use super::{SipServer, to_tag};
use crate::digest::{Credentials, Verdict};
use crate::message::{HeaderName, Request, Response};
use crate::registrar::Source;

/// Which challenge a request gets: the registrar's or the proxy's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Challenger {
    Registrar,
    Proxy,
}

impl Challenger {
    fn headers(self) -> (HeaderName, HeaderName) {
        match self {
            Challenger::Registrar => (HeaderName::Authorization, HeaderName::WwwAuthenticate),
            Challenger::Proxy => (
                HeaderName::ProxyAuthorization,
                HeaderName::ProxyAuthenticate,
            ),
        }
    }

    fn status(self) -> (u16, &'static str) {
        match self {
            Challenger::Registrar => (401, "Unauthorized"),
            Challenger::Proxy => (407, "Proxy Authentication Required"),
        }
    }
}

/// Why a request is not authenticated, and what to answer.
pub(super) enum AuthRefusal {
    /// Ask for (new) credentials: 401 or 407 with one challenge per algorithm.
    Challenge(Response),
    /// Refuse: malformed credentials (400), another account's, or an address that failed too
    /// often (403).
    Refused(Response),
}

impl AuthRefusal {
    pub(super) fn into_response(self) -> Response {
        match self {
            AuthRefusal::Challenge(r) | AuthRefusal::Refused(r) => r,
        }
    }
}

impl SipServer {
    fn challenge(&self, req: &Request, who: Challenger, now: u64, stale: bool) -> Response {
        let (status, phrase) = who.status();
        let mut r = req.response(status, phrase, Some(&to_tag(req)));
        for c in self.auth.challenges(now / 1000, stale) {
            r.headers.push(who.headers().1, c);
        }
        r
    }

    /// The account `user` when the request carries valid credentials for it; otherwise
    /// a challenge, or a refusal naming what is wrong.
    pub(super) fn authenticate(
        &self,
        req: &Request,
        user: &str,
        who: Challenger,
        source: Source,
        now: u64,
    ) -> Result<SipAccount, AuthRefusal> {
        let Some(creds) = req.headers.get(&who.headers().0) else {
            return Err(AuthRefusal::Challenge(self.challenge(req, who, now, false)));
        };
        let creds = Credentials::parse(creds).map_err(|e| {
            let header = who.headers().0;
            AuthRefusal::Refused(req.response(400, &format!("Bad Request ({header}: {e})"), None))
        })?;
        // An account speaks for itself only.
        if creds.username != user {
            let what = match who {
                Challenger::Registrar => "To",
                Challenger::Proxy => "From",
            };
            return Err(AuthRefusal::Refused(req.response(
                403,
                &format!("Forbidden (username is not the {what} user)"),
                Some(&to_tag(req)),
            )));
        }
        let account = self.store.sip_account(user);
        // An unknown account is answered as a wrong password, so numbers cannot be probed.
        let verdict = match &account {
            Some(a) => self
                .auth
                .verify(&creds, req.method.as_str(), &a.password, now / 1000),
            None => Verdict::Denied("unknown account"),
        };
        match (verdict, account) {
            (Verdict::Ok, Some(a)) => Ok(a),
            (Verdict::Stale, _) => Err(AuthRefusal::Challenge(self.challenge(req, who, now, true))),
            (Verdict::Denied(why), _) => {
                // Failures count per address and account, and only wrong answers are ever
                // refused: answers sent from (or spoofed as) a device's address lock out that
                // pair's wrong answers, never the device proving its password (no lock is
                // taken on the way of a right one). docs/ARCHITECTURE.md, "Limits at the
                // edge".
                let key = (source.addr.ip(), user.to_owned());
                if let Some(wait) = self.auth_failures.blocked_for(key.clone(), Instant::now()) {
                    let phrase = format!(
                        "Forbidden (too many failed authentications for this account from this address; retry in {} s)",
                        wait.as_secs().max(1)
                    );
                    return Err(AuthRefusal::Refused(req.response(
                        403,
                        &phrase,
                        Some(&to_tag(req)),
                    )));
                }
                self.auth_failures.failed(key, Instant::now());
                tracing::info!(%source.addr, account = %user, why, "SIP authentication failed");
                Err(AuthRefusal::Challenge(self.challenge(req, who, now, false)))
            }
            (Verdict::Ok, None) => {
                Err(AuthRefusal::Challenge(self.challenge(req, who, now, false)))
            }
        }
    }
}
