//! Whether a SIP account is talking in a call on any node, for the upgrade rollout: a
//! device is not rebooted into new firmware in the middle of a call, wherever the call's
//! dialog is kept (the node the caller reached, and the node a forwarded call rang it on).
//!
//! Asked only when a device's turn to upgrade comes, so it is a question to every node
//! (`IN_CALL_SUBJECT`, the account as payload) rather than a published list: each node with
//! SIP answers "1" or "0" for its own dialogs, and the asker counts the answers against the
//! live nodes it knows. A node that does not answer in time, or NATS being away, counts as
//! "cannot tell", which the rollout takes as "in a call": an upgrade waits a few seconds
//! rather than cut a call off.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use porter_edge::CancellationToken;
use porter_sip::server::SipServer;

use crate::presence::{ClusterView, pause};

/// Where nodes are asked whether an account is in a call.
const IN_CALL_SUBJECT: &str = "porter.cluster.sip.in_call";
/// How long the asker waits for every live node's answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

/// Whether `account` is in a call on some node: true when one says so, or when not every
/// live node (this one included) answered.
pub(crate) async fn in_call_anywhere(
    client: &async_nats::Client,
    view: &ClusterView,
    me: &str,
    account: &str,
) -> bool {
    if crate::cut_off(client) {
        return true;
    }
    let expected = view.nodes_alive(me) + 1;
    let inbox = client.new_inbox();
    let Ok(mut answers) = client.subscribe(inbox.clone()).await else {
        return true;
    };
    let asked = client
        .publish_with_reply(
            IN_CALL_SUBJECT,
            inbox,
            Bytes::copy_from_slice(account.as_bytes()),
        )
        .await;
    if asked.is_err() {
        return true;
    }
    let counted = tokio::time::timeout(ANSWER_WITHIN, async {
        let mut heard = 0;
        while let Some(answer) = answers.next().await {
            if answer.payload.as_ref() == b"1" {
                return true;
            }
            heard += 1;
            if heard >= expected {
                return false;
            }
        }
        true
    })
    .await;
    let _ = answers.unsubscribe().await;
    counted.unwrap_or_else(|_| {
        tracing::debug!(
            account,
            expected,
            "not every node said whether the account is in a call"
        );
        true
    })
}

/// Answers the other nodes' (and this node's own) questions from `server`'s dialogs until
/// `shutdown`; a node without SIP has no calls.
pub(crate) async fn answer(
    client: &async_nats::Client,
    server: &OnceLock<Arc<SipServer>>,
    shutdown: &CancellationToken,
) {
    while !shutdown.is_cancelled() {
        match client.subscribe(IN_CALL_SUBJECT).await {
            Ok(mut questions) => loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    m = questions.next() => {
                        let Some(m) = m else { break };
                        let Some(reply_to) = m.reply else { continue };
                        let account = String::from_utf8_lossy(&m.payload);
                        let said: &'static [u8] = if server.get().is_some_and(|s| s.in_call(&account)) { b"1" } else { b"0" };
                        let _ = client.publish(reply_to, Bytes::from_static(said)).await;
                    }
                }
            },
            Err(e) => tracing::warn!(error = %e, "subscribing to cluster in-call questions failed"),
        }
        pause(shutdown).await;
    }
}
