//! The SIP server: what one arriving message turns into, shared by every transport. The
//! transports (`udp`, `tcp`) only move bytes; the decisions are here and in the IO-free
//! layers below (transactions, digest, registrar).

mod auth;
mod invite;
mod listeners;
mod outbound;
mod peers;
mod register;
mod revoke;
mod streams;
mod tcp;
mod timers;
mod udp;
mod unlock;
mod ws;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use porter_edge::{CancellationToken, TaskTracker};
use porter_store::Store;

use crate::digest::{Algorithm, DEFAULT_NONCE_TTL_SECS, DigestAuth};
use crate::message::{HeaderName, Message, Method, ParseError, Request, Response};
use crate::proxy::{InDialog, LocalAddr, Proxy, ProxyConfig, Transmit};
use crate::registrar::{Registrar, RegistrarConfig, Source};
use crate::router::Trunk;
use crate::transaction::{Arrival, TransactionKey};

pub use listeners::{BindError, SipAddrs, SipListeners};
pub use outbound::{advertised_host, reachable};

/// What the server announces in Allow: the methods it answers itself or routes.
const ALLOW: &str = "REGISTER, OPTIONS, INVITE, ACK, CANCEL, BYE, INFO";

/// The SIP server's settings; the defaults are `porter serve`'s.
#[derive(Clone, Debug)]
pub struct SipConfig {
    /// SIP over UDP and TCP, both on this address (default 0.0.0.0:5060).
    pub listen: SocketAddr,
    /// SIP over TLS (default 0.0.0.0:5061).
    pub tls_listen: SocketAddr,
    /// SIP over secure WebSocket, RFC 7118 (default 0.0.0.0:5066).
    pub ws_listen: SocketAddr,
    /// The host written in Via and Record-Route (default: the listen IP, or this machine's
    /// outward address when listening on all).
    pub advertise: Option<String>,
    /// Lowest TLS version of SIP over TLS and WebSocket (default 1.2).
    pub tls_min: porter_edge::tls::TlsMin,
    /// The digest realm (default "porter").
    pub realm: String,
    /// Digest algorithms challenged with, in order of preference (default MD5 alone: RFC 8760
    /// clients take the first they support, but older stacks such as baresip 1.0's give up
    /// on a challenge they do not know instead of skipping it).
    pub algorithms: Vec<Algorithm>,
    pub registrar: RegistrarConfig,
    /// The largest message accepted on any transport (default 16 KiB).
    pub max_message: usize,
    /// Threads receiving and handling SIP over UDP, all blocked on the one socket (default:
    /// one per core): the kernel wakes one per datagram, so a burst is spread over every
    /// core and a trickle costs one wake-up per datagram.
    pub udp_workers: usize,
    /// The UDP socket's receive buffer asked of the kernel, in bytes (default 4 MiB): what
    /// absorbs a burst while the workers are busy. As root it is set past the system's
    /// `net.core.rmem_max`; otherwise the kernel caps it there. The size granted is logged.
    pub udp_recv_buffer: usize,
    /// Live server transactions at most (default 100,000).
    pub max_transactions: usize,
    /// TCP, TLS and WebSocket connections at most, together (default 50,000).
    pub max_connections: usize,
    /// A connection that has sent no valid SIP request this long after it opened is closed
    /// (default 10 s).
    pub first_request_ms: u64,
    /// A connection with nothing read for this long is closed (default 300 s). Registered
    /// flows stay open by their RFC 5626 keep-alives (a CRLFCRLF ping, answered with CRLF;
    /// `Flow-Timer` in the REGISTER's 200 says how often) or their refreshes, not by a
    /// timer as long as a registration; WebSocket flows are pinged by the server.
    pub idle_ms: u64,
    /// The keep-alive interval asked of clients on connection-oriented transports, in
    /// seconds (`Flow-Timer`, default 120: RFC 5626's recommendation).
    pub flow_timer_secs: u32,
    /// Connections one address may hold before their first valid request (default 256).
    pub max_unauthenticated_per_address: u32,
    pub proxy: ProxyConfig,
    /// Failed authentications one address may have before it is refused for a while
    /// (default 10 a minute, like the device gateway).
    pub auth_failures: porter_store::auth_failures::AuthFailureLimits,
    /// How long each stage of a call rings before the next (default 30 s).
    pub ring_ms: u64,
    /// Where calls to residents' phones go out (None: no phone branches).
    pub trunk: Option<Trunk>,
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 5060)),
            tls_listen: SocketAddr::from(([0, 0, 0, 0], 5061)),
            ws_listen: SocketAddr::from(([0, 0, 0, 0], 5066)),
            advertise: None,
            tls_min: porter_edge::tls::TlsMin::Tls12,
            realm: "porter".into(),
            algorithms: vec![Algorithm::Md5],
            registrar: RegistrarConfig::default(),
            max_message: 16 * 1024,
            udp_workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            udp_recv_buffer: 4 * 1024 * 1024,
            max_transactions: 100_000,
            max_connections: 50_000,
            first_request_ms: 10_000,
            idle_ms: 300_000,
            flow_timer_secs: 120,
            max_unauthenticated_per_address: 256,
            proxy: ProxyConfig::default(),
            auth_failures: Default::default(),
            ring_ms: 30_000,
            trunk: None,
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
    proxy: Mutex<Proxy>,
    outbound: outbound::Outbound,
    streams: streams::StreamRegistry,
    commands: OnceLock<Arc<dyn porter_store::presence::DeviceCommands>>,
    /// Cluster mode: the other nodes' registrations and the key forwarded calls are signed
    /// with.
    cluster: OnceLock<peers::ClusterSip>,
    /// Failed digest answers per source address and account.
    auth_failures: porter_store::auth_failures::AuthFailures<(std::net::IpAddr, String)>,
    /// TCP, TLS and WebSocket connections together, up to `max_connections`.
    connections: Arc<tokio::sync::Semaphore>,
    /// Connections per address that have not sent a valid request yet.
    unauthenticated: Arc<porter_edge::pending::PendingLimit>,
    /// Cancelled when the server stops: every loop and connection ends on it.
    stopping: CancellationToken,
    /// Every task the server spawns (connections, DTMF unlocks), drained when it stops.
    tasks: TaskTracker,
    /// Wakes the timer task for an earlier deadline.
    timer: timers::TimerWake,
}

impl SipServer {
    /// Whether the account (a SIP number) is talking in a call through this server: a
    /// firmware upgrade waits for it to end.
    pub fn in_call(&self, account: &str) -> bool {
        self.proxy().in_call(account)
    }

    /// The server; `local` is how it names itself in Via and Record-Route (the listeners'
    /// advertised host and ports).
    pub fn new(store: Store, config: SipConfig, local: LocalAddr) -> Arc<SipServer> {
        Arc::new(SipServer {
            auth: DigestAuth::new(
                &config.realm,
                config.algorithms.clone(),
                DEFAULT_NONCE_TTL_SECS,
            ),
            registrar: Mutex::new(Registrar::new(config.registrar.clone())),
            proxy: Mutex::new(Proxy::new(
                local,
                config.proxy.clone(),
                config.max_transactions,
            )),
            outbound: outbound::Outbound::default(),
            streams: streams::StreamRegistry::default(),
            commands: OnceLock::new(),
            cluster: OnceLock::new(),
            auth_failures: porter_store::auth_failures::AuthFailures::new(
                config.auth_failures.clone(),
            ),
            connections: Arc::new(tokio::sync::Semaphore::new(config.max_connections)),
            unauthenticated: porter_edge::pending::PendingLimit::new(
                config.max_unauthenticated_per_address,
            ),
            stopping: CancellationToken::new(),
            tasks: TaskTracker::new(),
            timer: timers::TimerWake::default(),
            store,
            config,
        })
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
        self.registrar().lookup(aor, self.now_ms())
    }

    /// Calls in progress, dialogs and relayed requests.
    pub fn proxy_counts(&self) -> (usize, usize, usize) {
        self.proxy().counts()
    }

    /// The proxy, locked; letting it go wakes the timer task for an earlier deadline.
    fn proxy(&self) -> timers::Timed<'_, Proxy> {
        timers::Timed::new(locked(&self.proxy), &self.timer)
    }

    /// The registrar, locked, like `proxy`.
    fn registrar(&self) -> timers::Timed<'_, Registrar> {
        timers::Timed::new(locked(&self.registrar), &self.timer)
    }

    /// Runs what is due: the proxy's timers (retransmissions, ring timeouts, expiry) and
    /// the forgetting of expired bindings.
    pub fn poll(&self) -> Vec<Transmit> {
        let now = self.now_ms();
        let mut out = Vec::new();
        {
            let mut p = locked(&self.proxy);
            if p.next_deadline().is_some_and(|at| at <= now) {
                p.poll(now, &mut out);
            }
        }
        let mut r = locked(&self.registrar);
        if timers::Deadline::next_deadline_ms(&*r).is_some_and(|at| at <= now) {
            r.expire(now);
        }
        out
    }

    /// When `poll` next has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        let proxy = locked(&self.proxy).next_deadline();
        let registrar = timers::Deadline::next_deadline_ms(&*locked(&self.registrar));
        match (proxy, registrar) {
            (Some(p), Some(r)) => Some(p.min(r)),
            (p, r) => p.or(r),
        }
    }

    /// One datagram (or one framed stream message) from `source`: what to send, and where.
    /// Unparseable bytes are dropped; a request that parses but is malformed gets 400
    /// naming the fault.
    pub fn handle_bytes(&self, bytes: &[u8], source: Source) -> Vec<Transmit> {
        self.handle_bytes_proving(bytes, source, false).0
    }

    /// Like `handle_bytes`; when `unproved` (a connection that has not sent a valid message
    /// yet), also says whether the bytes were a well-formed message.
    pub fn handle_bytes_proving(
        &self,
        bytes: &[u8],
        source: Source,
        unproved: bool,
    ) -> (Vec<Transmit>, bool) {
        let mut valid = false;
        tracing::trace!(from = %source.addr, transport = %source.transport, message = %String::from_utf8_lossy(bytes), "SIP in");
        let out = guarded(source, || match crate::message::parse_datagram(bytes) {
            Ok(m) => {
                valid = unproved && tcp::valid(&m);
                self.handle_message(m, source)
            }
            Err(e) => {
                tracing::debug!(%source.addr, error = %e, "SIP message dropped");
                Vec::new()
            }
        });
        (out, valid)
    }

    /// One parsed message from `source`: what to send, and where.
    pub fn handle(&self, message: Message, source: Source) -> Vec<Transmit> {
        guarded(source, || self.handle_message(message, source))
    }

    fn handle_message(&self, message: Message, source: Source) -> Vec<Transmit> {
        let now = self.now_ms();
        let mut out = Vec::new();
        match message {
            Message::Response(resp) => {
                if resp.check().is_err() {
                    return out;
                }
                let mut p = self.proxy();
                if let Some((key, bytes, reliable)) = p.on_response(resp, now, &mut out) {
                    p.transactions.answered(&key, bytes, reliable, now);
                }
            }
            Message::Request(req) => self.request(req, source, now, &mut out),
        }
        out
    }

    fn request(&self, mut req: Request, source: Source, now: u64, out: &mut Vec<Transmit>) {
        let reply = |out: &mut Vec<Transmit>, r: Response| {
            out.push(Transmit {
                to: source,
                fallback: None,
                bytes: r.to_bytes(),
            });
        };
        if req.method == Method::Ack {
            // An ACK is never answered: it ends our non-2xx response, or goes on in its dialog.
            let mut p = self.proxy();
            if !p.absorb_ack(&req, now) && p.prepare(&mut req) {
                p.in_dialog(&req, source, now, out);
            }
            return;
        }
        if let Err(e) = req.check() {
            tracing::debug!(%source.addr, error = %e, "bad SIP request");
            return reply(out, req.response(400, &reason("Bad Request", &e), None));
        }
        if req.method == Method::Invite {
            return self.invite(req, source, now, out);
        }
        // REGISTER is answered without a server transaction: a retransmission is known to
        // the registrar by its Call-ID and CSeq (RFC 3261 §10.3 step 7) and answered with
        // the bindings as they are, which is what the first answer said; one without
        // credentials gets a fresh challenge, which serves as well. No REGISTER is kept for
        // Timer J's 32 s, the bulk of a busy registrar's table.
        if req.method == Method::Register {
            return reply(out, self.register(&req, source, now));
        }
        let Some(key) = TransactionKey::of(&req) else {
            return;
        };
        let in_dialog = req.headers.to_tag().is_ok_and(|t| t.is_some());
        // The answer goes out before what the request set off (a CANCEL's 200 before the 487).
        let mark = out.len();
        let response = {
            let mut p = self.proxy();
            match p.transactions.arrive(&key, now) {
                Arrival::New => {}
                Arrival::Retransmission(again) => {
                    if let Some(bytes) = again {
                        out.push(Transmit {
                            to: source,
                            fallback: None,
                            bytes,
                        });
                    }
                    return;
                }
            }
            match req.method {
                Method::Cancel => Some(p.cancel(&req, now, out)),
                _ if in_dialog => self.dialog_request(&mut p, &mut req, source, now, out),
                _ => None,
            }
        };
        let response = match response {
            Some(r) => Some(r),
            None if in_dialog => return,
            None => Some(match req.method {
                Method::Options => {
                    let mut r = req.response(200, "OK", Some(&to_tag(&req)));
                    r.headers.push(HeaderName::Allow, ALLOW);
                    r.headers.push(HeaderName::Accept, "application/sdp");
                    r
                }
                _ => {
                    let mut r = req.response(405, "Method Not Allowed", Some(&to_tag(&req)));
                    r.headers.push(HeaderName::Allow, ALLOW);
                    r
                }
            }),
        };
        if let Some(r) = response {
            let bytes = r.to_bytes();
            self.proxy().transactions.answered(
                &key,
                bytes.clone(),
                source.transport.reliable(),
                now,
            );
            out.insert(
                mark,
                Transmit {
                    to: source,
                    fallback: None,
                    bytes,
                },
            );
        }
    }

    /// A non-INVITE request inside a dialog (BYE, INFO…): relayed along the dialog, or
    /// answered here when it cannot be (None: the far end answers).
    fn dialog_request(
        &self,
        p: &mut Proxy,
        req: &mut Request,
        source: Source,
        now: u64,
        out: &mut Vec<Transmit>,
    ) -> Option<Response> {
        if !p.prepare(req) {
            return Some(req.response(483, "Too Many Hops", None));
        }
        match p.in_dialog(req, source, now, out) {
            InDialog::Forwarded(dialog) => {
                if req.method == Method::Info {
                    self.dtmf_info(p, &dialog, req);
                }
                None
            }
            InDialog::Unknown => Some(req.response(481, "Call/Transaction Does Not Exist", None)),
            InDialog::Full => Some(req.response(503, "Service Unavailable", None)),
        }
    }

    /// Sends what the core produced, on the transports it names.
    pub fn dispatch(self: &Arc<Self>, out: Vec<Transmit>) {
        for t in out {
            tracing::trace!(to = %t.to.addr, transport = %t.to.transport, message = %String::from_utf8_lossy(&t.bytes), "SIP out");
            self.outbound.send(self, t);
        }
    }
}

/// Runs the handling of one message so that a bug it hits costs that message, not the
/// transport's task (and with it every device on the listener).
fn guarded(source: Source, f: impl FnOnce() -> Vec<Transmit>) -> Vec<Transmit> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        tracing::error!(%source.addr, "SIP message handling failed (a bug); message dropped");
        Vec::new()
    })
}

/// A lock that outlives a panic elsewhere: the state may be mid-change, but a SIP server
/// that keeps answering beats one that silently stops.
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
