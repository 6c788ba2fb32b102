//! Work that must run on one node of a cluster at a time: sending mail, the expiration
//! schedule, upgrade rollouts, pruning. Each runs under a named lease that its node renews
//! while it works (`Backend::hold_lease`); when a node dies its leases run out and another
//! node's `run_while_held` takes over. On one node the lease is always held, so the work
//! simply runs.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::store::Store;

/// This process's name among a cluster's nodes: its node id and when it started, so a node
/// restarted is not taken for its earlier life (a lease that life held runs out like any
/// other node's; its sessions are not this life's). The same for the whole process: leases
/// and the cluster's presence use this one name.
pub fn process_name(node_id: &str) -> String {
    static STARTED_MS: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    let started = STARTED_MS.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    });
    format!("{node_id}@{started}")
}

/// How long a lease lasts without renewal: a dead node's work moves within this.
pub const LEASE_TTL: Duration = Duration::from_secs(15);
/// How often the holder renews, and others try to take it.
const RENEW_EVERY: Duration = Duration::from_secs(5);
/// A holder that could not renew for this long stops its work: its lease may run out
/// before it could renew again.
const GIVE_UP_AFTER: Duration = Duration::from_secs(10);

impl Store {
    /// Takes or renews lease `name`; whether this process holds it now.
    pub async fn hold_lease(&self, name: &str) -> Result<bool> {
        Ok(self.backend().hold_lease(name, LEASE_TTL).await?)
    }

    /// Gives lease `name` up, if held, so another node takes it at once.
    pub async fn release_lease(&self, name: &str) -> Result<()> {
        Ok(self.backend().release_lease(name).await?)
    }
}

/// Runs `work` while this process holds lease `name`, until `shutdown`. `work` gets a
/// token cancelled when the lease is lost or at shutdown, and should then finish what it
/// started and return; it is started again whenever the lease is taken again.
pub async fn run_while_held<F, Fut>(
    store: Store,
    name: &'static str,
    shutdown: CancellationToken,
    mut work: F,
) where
    F: FnMut(CancellationToken) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    while take(&store, name, &shutdown).await {
        let held = shutdown.child_token();
        let mut running = std::pin::pin!(work(held.clone()));
        let mut renewed = Instant::now();
        let mut renew = tokio::time::interval_at(renewed + RENEW_EVERY, RENEW_EVERY);
        loop {
            tokio::select! {
                () = &mut running => break,
                _ = renew.tick() => match store.hold_lease(name).await {
                    Ok(true) => renewed = Instant::now(),
                    Ok(false) => {
                        tracing::warn!(lease = name, "lease taken by another node; stopping its work here");
                        held.cancel();
                    }
                    Err(e) if renewed.elapsed() >= GIVE_UP_AFTER => {
                        tracing::warn!(lease = name, error = %e, "lease could not be renewed; stopping its work here");
                        held.cancel();
                    }
                    Err(_) => {}
                },
            }
        }
        if shutdown.is_cancelled() {
            if let Err(e) = store.release_lease(name).await {
                tracing::debug!(lease = name, error = %e, "releasing a lease at shutdown failed");
            }
            return;
        }
    }
}

/// Waits until this process holds `name` (true) or `shutdown` (false).
async fn take(store: &Store, name: &'static str, shutdown: &CancellationToken) -> bool {
    let mut said = false;
    loop {
        match store.hold_lease(name).await {
            Ok(true) => {
                tracing::info!(lease = name, "lease taken; its work runs on this node");
                return true;
            }
            Ok(false) => {}
            Err(e) if !said => {
                said = true;
                tracing::warn!(lease = name, error = %e, "taking a lease failed; trying again");
            }
            Err(_) => {}
        }
        tokio::select! {
            () = shutdown.cancelled() => return false,
            () = tokio::time::sleep(RENEW_EVERY) => {}
        }
    }
}
