//! What the admin API may ask the gateway about a device's connection, without depending on
//! the gateway: the gateway implements this trait.

/// A device's connection as last seen by this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceInfo {
    pub online: bool,
    /// When the current (or last) session was established.
    pub last_connected_ms: i64,
    pub remote_address: String,
    pub firmware_version: String,
    pub model: String,
}

pub trait DevicePresence: Send + Sync + 'static {
    /// Device `device_id`, bound to `mac` (as stored: 12 upper-case hex digits): online
    /// while a session authenticated as this device holds it, else its Last Connection.
    fn presence(&self, device_id: u64, mac: &str) -> Option<PresenceInfo>;

    /// The device's session when one authenticated as it is online now; unlike `presence`,
    /// never looks up a Last Connection (loops over many devices ask this every second).
    fn online(&self, device_id: u64, mac: &str) -> Option<PresenceInfo> {
        self.presence(device_id, mac).filter(|p| p.online)
    }
}

/// A device session this node holds, as the cluster tells the other nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSession {
    /// As stored: 12 upper-case hex digits.
    pub mac: String,
    pub device_id: u64,
    pub info: PresenceInfo,
}

/// The sessions this node's gateway holds now (implemented by the gateway).
pub trait LocalSessions: Send + Sync + 'static {
    fn local_sessions(&self) -> Vec<LocalSession>;

    /// Starts keeping which sessions change (`changed_sessions`); the cluster calls it
    /// once, so a node on its own keeps nothing.
    fn track_changes(&self) {}

    /// The MACs whose session came, went or was replaced since the last call, each with the
    /// session it has now (None: gone); None when changes are not kept (then only
    /// `local_sessions` says what there is).
    fn changed_sessions(&self) -> Option<Vec<(String, Option<LocalSession>)>> {
        None
    }
}

/// A command for a connected device (as JSON in the audit trail: `{"kind": "unlock", …}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeviceCommand {
    /// Open relay 1-4; `requested_by` goes into the door log.
    Unlock {
        relay: u32,
        requested_by: String,
    },
    Reboot,
    SetSipTransport(SipTransport),
    FactoryReset,
    /// The device's AutoP configuration changed: fetch it again.
    ConfigChanged {
        config_version: String,
    },
    /// Run these AutoP commands once.
    OneTimeAutop {
        commands: Vec<String>,
    },
    /// Download and install a firmware image (verified against `sha256`).
    UpgradeFirmware {
        version: String,
        /// A signed download link: not for the audit trail.
        #[serde(skip_serializing)]
        url: String,
        sha256: String,
        reset_after_upgrade: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SipTransport {
    Udp,
    Tcp,
    Tls,
}

/// What the device answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    pub ok: bool,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("the device is offline")]
    Offline,
    #[error("the device did not answer within {0} ms")]
    Timeout(u64),
    #[error("the device disconnected before answering")]
    Disconnected,
    #[error("the device has too many commands in flight; try again")]
    Busy,
    /// Cluster mode: the node holding the device's session could not be asked.
    #[error("the device's cluster node could not be reached: {0}")]
    Unreachable(String),
}

pub type CommandFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<CommandOutcome, CommandError>> + Send + 'a>,
>;

/// Reaching a device: implemented by the gateway, used by the admin API (and SIP later).
pub trait DeviceCommands: Send + Sync + 'static {
    /// Sends `command` to the device with `mac` and waits for its answer until `timeout`.
    fn send(
        &self,
        mac: &str,
        command: DeviceCommand,
        timeout: std::time::Duration,
    ) -> CommandFuture<'_>;
}

/// A time-limited address of a device's web interface through the cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteGrant {
    pub url: String,
    pub expires_at_ms: i64,
}

/// Which node of a cluster holds a device's session, for what is done where the device is
/// (remote control's HTTP). Implemented by the cluster.
pub trait DeviceNodes: Send + Sync + 'static {
    /// The HTTPS address of the live node other than this one holding the session of
    /// `device_id` with `mac`.
    fn https_node_of(&self, device_id: u64, mac: &str) -> Option<std::net::SocketAddr>;
}

/// Remote control: implemented by the gateway (which carries the device's web interface
/// over its connection), used by the admin API.
pub trait RemoteControl: Send + Sync + 'static {
    /// A new URL for the device with `mac`, for `who` (an installer's name, for the logs).
    fn grant(&self, mac: &str, device_id: u64, who: &str) -> Result<RemoteGrant, CommandError>;
}
