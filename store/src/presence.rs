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
    /// `mac` as stored (12 upper-case hex digits).
    fn presence(&self, mac: &str) -> Option<PresenceInfo>;
}
