//! The SIP server: what one arriving message turns into, shared by every transport. The
//! transports (`udp`, `tcp`) only move bytes; the decisions are here and in the IO-free
//! layers below (transactions, digest, registrar).

mod tcp;
mod udp;

use std::sync::Mutex;

use bytes::Bytes;
use porter_store::Store;

use crate::digest::{Algorithm, Credentials, DEFAULT_NONCE_TTL_SECS, DigestAuth, Verdict};
use crate::message::{HeaderName, Message, Method, ParseError, Request, Response};
use crate::registrar::{RegisterError, Registrar, RegistrarConfig, Source};
use crate::transaction::{Arrival, ServerTransactions, TransactionKey};

pub use tcp::serve_tcp;
pub use udp::serve_udp;

/// What the server announces in Allow: the methods it answers itself or routes.
const ALLOW: &str = "REGISTER, OPTIONS, INVITE, ACK, CANCEL, BYE, INFO";

/// The SIP server's settings; the defaults are `porter serve`'s.
#[derive(Clone, Debug)]
pub struct SipConfig {
    /// The digest realm (default "porter").
    pub realm: String,
    /// Digest algorithms offered, in order (default MD5 then SHA-256: clients take the first
    /// they support, and many SIP phones know only MD5).
    pub algorithms: Vec<Algorithm>,
    pub registrar: RegistrarConfig,
    /// The largest message accepted on any transport (default 16 KiB).
    pub max_message: usize,
    /// Live server transactions at most (default 100,000).
    pub max_transactions: usize,
    /// TCP and TLS connections at most (default 50,000).
    pub max_connections: usize,
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            realm: "porter".into(),
            algorithms: vec![Algorithm::Md5, Algorithm::Sha256],
            registrar: RegistrarConfig::default(),
            max_message: 16 * 1024,
            max_transactions: 100_000,
            max_connections: 50_000,
        }
    }
}

/// A reason phrase from an error: one line, bounded.
fn reason(prefix: &str, e: &ParseError) -> String {
    let text: String = e
        .to_string()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    format!("{prefix} ({text})")
}

pub struct SipServer {
    config: SipConfig,
    store: Store,
    auth: DigestAuth,
    registrar: Mutex<Registrar>,
    transactions: Mutex<ServerTransactions>,
}

impl SipServer {
    pub fn new(store: Store, config: SipConfig) -> SipServer {
        SipServer {
            auth: DigestAuth::new(
                &config.realm,
                config.algorithms.clone(),
                DEFAULT_NONCE_TTL_SECS,
            ),
            registrar: Mutex::new(Registrar::new(config.registrar.clone())),
            transactions: Mutex::new(ServerTransactions::new(config.max_transactions)),
            store,
            config,
        }
    }

    pub fn config(&self) -> &SipConfig {
        &self.config
    }

    /// The store's clock, so bindings and nonces expire on the same time as everything else.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.store.now_ms()).unwrap_or(0)
    }

    /// Live bindings of an account (for the router, the admin API and tests).
    pub fn bindings(&self, aor: &str) -> Vec<crate::registrar::Binding> {
        self.registrar
            .lock()
            .map(|r| r.lookup(aor, self.now_ms()))
            .unwrap_or_default()
    }

    /// Runs the periodic expiry of bindings and transactions.
    pub fn housekeeping(&self) {
        let now = self.now_ms();
        if let Ok(mut r) = self.registrar.lock() {
            r.expire(now);
        }
        if let Ok(mut t) = self.transactions.lock() {
            t.expire(now);
        }
    }

    /// One datagram (or one framed stream message) from `source`: the bytes to send back to
    /// it, if any. Unparseable bytes are dropped; a request that parses but is malformed
    /// gets 400 naming the fault.
    pub fn handle_bytes(&self, bytes: &[u8], source: Source) -> Option<Bytes> {
        match crate::message::parse_datagram(bytes) {
            Ok(m) => self.handle(m, source),
            Err(e) => {
                tracing::debug!(%source.addr, error = %e, "SIP message dropped");
                None
            }
        }
    }

    pub fn handle(&self, message: Message, source: Source) -> Option<Bytes> {
        let Message::Request(req) = message else {
            // No client transactions yet: a stray response is absorbed (RFC 3261 §18.2.2).
            return None;
        };
        // An ACK is never answered (no INVITE transactions yet to absorb it).
        if req.method == Method::Ack {
            return None;
        }
        if let Err(e) = req.check() {
            tracing::debug!(%source.addr, error = %e, "bad SIP request");
            return Some(
                req.response(400, &reason("Bad Request", &e), None)
                    .to_bytes(),
            );
        }
        let key = TransactionKey::of(&req)?;
        let now = self.now_ms();
        match self.transactions.lock().ok()?.arrive(&key, now) {
            Arrival::New => {}
            Arrival::Retransmission(again) => return again,
            Arrival::Full => {
                return Some(req.response(503, "Service Unavailable", None).to_bytes());
            }
        }
        let response = self.respond(&req, source, now).to_bytes();
        if let Ok(mut t) = self.transactions.lock() {
            t.answered(&key, response.clone(), source.transport.reliable(), now);
        }
        Some(response)
    }

    fn respond(&self, req: &Request, source: Source, now: u64) -> Response {
        match req.method {
            Method::Register => self.register(req, source, now),
            Method::Options => {
                let mut r = req.response(200, "OK", Some(&to_tag(req)));
                r.headers.push(HeaderName::Allow, ALLOW);
                r.headers.push(HeaderName::Accept, "application/sdp");
                r
            }
            _ => req.response(501, "Not Implemented", Some(&to_tag(req))),
        }
    }

    fn challenge(&self, req: &Request, now: u64, stale: bool) -> Response {
        let mut r = req.response(401, "Unauthorized", Some(&to_tag(req)));
        for c in self.auth.challenges(now / 1000, stale) {
            r.headers.push(HeaderName::WwwAuthenticate, c);
        }
        r
    }

    fn register(&self, req: &Request, source: Source, now: u64) -> Response {
        let Ok(to) = req.headers.to() else {
            return req.response(400, "Bad Request (To)", None);
        };
        let Some(aor) = to.uri.user_unescaped() else {
            return req.response(404, "Not Found (no user in To)", Some(&to_tag(req)));
        };
        let Some(creds) = req.headers.get(&HeaderName::Authorization) else {
            return self.challenge(req, now, false);
        };
        let creds = match Credentials::parse(creds) {
            Ok(c) => c,
            Err(e) => return req.response(400, &format!("Bad Request (Authorization: {e})"), None),
        };
        // An account registers its own address only.
        if creds.username != aor {
            return req.response(
                403,
                "Forbidden (username is not the To user)",
                Some(&to_tag(req)),
            );
        }
        let account = self.store.sip_account(&aor);
        // An unknown account is answered as a wrong password, so numbers cannot be probed.
        let verdict = match &account {
            Some(a) => self
                .auth
                .verify(&creds, req.method.as_str(), &a.password, now / 1000),
            None => Verdict::Denied("unknown account"),
        };
        match verdict {
            Verdict::Ok => {}
            Verdict::Stale => return self.challenge(req, now, true),
            Verdict::Denied(why) => {
                tracing::info!(%source.addr, account = %aor, why, "SIP authentication failed");
                return self.challenge(req, now, false);
            }
        }
        let result = match self.registrar.lock() {
            Ok(mut r) => r.register(&aor, req, source, now),
            Err(_) => Err(RegisterError::Full),
        };
        match result {
            Ok(bindings) => {
                let mut r = req.response(200, "OK", Some(&to_tag(req)));
                for b in bindings {
                    let left = b.expires_at_ms.saturating_sub(now).div_ceil(1000);
                    r.headers
                        .push(HeaderName::Contact, format!("{};expires={left}", b.contact));
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

/// The To tag of a response: derived from the transaction, so a retransmitted request
/// answered again (after Timer J) gets the same tag.
fn to_tag(req: &Request) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    req.headers.call_id().unwrap_or_default().hash(&mut h);
    req.headers
        .get(&HeaderName::Via)
        .unwrap_or_default()
        .hash(&mut h);
    format!("{:x}", h.finish())
}
