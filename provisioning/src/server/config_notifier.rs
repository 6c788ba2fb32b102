//! Tells connected devices to fetch their AutoP file again when it changed. The store says
//! which communities each write touched; for the online devices there the file is rendered
//! again, and a device whose file's ETag is not the one it was last sent or told about gets
//! a `ConfigChanged` command (a device that has not fetched its file since the server
//! started fetches it after connecting, and is not told). Writes arriving together are
//! handled as one.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use porter_edge::{CancellationToken, TaskTracker};
use porter_store::Store;
use porter_store::model::Id;
use porter_store::presence::DeviceCommand;
use tokio::sync::broadcast;

use super::Devices;
use super::autop_files::AutopFiles;

/// Writes arriving within this time of the first are handled together.
const GATHER: Duration = Duration::from_millis(300);
/// A device that does not take the notice in this time gets it with its next fetch.
const NOTICE_TIMEOUT: Duration = Duration::from_secs(10);

/// Follows the store's change feed until `shutdown`; the notices it sends run on `tasks`.
pub async fn run(
    store: Store,
    devices: Arc<dyn Devices>,
    files: Arc<AutopFiles>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    let mut feed = store.subscribe_changes();
    loop {
        let mut touched = BTreeSet::new();
        let first = tokio::select! {
            r = feed.recv() => r,
            () = shutdown.cancelled() => return,
        };
        if !gather(first, &store, &mut touched) {
            return;
        }
        let deadline = tokio::time::Instant::now() + GATHER;
        while let Ok(r) = tokio::time::timeout_at(deadline, feed.recv()).await {
            if !gather(r, &store, &mut touched) {
                return;
            }
        }
        notify(&store, &devices, &files, &touched, &tasks);
    }
}

/// Adds what one receive says to `touched`; false when the store is gone.
fn gather(
    received: Result<porter_store::ChangedCommunities, broadcast::error::RecvError>,
    store: &Store,
    touched: &mut BTreeSet<Id>,
) -> bool {
    match received {
        Ok(ids) => touched.extend(ids.iter().copied()),
        Err(broadcast::error::RecvError::Lagged(_)) => {
            touched.extend(store.read(|dir| dir.all_community_ids()));
        }
        Err(broadcast::error::RecvError::Closed) => return false,
    }
    true
}

fn notify(
    store: &Store,
    devices: &Arc<dyn Devices>,
    files: &AutopFiles,
    touched: &BTreeSet<Id>,
    tasks: &TaskTracker,
) {
    files.forget_deleted();
    let online: Vec<(Id, String)> = store.read(|dir| {
        touched
            .iter()
            .flat_map(|c| dir.devices_of_community(*c))
            .filter(|d| devices.online(d.id, &d.mac).is_some())
            .map(|d| (d.id, d.mac.clone()))
            .collect()
    });
    for (id, mac) in online {
        let Some(rendered) = files.render_device(id) else {
            continue;
        };
        let etag = rendered.file.etag.clone();
        if !files.changed(id, &etag) {
            continue;
        }
        let devices = devices.clone();
        tasks.spawn(async move {
            let command = DeviceCommand::ConfigChanged {
                config_version: etag,
            };
            if let Err(e) = devices.send(&mac, command, NOTICE_TIMEOUT).await {
                tracing::debug!(%mac, error = ?e, "configuration notice not taken");
            }
        });
    }
}
