//! Every server runs until its `CancellationToken` is cancelled, spawns its tasks on a
//! `TaskTracker`, and returns only when they are done. `drain` is the one place that waits.

use std::time::Duration;

use tokio_util::task::TaskTracker;

/// Closes `tasks` to new ones and waits until they have all ended, for at most `grace`.
/// Returns whether they all ended; `server` names the server in the log when some did not.
pub async fn drain(tasks: &TaskTracker, grace: Duration, server: &str) -> bool {
    tasks.close();
    if tokio::time::timeout(grace, tasks.wait()).await.is_ok() {
        return true;
    }
    tracing::warn!(
        server,
        still_running = tasks.len(),
        ?grace,
        "tasks still running after the grace period; leaving them"
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_util::sync::CancellationToken;

    #[tokio::test]
    async fn drain_waits_for_tasks_that_stop_and_gives_up_on_those_that_do_not() {
        let tasks = TaskTracker::new();
        let stop = CancellationToken::new();
        let child = stop.clone();
        tasks.spawn(async move { child.cancelled().await });
        stop.cancel();
        assert!(drain(&tasks, Duration::from_secs(5), "test").await);

        let stuck = TaskTracker::new();
        stuck.spawn(std::future::pending::<()>());
        assert!(!drain(&stuck, Duration::from_millis(20), "test").await);
        assert!(stuck.is_closed());
    }
}
