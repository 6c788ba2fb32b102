//! Ends device sessions and remote-control grants as soon as a write takes away what they
//! authenticated with (`porter_store::revocation`): the store's revocation feed names each
//! ended binding; a lagged feed means every online session is checked against the store.
//! Commands do not depend on this task being quick: `Presence::current` checks the binding
//! before anything reaches a connection.

use std::sync::Arc;

use porter_edge::CancellationToken;
use porter_store::{Revocation, Revocations, Store};
use tokio::sync::broadcast;

use crate::presence::Presence;
use crate::remote::RemoteSessions;

pub async fn run(
    store: Store,
    presence: Arc<Presence>,
    remote: Arc<RemoteSessions>,
    shutdown: CancellationToken,
) {
    let mut feed = store.subscribe_revocations();
    loop {
        let received = tokio::select! {
            r = feed.recv() => r,
            () = shutdown.cancelled() => return,
        };
        match received {
            Ok(revoked) => apply(&presence, &remote, &revoked),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "revocation feed lagged: checking every online device"
                );
                presence.sweep();
                remote.revoke_all();
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

fn apply(presence: &Presence, remote: &RemoteSessions, revoked: &Revocations) {
    for r in revoked.iter() {
        if let Revocation::Device {
            device_id,
            mac,
            reason,
        } = r
        {
            presence.revoke(*device_id, mac, *reason);
            remote.revoke_device(*device_id);
        }
    }
}
