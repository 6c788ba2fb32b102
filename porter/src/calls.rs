//! Whether a device's SIP account is in a call, as the upgrade rollout asks it: this node's
//! SIP server, and in cluster mode every node's (`porter_cluster::Cluster::in_call_anywhere`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use porter_cluster::Cluster;
use porter_provisioning::server::CallsInProgress;
use porter_sip::server::SipServer;

pub struct SipCalls {
    pub sip: Arc<SipServer>,
    pub cluster: Option<Cluster>,
}

impl CallsInProgress for SipCalls {
    fn in_call_here(&self, account: &str) -> bool {
        self.sip.in_call(account)
    }

    fn in_call_anywhere<'a>(
        &'a self,
        account: &'a str,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move {
            if self.sip.in_call(account) {
                return true;
            }
            match &self.cluster {
                Some(cluster) => cluster.in_call_anywhere(account).await,
                None => false,
            }
        })
    }
}
