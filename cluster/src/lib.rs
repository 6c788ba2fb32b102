//! Cluster mode between `porter` nodes over NATS (`--cluster-nats`): which node holds each
//! device's session, and commands to a device whatever node it is connected to.
//!
//! - Each node says it is alive every `HEARTBEAT` on `porter.cluster.nodes`; a node not
//!   heard from for `NODE_EXPIRY` is gone, and so are the sessions it held.
//! - Each node publishes the sessions its gateway says changed once a second, all
//!   of them every 30 s and when a node joins and asks (`presence.rs`). Every node keeps
//!   the others' sessions, so it knows where each device is without asking. Core NATS
//!   only: no JetStream needed (Debian's nats-server 2.9 answers JetStream in a form the
//!   current client does not read).
//! - Each node publishes which SIP accounts it holds bindings of as they come and go
//!   (`sip.rs`); a call routed on one node rings accounts registered on another by
//!   forwarding the INVITE to that node (`porter_sip::cluster`).
//! - Before a device's turn to upgrade, the rollout asks every node whether its SIP account
//!   is in a call there (`calls.rs`).
//! - A command for a device held by another node is a NATS request to that node's subject
//!   (`commands.rs`), answered with the device's reply. NATS down or the node gone: the
//!   command fails at once with `CommandError::Unreachable`.
//!
//! `ClusterDevices` puts this behind the same `DevicePresence` and `DeviceCommands` traits
//! the gateway implements, looking at this node's own sessions first.

mod calls;
mod commands;
mod presence;
mod sip;

use std::sync::Arc;
use std::time::Duration;

use porter_edge::CancellationToken;
use porter_store::presence::{
    CommandError, CommandFuture, DeviceCommand, DeviceCommands, DevicePresence, LocalSessions,
    PresenceInfo,
};

pub use presence::ClusterView;

/// How often a node says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// A node not heard from for this long is gone, with its sessions.
pub const NODE_EXPIRY: Duration = Duration::from_secs(10);
/// How long connecting to NATS may take at start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `nats://host:port` (several, comma-separated, for a NATS cluster).
    pub nats_url: String,
    /// This node's id (`--node-id`).
    pub node_id: String,
    /// Where the other nodes reach this node's HTTPS (remote control of its devices).
    pub https: Option<std::net::SocketAddr>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("connecting to NATS at {url}: {detail}")]
    Connect { url: String, detail: String },
}

/// What the gateway is to the cluster: its sessions, and commands to them.
pub trait LocalDevices: LocalSessions + DevicePresence + DeviceCommands {}

impl<T: LocalSessions + DevicePresence + DeviceCommands> LocalDevices for T {}

/// This node's place in the cluster. Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    client: async_nats::Client,
    /// This process's name among the nodes: the node id and when it started, so a node
    /// restarted is not mistaken for its earlier life.
    holder: String,
    https: Option<std::net::SocketAddr>,
    local: Arc<dyn LocalDevices>,
    view: Arc<ClusterView>,
    /// This node's SIP server, once attached (`attach_sip`).
    sip: std::sync::OnceLock<Arc<porter_sip::server::SipServer>>,
    /// The other nodes' SIP registrations.
    sip_view: Arc<sip::SipView>,
    /// The last NATS round trip (a flush), in microseconds; 0 before the first.
    rtt_us: std::sync::atomic::AtomicU64,
}

impl Inner {
    /// Whether this node has lost NATS (it then cannot tell which nodes are alive).
    fn cut_off(&self) -> bool {
        cut_off(&self.client)
    }
}

/// Whether `client` has lost NATS (this node then cannot tell which nodes are alive).
pub(crate) fn cut_off(client: &async_nats::Client) -> bool {
    client.connection_state() != async_nats::connection::State::Connected
}

impl Cluster {
    /// Connects to NATS.
    pub async fn connect(
        config: &ClusterConfig,
        local: Arc<dyn LocalDevices>,
    ) -> Result<Cluster, ClusterError> {
        let connect_error = |detail: String| ClusterError::Connect {
            url: config.nats_url.clone(),
            detail,
        };
        let options = async_nats::ConnectOptions::new()
            .name(format!("porter {}", config.node_id))
            .connection_timeout(CONNECT_TIMEOUT)
            // Keep trying for ever once connected: the node serves its own devices meanwhile.
            .max_reconnects(None);
        let client = tokio::time::timeout(
            CONNECT_TIMEOUT,
            async_nats::connect_with_options(config.nats_url.as_str(), options),
        )
        .await
        .map_err(|_| connect_error("timed out".into()))?
        .map_err(|e| connect_error(e.to_string()))?;
        Ok(Cluster {
            inner: Arc::new(Inner {
                client,
                holder: porter_store::lease::process_name(&config.node_id),
                https: config.https,
                local,
                view: Arc::new(ClusterView::default()),
                sip: std::sync::OnceLock::new(),
                sip_view: Arc::new(sip::SipView::default()),
                rtt_us: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// The devices of the whole cluster, this node's first.
    pub fn devices(&self) -> Arc<ClusterDevices> {
        Arc::new(ClusterDevices {
            cluster: self.clone(),
        })
    }

    /// Puts this node's SIP server in the cluster: its accounts are told to the other nodes,
    /// and calls it routes ring accounts registered on them through them. `key` signs the
    /// calls nodes forward to each other (the same on every node); `me` is where the others
    /// reach this node's SIP over TCP.
    pub fn attach_sip(
        &self,
        server: Arc<porter_sip::server::SipServer>,
        key: [u8; 32],
        me: std::net::SocketAddr,
    ) {
        let inner = &self.inner;
        let peers = sip::Peers {
            nodes: inner.view.clone(),
            sip: inner.sip_view.clone(),
            holder: inner.holder.clone(),
            client: inner.client.clone(),
        };
        server.join_cluster(Arc::new(peers), key, me);
        let _ = inner.sip.set(server);
    }

    /// Whether SIP `account` is talking in a call on any node (this one included); true
    /// when some node could not say (`calls.rs`).
    pub async fn in_call_anywhere(&self, account: &str) -> bool {
        let inner = &self.inner;
        calls::in_call_anywhere(&inner.client, &inner.view, &inner.holder, account).await
    }

    /// Nodes heard from lately (this one included), for `/metrics`.
    pub fn nodes_seen(&self) -> usize {
        self.inner.view.nodes_alive(&self.inner.holder) + 1
    }

    /// The cluster's gauges in Prometheus text: nodes seen, whether NATS is connected, and
    /// its last round trip.
    pub fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write as _;
        let connected = u8::from(!self.inner.cut_off());
        let rtt = self.inner.rtt_us.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6;
        let _ = write!(
            out,
            "# HELP porter_cluster_nodes_seen Nodes heard from in the last {expiry} s, this one included.\n\
             # TYPE porter_cluster_nodes_seen gauge\n\
             porter_cluster_nodes_seen {nodes}\n\
             # HELP porter_cluster_nats_connected Whether this node is connected to the cluster's NATS.\n\
             # TYPE porter_cluster_nats_connected gauge\n\
             porter_cluster_nats_connected {connected}\n\
             # HELP porter_cluster_nats_rtt_seconds The last round trip to NATS (measured every {beat} s).\n\
             # TYPE porter_cluster_nats_rtt_seconds gauge\n\
             porter_cluster_nats_rtt_seconds {rtt}\n\
             # HELP porter_cluster_sip_accounts_elsewhere SIP accounts other nodes hold bindings of.\n\
             # TYPE porter_cluster_sip_accounts_elsewhere gauge\n\
             porter_cluster_sip_accounts_elsewhere {sip}\n",
            expiry = NODE_EXPIRY.as_secs(),
            nodes = self.nodes_seen(),
            beat = HEARTBEAT.as_secs(),
            sip = self.inner.sip_view.len(),
        );
    }

    /// Heartbeats, presence publishing and watching, and answering other nodes' commands,
    /// until `shutdown`. This node's sessions are withdrawn at the end.
    pub async fn run(self, shutdown: CancellationToken) {
        let inner = &self.inner;
        tokio::join!(
            presence::heartbeat(
                &inner.client,
                &inner.holder,
                inner.https,
                &inner.rtt_us,
                &shutdown
            ),
            presence::follow_nodes(&inner.client, &inner.view, &shutdown),
            presence::follow_sessions(&inner.client, &inner.view, &shutdown),
            presence::publish(
                &inner.client,
                &inner.holder,
                inner.local.as_ref(),
                &shutdown
            ),
            commands::serve(&inner.client, &inner.holder, inner.local.clone(), &shutdown),
            sip::follow(&inner.client, &inner.sip_view, &inner.holder, &shutdown),
            calls::answer(&inner.client, &inner.sip, &shutdown),
            async {
                if let Some(server) = inner.sip.get() {
                    sip::publish(&inner.client, &inner.holder, server, &shutdown).await;
                }
            },
        );
    }
}

/// Devices on any node: `DevicePresence` and `DeviceCommands` for the whole cluster.
pub struct ClusterDevices {
    cluster: Cluster,
}

impl DevicePresence for ClusterDevices {
    fn presence(&self, device_id: u64, mac: &str) -> Option<PresenceInfo> {
        let inner = &self.cluster.inner;
        if let Some(p) = inner.local.online(device_id, mac) {
            return Some(p);
        }
        if let Some(remote) = inner
            .view
            .online(device_id, mac, &inner.holder, inner.cut_off())
        {
            return Some(remote);
        }
        inner.local.presence(device_id, mac)
    }

    fn online(&self, device_id: u64, mac: &str) -> Option<PresenceInfo> {
        let inner = &self.cluster.inner;
        inner.local.online(device_id, mac).or_else(|| {
            inner
                .view
                .online(device_id, mac, &inner.holder, inner.cut_off())
        })
    }
}

impl porter_store::presence::DeviceNodes for ClusterDevices {
    fn https_node_of(&self, device_id: u64, mac: &str) -> Option<std::net::SocketAddr> {
        let inner = &self.cluster.inner;
        let cut_off = inner.cut_off();
        inner.view.online(device_id, mac, &inner.holder, cut_off)?;
        let holder = inner.view.holder_of(mac, &inner.holder, cut_off)?;
        inner.view.https_of(&holder)
    }
}

impl DeviceCommands for ClusterDevices {
    fn send(&self, mac: &str, command: DeviceCommand, timeout: Duration) -> CommandFuture<'_> {
        let inner = &self.cluster.inner;
        let mac = mac.to_owned();
        Box::pin(async move {
            // A session held here is the device's newest wherever else it was seen.
            match inner.local.send(&mac, command.clone(), timeout).await {
                Err(CommandError::Offline) => {}
                answered => return answered,
            }
            match inner.view.holder_of(&mac, &inner.holder, inner.cut_off()) {
                Some(holder) => commands::ask(&inner.client, holder, mac, command, timeout).await,
                None => Err(CommandError::Offline),
            }
        })
    }
}
