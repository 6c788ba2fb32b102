//! SIP in cluster mode, without IO: which other nodes hold bindings of an account
//! ([`SipPeers`], answered by the cluster crate from what the nodes tell each other), and
//! the signature an INVITE forwarded between nodes carries ([`PeerSigner`]).
//!
//! A call is routed on the node its caller sent it to. An account registered on another
//! node is rung by forwarding the INVITE there over TCP (`sip:ACCOUNT@node`, signed in the
//! `X-Porter-Peer` header): that node rings its own bindings of the account, over the very
//! flows they registered on, and Record-Routes so the dialog's requests pass both nodes.
//! An account whose bindings on that node are all UDP contacts with no NAT in between
//! ([`Reach::Direct`]) is rung straight from the routing node instead, as its own would be:
//! one proxy rather than two.
//! docs/CLUSTER.md, "Calls across nodes".

use std::net::SocketAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::message::Uri;

/// The header a node signs an INVITE it forwards to another with.
pub const PEER_HEADER: &str = "X-Porter-Peer";
/// How long a signature is good for: a forwarded INVITE is sent at once; the margin is for
/// the nodes' clocks.
const SIGNATURE_TTL_SECS: u64 = 30;
/// Bytes of HMAC kept: 128 bits, as hex.
const TAG_BYTES: usize = 16;

/// How the other nodes may ring an account's bindings on the node that holds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Through the holding node (a forwarded INVITE): some binding is on a connection, or
    /// came through NAT, and only that node's socket reaches it.
    Forward,
    /// Straight to each of these UDP contacts, from any node: every binding registered
    /// from the very address its Contact names, so no NAT stands between (a device on the
    /// cluster's own network, or on a public address).
    Direct(Vec<DirectContact>),
}

/// A UDP contact any node may send to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectContact {
    pub uri: Uri,
    pub addr: SocketAddr,
}

/// Where another node's bindings of an account are rung from this node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerBindings {
    /// Through that node's SIP (TCP).
    Node(SocketAddr),
    /// Straight to these contacts.
    Direct(Vec<DirectContact>),
}

/// The other nodes' SIP, as this node knows it.
pub trait SipPeers: Send + Sync + 'static {
    /// The bindings of `account` held by the live nodes other than this one, one entry per
    /// node.
    fn holders(&self, account: &str) -> Vec<PeerBindings>;
}

/// What a node forwarding an INVITE vouches for: the account to ring and where the
/// forwarding node takes in-dialog requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerClaim {
    /// The forwarding node's SIP address (TCP).
    pub from: SocketAddr,
}

/// Why a forwarded INVITE's signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeerRefusal {
    #[error("malformed")]
    Malformed,
    #[error("expired or from a clock far off")]
    Expired,
    #[error("wrong signature")]
    BadSignature,
}

/// Signs and checks forwarded INVITEs under the key every node derives from the cluster's
/// URL-signing key.
#[derive(Clone)]
pub struct PeerSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for PeerSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PeerSigner(..)")
    }
}

impl PeerSigner {
    pub fn new(key: [u8; 32]) -> PeerSigner {
        PeerSigner { key }
    }

    fn mac(&self, call_id: &str, account: &str, from: &SocketAddr, at: u64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(format!("{call_id}\n{account}\n{from}\n{at}").as_bytes());
        mac
    }

    /// The header value for an INVITE of `call_id` forwarded to ring `account`, at Unix
    /// second `now`.
    pub fn sign(&self, call_id: &str, account: &str, from: SocketAddr, now: u64) -> String {
        let tag = self
            .mac(call_id, account, &from, now)
            .finalize()
            .into_bytes();
        format!(
            "from={from};at={now};sig={}",
            hex::encode(&tag[..TAG_BYTES])
        )
    }

    /// Checks a header made by `sign` for the same Call-ID and account.
    pub fn verify(
        &self,
        value: &str,
        call_id: &str,
        account: &str,
        now: u64,
    ) -> Result<PeerClaim, PeerRefusal> {
        let mut from = None;
        let mut at = None;
        let mut sig = None;
        for part in value.split(';') {
            match part.trim().split_once('=') {
                Some(("from", v)) => from = v.parse::<SocketAddr>().ok(),
                Some(("at", v)) => at = v.parse::<u64>().ok(),
                Some(("sig", v)) => sig = hex::decode(v).ok(),
                _ => return Err(PeerRefusal::Malformed),
            }
        }
        let (Some(from), Some(at), Some(sig)) = (from, at, sig) else {
            return Err(PeerRefusal::Malformed);
        };
        if sig.len() != TAG_BYTES {
            return Err(PeerRefusal::Malformed);
        }
        if now.abs_diff(at) > SIGNATURE_TTL_SECS {
            return Err(PeerRefusal::Expired);
        }
        self.mac(call_id, account, &from, at)
            .verify_truncated_left(&sig)
            .map_err(|_| PeerRefusal::BadSignature)?;
        Ok(PeerClaim { from })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_for_its_call_and_account_only() {
        let signer = PeerSigner::new([7; 32]);
        let from: SocketAddr = "10.0.0.2:5060".parse().expect("addr");
        let value = signer.sign("call-1", "1001", from, 1_000);
        assert_eq!(
            signer.verify(&value, "call-1", "1001", 1_010),
            Ok(PeerClaim { from })
        );
        assert_eq!(
            signer.verify(&value, "call-2", "1001", 1_010),
            Err(PeerRefusal::BadSignature)
        );
        assert_eq!(
            signer.verify(&value, "call-1", "1002", 1_010),
            Err(PeerRefusal::BadSignature)
        );
        assert_eq!(
            signer.verify(&value, "call-1", "1001", 1_031),
            Err(PeerRefusal::Expired)
        );
        let other = PeerSigner::new([8; 32]);
        assert_eq!(
            other.verify(&value, "call-1", "1001", 1_000),
            Err(PeerRefusal::BadSignature)
        );
        let moved = value.replace("10.0.0.2", "10.0.0.9");
        assert_eq!(
            signer.verify(&moved, "call-1", "1001", 1_000),
            Err(PeerRefusal::BadSignature)
        );
        for bad in ["", "from=x;at=1;sig=00", "at=1000;sig=zz", "what=1"] {
            assert_eq!(
                signer.verify(bad, "call-1", "1001", 1_000),
                Err(PeerRefusal::Malformed),
                "{bad}"
            );
        }
    }
}
