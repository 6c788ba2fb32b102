//! Connections one address holds before they proved anything (a gateway Hello, a valid SIP
//! request, an HTTP request), bounded, so one client cannot take every descriptor with
//! connections that never speak. Shared by the device gateway, the SIP server and the HTTPS
//! front.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Connections of one address that have not proved anything yet, bounded.
#[derive(Debug)]
pub struct PendingLimit {
    max_per_address: u32,
    counts: Mutex<HashMap<IpAddr, u32>>,
}

/// One connection's place under its address's `PendingLimit`, given back when the
/// connection proves itself (`settle`) or ends.
#[derive(Debug)]
pub struct PendingGuard {
    limit: Arc<PendingLimit>,
    ip: IpAddr,
}

impl PendingLimit {
    /// At most `max_per_address` connections of one address at once before they prove
    /// anything (each tracked address costs ~40 bytes; only addresses holding such
    /// connections are tracked).
    pub fn new(max_per_address: u32) -> Arc<Self> {
        Arc::new(PendingLimit {
            max_per_address: max_per_address.max(1),
            counts: Mutex::new(HashMap::new()),
        })
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, u32>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for a new connection from `ip`, or `None` when the address has its fill.
    pub fn try_enter(self: &Arc<Self>, ip: IpAddr) -> Option<PendingGuard> {
        let mut counts = self.counts();
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.max_per_address {
            return None;
        }
        *n += 1;
        Some(PendingGuard {
            limit: self.clone(),
            ip,
        })
    }

    /// Connections of `ip` not yet proved.
    pub fn pending(&self, ip: IpAddr) -> u32 {
        self.counts().get(&ip).copied().unwrap_or(0)
    }

    pub fn max_per_address(&self) -> u32 {
        self.max_per_address
    }
}

impl PendingGuard {
    /// The connection proved itself: its place goes back.
    pub fn settle(self) {}
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        let mut counts = self.limit.counts();
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_its_fill_of_silent_connections_and_no_more() {
        let limit = PendingLimit::new(2);
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        let first = limit.try_enter(a).unwrap();
        let second = limit.try_enter(a).unwrap();
        assert!(limit.try_enter(a).is_none());
        assert!(limit.try_enter(b).is_some(), "another address has its own");
        first.settle();
        let third = limit.try_enter(a).unwrap();
        drop((second, third));
        assert_eq!(limit.pending(a), 0);
        assert!(
            limit.counts().is_empty(),
            "nothing kept for quiet addresses"
        );
    }
}
