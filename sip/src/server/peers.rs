//! Cluster mode: accounts registered on other nodes are rung through those nodes, and an
//! INVITE another node forwarded rings this node's bindings of one account
//! (`crate::cluster` says how and why).

use std::net::SocketAddr;
use std::sync::Arc;

use super::SipServer;
use crate::cluster::{PEER_HEADER, PeerBindings, PeerSigner, Reach, SipPeers};
use crate::message::{HeaderName, Request};
use crate::proxy::{CallMeta, Hop, NewCall, Stage, Transmit};
use crate::registrar::Source;

/// This node's place among the others, once it joined (`SipServer::join_cluster`).
pub(super) struct ClusterSip {
    peers: Arc<dyn SipPeers>,
    signer: PeerSigner,
    /// Where the other nodes reach this one's SIP (TCP).
    me: SocketAddr,
}

impl SipServer {
    /// Joins the cluster: accounts registered on other nodes (`peers`) are rung through
    /// them, INVITEs signed under `key` by another node are taken, and the registrar keeps
    /// which accounts come and go (`registration_changes`) for the cluster to tell the
    /// others. `me` is where the other nodes reach this node's SIP over TCP.
    pub fn join_cluster(&self, peers: Arc<dyn SipPeers>, key: [u8; 32], me: SocketAddr) {
        let joined = ClusterSip {
            peers,
            signer: PeerSigner::new(key),
            me,
        };
        if self.cluster.set(joined).is_ok() {
            super::locked(&self.registrar).track_changes();
        }
    }

    /// Where the other nodes reach this node's SIP, once it joined a cluster.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.cluster.get().map(|c| c.me)
    }

    /// The accounts whose bindings here came, went or changed how other nodes reach them
    /// since the last call, each with how they reach it now (None: gone). Cluster mode;
    /// empty otherwise.
    pub fn registration_changes(&self) -> Vec<(String, Option<Reach>)> {
        super::locked(&self.registrar).take_changes()
    }

    /// Every account with a binding here, with how other nodes reach it.
    pub fn registered_accounts(&self) -> Vec<(String, Reach)> {
        super::locked(&self.registrar).accounts()
    }

    /// Where `aor` is rung for a call `call_id`: its live contacts here, and each other
    /// node that holds some.
    pub(super) fn account_hops(&self, aor: &str, call_id: &str, now: u64) -> Vec<Hop> {
        let mut hops: Vec<Hop> = self
            .bindings(aor)
            .iter()
            .map(|b| crate::router::hop(aor, b))
            .collect();
        if let Some(cluster) = self.cluster.get() {
            for held in cluster.peers.holders(aor) {
                match held {
                    PeerBindings::Node(node) => {
                        let signature = cluster.signer.sign(call_id, aor, cluster.me, now / 1000);
                        hops.push(crate::router::peer_hop(aor, node, signature));
                    }
                    PeerBindings::Direct(contacts) => {
                        hops.extend(contacts.iter().map(|c| crate::router::direct_hop(aor, c)))
                    }
                }
            }
        }
        hops
    }

    /// An INVITE that names another node's signature: that node routed the call and asks
    /// this one to ring its bindings of the Request-URI's account. Answered 403 when the
    /// signature does not hold. None when the INVITE carries no signature.
    pub(super) fn forwarded_invite(
        &self,
        req: Request,
        source: Source,
        now: u64,
        out: &mut Vec<Transmit>,
    ) -> Option<Request> {
        let header = HeaderName::Other(PEER_HEADER.to_owned());
        let Some(signature) = req.headers.get(&header) else {
            return Some(req);
        };
        let account = req.uri.user_unescaped().unwrap_or_default();
        let call_id = req.headers.call_id().unwrap_or_default();
        let checked = match self.cluster.get() {
            Some(c) => c
                .signer
                .verify(signature, call_id, &account, now / 1000)
                .map_err(|e| e.to_string()),
            None => Err("this node is not in a cluster".to_owned()),
        };
        let claim = match checked {
            Ok(claim) => claim,
            Err(why) => {
                tracing::warn!(%source.addr, %account, %why, "forwarded SIP call refused");
                let r = req.response(403, &format!("Forbidden (cluster peer: {why})"), None);
                self.proxy().reject(req, source, r, now, out);
                return None;
            }
        };
        let hops = self
            .bindings(&account)
            .iter()
            .map(|b| crate::router::hop(&account, b))
            .collect();
        let caller = super::invite::caller_of(&req);
        let call = NewCall {
            invite: req,
            upstream: source,
            meta: CallMeta {
                caller,
                dialed: account,
                forwarded_by: Some(claim.from),
            },
            stages: vec![Stage {
                hops,
                ring_ms: self.config.ring_ms,
            }],
            initial: true,
            caller_cseq: None,
        };
        let mut p = self.proxy();
        if let Err(call) = p.start_call(call, now, out) {
            let invite = call.invite;
            let r = invite.response(503, "Service Unavailable", None);
            p.reject(invite, source, r, now, out);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{DirectContact, PeerBindings};
    use crate::message::Uri;
    use crate::proxy::LocalAddr;
    use crate::registrar::Transport;

    struct Fixed(Vec<PeerBindings>);

    impl SipPeers for Fixed {
        fn holders(&self, _account: &str) -> Vec<PeerBindings> {
            self.0.clone()
        }
    }

    #[test]
    fn other_nodes_bindings_are_rung_through_their_node_or_straight() {
        let store = porter_store::Store::in_memory(Arc::new(porter_store::SystemClock));
        let local = LocalAddr {
            host: "127.0.0.2".into(),
            ports: vec![(Transport::Udp, 5060), (Transport::Tcp, 5060)],
        };
        let server = SipServer::new(store, super::super::SipConfig::default(), local);
        let node: SocketAddr = "127.0.0.3:5060".parse().expect("addr");
        let device: SocketAddr = "192.0.2.7:5062".parse().expect("addr");
        let direct = DirectContact {
            uri: Uri::parse("sip:1001@192.0.2.7:5062").expect("uri"),
            addr: device,
        };
        server.join_cluster(
            Arc::new(Fixed(vec![
                PeerBindings::Node(node),
                PeerBindings::Direct(vec![direct]),
            ])),
            [1; 32],
            "127.0.0.2:5060".parse().expect("addr"),
        );
        let hops = server.account_hops("1001", "call-1", 1_000_000);
        assert_eq!(hops.len(), 2, "{hops:?}");
        assert_eq!(hops[0].to.transport, Transport::Tcp);
        assert_eq!(hops[0].to.addr, node);
        assert!(
            hops[0].peer_signature.is_some(),
            "a forwarded INVITE is signed"
        );
        assert_eq!(hops[1].to.transport, Transport::Udp);
        assert_eq!(hops[1].to.addr, device);
        assert_eq!(hops[1].uri.to_string(), "sip:1001@192.0.2.7:5062");
        assert!(
            hops[1].peer_signature.is_none(),
            "a device gets no node's signature"
        );
    }
}
