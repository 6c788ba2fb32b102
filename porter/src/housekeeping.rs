//! The store's periodic upkeep while the server runs: expired login sessions go, device
//! events past the retention limit are pruned, and so are old change sets of a cluster.

use std::time::Duration;

use porter_edge::CancellationToken;
use porter_store::Store;

/// How often expired login sessions and old device events are purged.
const EVERY: Duration = Duration::from_secs(600);
/// How long the cluster's change log keeps a change set: a node applies one within about a
/// second, so a day covers any outage a node rides out without a restart.
const CHANGE_LOG_KEPT: Duration = Duration::from_secs(24 * 3600);

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
        match store.prune_change_log(CHANGE_LOG_KEPT).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(pruned = n, "old change sets pruned"),
            Err(e) => tracing::warn!(error = %e, "pruning the change log failed"),
        }
    }
}
