//! Which devices are online, on which connection. One session per MAC: a newer one
//! replaces the older, which is told so and closed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use porter_store::presence::{DevicePresence, PresenceInfo};
use tokio::sync::mpsc;

/// What the rest of the gateway can ask of a connection.
#[derive(Debug)]
pub enum Control {
    /// A newer connection of the same device took over.
    Replace,
}

#[derive(Debug, Clone)]
pub struct OnlineDevice {
    pub connection_id: u64,
    pub device_id: u64,
    pub model: String,
    pub firmware_version: String,
    pub remote: SocketAddr,
    pub since_ms: i64,
    pub control: mpsc::Sender<Control>,
}

#[derive(Debug, Default)]
pub struct Presence {
    online: Mutex<HashMap<String, OnlineDevice>>,
    /// What the last session of each device that went offline looked like (Last Connection).
    last: Mutex<HashMap<String, PresenceInfo>>,
}

impl Presence {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, OnlineDevice>> {
        self.online.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records `mac` as online on this connection; the connection it replaces is told.
    pub fn online(&self, mac: &str, device: OnlineDevice) {
        let old = self.map().insert(mac.to_owned(), device);
        if let Some(old) = old {
            // A full queue means the old connection is already going away.
            let _ = old.control.try_send(Control::Replace);
        }
    }

    /// Records `mac` as offline, unless a newer connection already holds it.
    pub fn offline(&self, mac: &str, connection_id: u64) {
        let mut map = self.map();
        if map
            .get(mac)
            .is_some_and(|d| d.connection_id == connection_id)
            && let Some(d) = map.remove(mac)
        {
            let mut last = info(&d);
            last.online = false;
            self.last
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(mac.to_owned(), last);
        }
    }

    pub fn get(&self, mac: &str) -> Option<OnlineDevice> {
        self.map().get(mac).cloned()
    }

    pub fn count(&self) -> usize {
        self.map().len()
    }
}

fn info(d: &OnlineDevice) -> PresenceInfo {
    PresenceInfo {
        online: true,
        last_connected_ms: d.since_ms,
        remote_address: d.remote.to_string(),
        firmware_version: d.firmware_version.clone(),
        model: d.model.clone(),
    }
}

impl DevicePresence for Presence {
    fn presence(&self, mac: &str) -> Option<PresenceInfo> {
        if let Some(d) = self.map().get(mac) {
            return Some(info(d));
        }
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(mac)
            .cloned()
    }
}
