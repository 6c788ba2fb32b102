//! The store's periodic upkeep while the server runs: expired login sessions go, and device
//! events past the retention limit are pruned.

use std::time::Duration;

use porter_edge::CancellationToken;
use porter_store::Store;

/// How often expired login sessions and old device events are purged.
const EVERY: Duration = Duration::from_secs(600);

pub async fn run(store: Store, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            () = shutdown.cancelled() => return,
        }
        match store.purge_expired_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(purged = n, "expired sessions purged"),
            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
        }
        match store
            .prune_events(porter_store::events::DEFAULT_EVENTS_PER_COMMUNITY)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::debug!(pruned = n, "old device events pruned"),
            Err(e) => tracing::warn!(error = %e, "pruning device events failed"),
        }
    }
}
