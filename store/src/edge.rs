//! Limits at the network edge that the device gateway, the SIP server and the HTTPS
//! listener share (they live here, beside `auth_failures`, because those servers depend on
//! the store and not on each other):
//!
//! - `PendingLimit`: connections one address holds before they proved anything (a gateway
//!   Hello, a valid SIP request, an HTTP request), so one client cannot take every
//!   descriptor with connections that never speak;
//! - `AcceptBackoff`: what an accept loop does when accepting fails, above all when the
//!   process is out of descriptors (EMFILE), instead of failing every accept in a hot loop.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// Pauses between failed accepts: 50 ms for a passing error, and for running out of
/// descriptors (EMFILE, ENFILE) a pause that doubles from 10 ms to 1 s while it lasts, so
/// the loop neither spins nor stays slow once descriptors are free again. It logs once when
/// a shortage starts, not once per accept.
#[derive(Debug, Default)]
pub struct AcceptBackoff {
    pause: Option<Duration>,
}

const EMFILE: i32 = 24;
const ENFILE: i32 = 23;
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

impl AcceptBackoff {
    /// An accept succeeded: the next shortage starts over.
    pub fn accepted(&mut self) {
        if self.pause.take().is_some() {
            tracing::info!("accepting connections again");
        }
    }

    /// An accept failed with `error`: how long to wait before the next.
    pub fn failed(&mut self, listener: &str, error: &std::io::Error) -> Duration {
        let out_of_descriptors = matches!(error.raw_os_error(), Some(EMFILE | ENFILE));
        if !out_of_descriptors {
            tracing::debug!(listener, %error, "accept failed");
            return Duration::from_millis(50);
        }
        let pause = match self.pause {
            None => {
                tracing::warn!(listener, %error, "out of file descriptors: accepting slower until some are free");
                FIRST_PAUSE
            }
            Some(p) => (p * 2).min(LONGEST_PAUSE),
        };
        self.pause = Some(pause);
        pause
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

    #[test]
    fn running_out_of_descriptors_backs_off_then_recovers() {
        let mut b = AcceptBackoff::default();
        let emfile = std::io::Error::from_raw_os_error(EMFILE);
        let pauses: Vec<_> = (0..9).map(|_| b.failed("test", &emfile)).collect();
        assert_eq!(pauses[0], Duration::from_millis(10));
        assert_eq!(pauses[1], Duration::from_millis(20));
        assert_eq!(pauses[8], Duration::from_secs(1));
        b.accepted();
        assert_eq!(b.failed("test", &emfile), Duration::from_millis(10));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(b.failed("test", &reset), Duration::from_millis(50));
    }
}
