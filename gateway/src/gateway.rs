//! What every device connection shares, whatever its transport: the store, presence, limits
//! and metrics, and the admission check each listener runs before any handshake work.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use porter_edge::TaskTracker;
use porter_edge::pending::{PendingGuard, PendingLimit};
use porter_edge::tls::TlsMin;
use porter_proto::frame;
use porter_store::Store;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::limits::{AcceptRate, AcceptRateLimits, AuthFailureLimits, AuthFailures};
use crate::metrics::{GatewayMetrics, Refusal, Transport};
use crate::presence::Presence;
use crate::session::SessionConfig;

/// The device gateway's settings: where it listens and its limits.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Frames over TLS on TCP, and over QUIC on the same port number on UDP (default
    /// 0.0.0.0:8501).
    pub listen: SocketAddr,
    /// Frames over WebSocket (TLS) on `listener::WEBSOCKET_PATH` (default 0.0.0.0:8502).
    pub ws_listen: SocketAddr,
    /// Frames over PLAIN TCP, off unless set: only for a trusted network or behind a
    /// TLS-terminating proxy.
    pub plain_listen: Option<SocketAddr>,
    /// Lowest TLS version (default 1.3: only Porter's own device firmware connects here).
    pub tls_min: TlsMin,
    /// Connections at once over all transports (default 200,000).
    pub max_connections: usize,
    /// Time for the TLS, QUIC or WebSocket handshake (default 10 s).
    pub handshake_timeout: Duration,
    /// Largest frame body (default 64 KiB).
    pub max_frame: usize,
    /// Reconnect delay asked of devices at shutdown (default 5 s).
    pub reconnect_after: Duration,
    pub session: SessionConfig,
    pub auth_failures: AuthFailureLimits,
    pub accept_rate: AcceptRateLimits,
    /// Connections one address may hold before they say Hello (default 256): connections
    /// that never speak cannot take every descriptor. A whole site behind one NAT address
    /// says Hello within its handshakes, so the default leaves room for its storms.
    pub max_unauthenticated_per_address: u32,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 8501)),
            ws_listen: SocketAddr::from(([0, 0, 0, 0], 8502)),
            plain_listen: None,
            tls_min: TlsMin::Tls13,
            max_connections: 200_000,
            handshake_timeout: Duration::from_secs(10),
            max_frame: frame::DEFAULT_MAX_FRAME,
            reconnect_after: Duration::from_secs(5),
            session: SessionConfig::default(),
            auth_failures: AuthFailureLimits::default(),
            accept_rate: AcceptRateLimits::default(),
            max_unauthenticated_per_address: 256,
        }
    }
}

/// Shared by every connection.
pub struct Gateway {
    pub store: Store,
    pub presence: Arc<Presence>,
    pub metrics: Arc<GatewayMetrics>,
    pub auth_failures: AuthFailures,
    pub config: GatewayConfig,
    accept_rate: AcceptRate,
    /// Every task the gateway spawns (connections, tunnels, background writes), drained
    /// when it stops.
    pub tasks: TaskTracker,
    unauthenticated: Arc<PendingLimit>,
    permits: Arc<Semaphore>,
    next_connection: AtomicU64,
}

/// A connection's place under the global limit; counted in the metrics while it lives.
pub struct Admission {
    _permit: OwnedSemaphorePermit,
    /// Its place among its address's connections that have not said Hello yet.
    pub pending: Option<PendingGuard>,
    metrics: Arc<GatewayMetrics>,
    pub transport: Transport,
    pub remote: SocketAddr,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.metrics.connection_closed(self.transport);
    }
}

impl Gateway {
    pub fn new(store: Store, config: GatewayConfig) -> Arc<Self> {
        let metrics = Arc::new(GatewayMetrics::default());
        Arc::new(Gateway {
            presence: Arc::new(Presence::new(store.clone(), metrics.clone())),
            store,
            metrics,
            auth_failures: AuthFailures::new(config.auth_failures.clone()),
            accept_rate: AcceptRate::new(config.accept_rate.clone()),
            tasks: TaskTracker::new(),
            unauthenticated: PendingLimit::new(config.max_unauthenticated_per_address),
            permits: Arc::new(Semaphore::new(config.max_connections)),
            config,
            next_connection: AtomicU64::new(1),
        })
    }

    /// Waits for room under the global connection limit.
    pub async fn room(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().acquire_owned().await.ok()
    }

    /// A place under the global connection limit, if there is one now.
    pub fn try_room(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// The per-address accept budget: false (and counted) when `remote` is over it.
    pub fn within_accept_rate(&self, remote: SocketAddr) -> bool {
        let ok = self.accept_rate.admit(remote.ip(), Instant::now());
        if !ok {
            self.metrics.refused(Refusal::AcceptRate);
        }
        ok
    }

    /// Lets a new connection in, or says why not. With a `permit` (taken by `room` or
    /// `try_room`) the caller has already checked `within_accept_rate`; without one, both the
    /// budget and a place are checked now.
    pub fn admit(
        &self,
        remote: SocketAddr,
        transport: Transport,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Result<Admission, Refusal> {
        let permit = match permit {
            Some(p) => p,
            None => {
                if !self.within_accept_rate(remote) {
                    return Err(Refusal::AcceptRate);
                }
                self.permits.clone().try_acquire_owned().map_err(|_| {
                    self.metrics.refused(Refusal::ConnectionLimit);
                    Refusal::ConnectionLimit
                })?
            }
        };
        let Some(pending) = self.unauthenticated.try_enter(remote.ip()) else {
            self.metrics.refused(Refusal::Unauthenticated);
            return Err(Refusal::Unauthenticated);
        };
        self.metrics.connection_opened(transport);
        Ok(Admission {
            pending: Some(pending),
            _permit: permit,
            metrics: self.metrics.clone(),
            transport,
            remote,
        })
    }

    pub fn next_connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }
}
