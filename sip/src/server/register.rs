//! REGISTER: authenticate the account, then let the registrar apply the request.

use super::auth::Challenger;
use super::{SipServer, to_tag};
use crate::message::{HeaderName, Request, Response};
use crate::registrar::{RegisterError, Source};

impl SipServer {
    pub(super) fn register(&self, req: &Request, source: Source, now: u64) -> Response {
        let Ok(to) = req.headers.to() else {
            return req.response(400, "Bad Request (To)", None);
        };
        let Some(aor) = to.uri.user_unescaped() else {
            return req.response(404, "Not Found (no user in To)", Some(&to_tag(req)));
        };
        if let Err(refusal) = self.authenticate(req, &aor, Challenger::Registrar, source, now) {
            return refusal.into_response();
        }
        let result = self.registrar().register(&aor, req, source, now);
        match result {
            Ok(bindings) => {
                let mut r = req.response(200, "OK", Some(&to_tag(req)));
                for b in bindings {
                    let left = b.expires_at_ms.saturating_sub(now).div_ceil(1000);
                    r.headers
                        .push(HeaderName::Contact, format!("{};expires={left}", b.contact));
                }
                // A connection stays open while its client pings it (RFC 5626 §4.4.1): say
                // how often.
                if source.transport.reliable() {
                    r.headers.push(
                        HeaderName::Other("Flow-Timer".into()),
                        self.config.flow_timer_secs.to_string(),
                    );
                }
                r
            }
            Err(e) => {
                let (status, phrase) = e.status();
                let mut r = req.response(status, phrase, Some(&to_tag(req)));
                if let RegisterError::TooBrief(min) = e {
                    r.headers.push(HeaderName::MinExpires, min.to_string());
                }
                r
            }
        }
    }
}
