//! Ends what a SIP account held once a write took away the password it authenticated with
//! (`porter_store::revocation`): its registrations go (calls stop reaching it) and its
//! dialogs are forgotten (their in-dialog requests, DTMF unlocks included, get 481). New
//! requests are challenged again and need the current password.

use std::sync::Arc;

use porter_edge::CancellationToken;
use porter_store::Revocation;
use tokio::sync::broadcast;

use super::SipServer;

impl SipServer {
    /// Drops the registrations and dialogs of `account` (a SIP number); how many of each.
    pub fn revoke_account(&self, account: &str) -> (usize, usize) {
        let bindings = self.registrar().remove(account);
        let dialogs = self.proxy().end_dialogs_of(account);
        (bindings, dialogs)
    }
}

/// Follows the store's revocation feed. A lagged feed cannot say which accounts changed, so
/// then every registration is dropped and each device must authenticate again.
pub(super) async fn serve_revocations(server: Arc<SipServer>, stop: CancellationToken) {
    let mut feed = server.store.subscribe_revocations();
    loop {
        let received = tokio::select! {
            r = feed.recv() => r,
            () = stop.cancelled() => return,
        };
        match received {
            Ok(revoked) => {
                for r in revoked.iter() {
                    if let Revocation::SipAccount { number, reason } = r {
                        let (bindings, dialogs) = server.revoke_account(number);
                        tracing::info!(account = %number, bindings, dialogs, reason = reason.label(), "SIP account revoked");
                    }
                }
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "revocation feed lagged: dropping every registration"
                );
                // Without the list of what changed, every binding must authenticate again;
                // devices re-register within their next refresh interval.
                server.registrar().clear();
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
