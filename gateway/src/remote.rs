//! Remote control: an installer opens a device's web interface through the cloud. The admin
//! API asks for a grant (an unguessable token with an expiry, in a URL on the HTTPS
//! listener); each HTTP request on that URL becomes a tunnel stream over the device's open
//! gateway connection, carried by `TunnelStream`, a byte stream the HTTPS proxy speaks
//! HTTP/1.1 over.
//!
//! A grant is its own proof: the token carries the device, the MAC and the expiry under an
//! HMAC, so every node of a cluster checks a link any node made. A request for a device
//! another node holds is passed to that node's HTTPS (`remote_proxy.rs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use porter_store::presence::{CommandError, DeviceNodes, RemoteControl, RemoteGrant};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::{mpsc, oneshot};

use crate::presence::{Control, Presence, TunnelRequest};
use crate::session::{TunnelError, unix_ms};

#[derive(Debug, Clone)]
pub struct RemoteControlConfig {
    /// Where URLs point: the HTTPS listener as browsers reach it (`https://host:8443`).
    pub base_url: String,
    /// How long a URL works (default 30 min).
    pub ttl: Duration,
    /// The device-local port of its web interface (default 80).
    pub device_port: u32,
    /// A stream with no traffic either way for this long is closed (default 60 s).
    pub stream_idle: Duration,
    /// Signs grants, so any node that has the key checks one without having made it (in a
    /// cluster every node derives the same key).
    pub grant_key: [u8; 32],
}

impl RemoteControlConfig {
    pub fn new(base_url: String, grant_key: [u8; 32]) -> Self {
        RemoteControlConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            ttl: Duration::from_secs(30 * 60),
            device_port: 80,
            stream_idle: Duration::from_secs(60),
            grant_key,
        }
    }
}

/// The path under which grants live on the HTTPS listener.
pub const PATH_PREFIX: &str = "/remote/";

/// One granted URL: what its token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub mac: String,
    pub device_id: u64,
    pub issued_at_ms: i64,
    pub expires_at_ms: i64,
}

impl Grant {
    /// Seconds the grant has left.
    pub fn seconds_left(&self) -> u64 {
        u64::try_from((self.expires_at_ms - unix_ms()) / 1000).unwrap_or(0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the device is offline")]
    Offline,
    #[error("{0}")]
    Tunnel(#[from] TunnelError),
    #[error("the device's connection is too busy; try again")]
    Busy,
}

/// Bytes of HMAC in a token: 128 bits.
const TAG_BYTES: usize = 16;
/// A token's bytes before the tag: device id, expiry, issue time, MAC.
const CLAIM_BYTES: usize = 8 + 8 + 8 + 6;

pub struct RemoteSessions {
    presence: Arc<Presence>,
    config: RemoteControlConfig,
    /// Devices whose sessions were revoked, and when: their grants issued before are void.
    /// Kept for a grant's life.
    revoked: Mutex<HashMap<u64, i64>>,
    /// Every grant issued before this is void (the revocation feed lagged).
    revoked_all_before_ms: AtomicI64,
    /// Cluster mode: which node holds a device, and how to reach its HTTPS.
    peers: OnceLock<Peers>,
    /// Where tunnel streams run (the gateway's tasks, drained at shutdown).
    tasks: porter_edge::TaskTracker,
}

/// The other nodes of a cluster, for devices connected to them.
#[derive(Clone)]
pub(crate) struct Peers {
    pub(crate) nodes: Arc<dyn DeviceNodes>,
    /// Trusts exactly the certificate every node presents.
    pub(crate) tls: Arc<rustls::ClientConfig>,
}

/// A stream's buffered device data, in frames (each at most a frame's size).
const TO_PROXY_QUEUE: usize = 32;
/// Bytes per tunnel frame from the proxy to the device.
const CHUNK: usize = 16 * 1024;

impl RemoteSessions {
    pub fn new(
        presence: Arc<Presence>,
        config: RemoteControlConfig,
        tasks: porter_edge::TaskTracker,
    ) -> Self {
        RemoteSessions {
            presence,
            config,
            revoked: Mutex::new(HashMap::new()),
            revoked_all_before_ms: AtomicI64::new(0),
            peers: OnceLock::new(),
            tasks,
        }
    }

    /// Cluster mode: a grant's device held by another node is reached through that node
    /// (`tls` trusts the certificate the nodes share).
    pub fn join_cluster(&self, nodes: Arc<dyn DeviceNodes>, tls: Arc<rustls::ClientConfig>) {
        let _ = self.peers.set(Peers { nodes, tls });
    }

    pub(crate) fn peers(&self) -> Option<&Peers> {
        self.peers.get()
    }

    /// Where a request's connection to the device runs (the gateway's tasks).
    pub(crate) fn tasks(&self) -> &porter_edge::TaskTracker {
        &self.tasks
    }

    fn mac(&self, claim: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.config.grant_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"porter remote control grant\n");
        mac.update(claim);
        mac
    }

    fn token(&self, grant: &Grant) -> Option<String> {
        let mut claim = Vec::with_capacity(CLAIM_BYTES + TAG_BYTES);
        claim.extend_from_slice(&grant.device_id.to_be_bytes());
        claim.extend_from_slice(&grant.expires_at_ms.to_be_bytes());
        claim.extend_from_slice(&grant.issued_at_ms.to_be_bytes());
        claim.extend_from_slice(&hex::decode(&grant.mac).ok().filter(|m| m.len() == 6)?);
        let tag = self.mac(&claim).finalize().into_bytes();
        claim.extend_from_slice(&tag[..TAG_BYTES]);
        Some(hex::encode(claim))
    }

    /// The live grant behind `token`, if any: made under this key, not expired, and not
    /// issued before its device's session was revoked.
    pub fn grant_for(&self, token: &str) -> Option<Grant> {
        let bytes = hex::decode(token).ok()?;
        if bytes.len() != CLAIM_BYTES + TAG_BYTES {
            return None;
        }
        let (claim, tag) = bytes.split_at(CLAIM_BYTES);
        self.mac(claim).verify_truncated_left(tag).ok()?;
        let number = |at: usize| -> Option<[u8; 8]> { claim.get(at..at + 8)?.try_into().ok() };
        let grant = Grant {
            device_id: u64::from_be_bytes(number(0)?),
            expires_at_ms: i64::from_be_bytes(number(8)?),
            issued_at_ms: i64::from_be_bytes(number(16)?),
            mac: hex::encode_upper(&claim[24..]),
        };
        let revoked_at = self.revoked_map().get(&grant.device_id).copied();
        let void_before = revoked_at
            .unwrap_or(0)
            .max(self.revoked_all_before_ms.load(Ordering::Relaxed));
        (grant.expires_at_ms > unix_ms() && grant.issued_at_ms > void_before).then_some(grant)
    }

    fn revoked_map(&self) -> std::sync::MutexGuard<'_, HashMap<u64, i64>> {
        self.revoked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends every grant of a device whose session was revoked; its open streams end with
    /// the connection that carried them.
    pub fn revoke_device(&self, device_id: u64) {
        let now = unix_ms();
        let ttl = i64::try_from(self.config.ttl.as_millis()).unwrap_or(i64::MAX);
        let mut revoked = self.revoked_map();
        // A revocation older than a grant's life voids nothing that still works.
        revoked.retain(|_, at| *at > now - ttl);
        revoked.insert(device_id, now);
    }

    /// Voids every grant made so far (the revocation feed lagged, so which devices lost
    /// their sessions is not known).
    pub fn revoke_all(&self) {
        self.revoked_all_before_ms
            .store(unix_ms(), Ordering::Relaxed);
    }

    /// Whether this node holds the grant's device, online and still authenticated as it.
    pub(crate) fn holds(&self, grant: &Grant) -> bool {
        self.presence
            .current_for(grant.device_id, &grant.mac)
            .is_some()
    }

    /// Opens a stream to the web interface of the device a grant was made for: only while
    /// that device (not merely its MAC) is online and still authenticated as it.
    pub async fn connect(&self, grant: &Grant) -> Result<TunnelStream, OpenError> {
        let control = self
            .presence
            .current_for(grant.device_id, &grant.mac)
            .map(|d| d.control)
            .ok_or(OpenError::Offline)?;
        let (to_proxy, mut from_device) = mpsc::channel::<Bytes>(TO_PROXY_QUEUE);
        let (reply, opened) = oneshot::channel();
        control
            .try_send(Control::TunnelOpen(Box::new(TunnelRequest {
                port: self.config.device_port,
                to_proxy,
                reply,
            })))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => OpenError::Busy,
                mpsc::error::TrySendError::Closed(_) => OpenError::Offline,
            })?;
        let stream_id = opened.await.map_err(|_| OpenError::Offline)??;
        let (ours, mut theirs) = tokio::io::duplex(2 * CHUNK);
        let idle = self.config.stream_idle;
        self.tasks.spawn(async move {
            let mut buf = vec![0u8; CHUNK];
            let mut device_open = true;
            loop {
                tokio::select! {
                    chunk = from_device.recv(), if device_open => match chunk {
                        Some(b) => {
                            if theirs.write_all(&b).await.is_err() {
                                break;
                            }
                        }
                        None => {
                            // The device ended the stream: the proxy reads to the end.
                            device_open = false;
                            let _ = theirs.shutdown().await;
                        }
                    },
                    n = theirs.read(&mut buf) => match n {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let data = buf[..n].to_vec();
                            if control.send(Control::TunnelData { stream_id, data }).await.is_err() {
                                break;
                            }
                        }
                    },
                    () = tokio::time::sleep(idle) => break,
                }
            }
            let _ = control.try_send(Control::TunnelClose { stream_id });
        });
        Ok(TunnelStream(ours))
    }
}

/// The proxy's end of one remote-control stream.
pub struct TunnelStream(pub DuplexStream);

impl RemoteControl for RemoteSessions {
    fn grant(&self, mac: &str, device_id: u64, who: &str) -> Result<RemoteGrant, CommandError> {
        let here = self.presence.current_for(device_id, mac).is_some();
        let elsewhere = || {
            self.peers()
                .is_some_and(|p| p.nodes.https_node_of(device_id, mac).is_some())
        };
        if !here && !elsewhere() {
            return Err(CommandError::Offline);
        }
        // A grant made in the millisecond of a revocation still counts as after it.
        let revoked_at = self.revoked_map().get(&device_id).copied().unwrap_or(0);
        let issued_at_ms = unix_ms()
            .max(self.revoked_all_before_ms.load(Ordering::Relaxed) + 1)
            .max(revoked_at + 1);
        let ttl = i64::try_from(self.config.ttl.as_millis()).unwrap_or(i64::MAX);
        let grant = Grant {
            mac: mac.to_owned(),
            device_id,
            issued_at_ms,
            expires_at_ms: issued_at_ms.saturating_add(ttl),
        };
        let token = self.token(&grant).ok_or(CommandError::Offline)?;
        tracing::info!(mac, device_id, who, "remote control granted");
        Ok(RemoteGrant {
            url: format!("{}{PATH_PREFIX}{token}/", self.config.base_url),
            expires_at_ms: grant.expires_at_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sessions(key: [u8; 32]) -> RemoteSessions {
        let clock = Arc::new(porter_store::SystemClock);
        let (store, _) = porter_store::fixtures::operator_store(clock)
            .await
            .expect("store");
        let metrics = Arc::new(crate::metrics::GatewayMetrics::default());
        RemoteSessions::new(
            Arc::new(Presence::new(store, metrics)),
            RemoteControlConfig::new("https://porter.example".into(), key),
            porter_edge::TaskTracker::new(),
        )
    }

    fn grant(issued_at_ms: i64, expires_at_ms: i64) -> Grant {
        Grant {
            mac: "0C1105000001".into(),
            device_id: 7,
            issued_at_ms,
            expires_at_ms,
        }
    }

    #[tokio::test]
    async fn a_grant_holds_on_every_node_with_the_key_until_it_expires_or_is_revoked() {
        let node1 = sessions([1; 32]).await;
        let node2 = sessions([1; 32]).await;
        let stranger = sessions([2; 32]).await;
        let now = unix_ms();
        let g = grant(now - 10, now + 60_000);
        let token = node1.token(&g).expect("token");
        assert_eq!(node1.grant_for(&token), Some(g.clone()));
        assert_eq!(node2.grant_for(&token), Some(g.clone()), "made on node 1");
        assert_eq!(stranger.grant_for(&token), None, "another key");
        // Any change to what the token says breaks it.
        let mut tampered = token.clone().into_bytes();
        tampered[15] = if tampered[15] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).expect("hex");
        assert_eq!(node1.grant_for(&tampered), None);
        for junk in ["", "zz", &token[..token.len() - 2], &"0".repeat(92)] {
            assert_eq!(node1.grant_for(junk), None, "{junk}");
        }
        let expired = node1.token(&grant(now - 60_000, now - 1)).expect("token");
        assert_eq!(node1.grant_for(&expired), None);

        node2.revoke_device(7);
        assert_eq!(
            node2.grant_for(&token),
            None,
            "issued before the revocation"
        );
        assert_eq!(node1.grant_for(&token), Some(g), "node 1 was not told");
        let after = grant(unix_ms() + 1, unix_ms() + 60_000);
        let renewed = node2.token(&after).expect("token");
        assert_eq!(node2.grant_for(&renewed), Some(after));
        // Everything issued up to the lag is void.
        tokio::time::sleep(Duration::from_millis(5)).await;
        node2.revoke_all();
        assert_eq!(node2.grant_for(&renewed), None);
    }
}
