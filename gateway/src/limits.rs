//! Per-address limits at the gateway's edge: an address that opens connections faster than
//! its budget is refused at accept (before any TLS work), and an address whose devices keep
//! failing to authenticate is refused for a while (a credential-guessing or
//! misconfigured-fleet storm costs a map lookup, not a credential check).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub use porter_store::auth_failures::{AuthFailureLimits, AuthFailures};

/// A token bucket per address. Whole communities sit behind one NAT address and all
/// reconnect after a power cut, so the defaults allow a large burst and only stop an address
/// that keeps hammering.
#[derive(Debug, Clone)]
pub struct AcceptRateLimits {
    /// Connections one address may open at once before it must wait (default 2,000).
    pub burst: u32,
    /// Connections per second one address regains (default 200).
    pub per_second: u32,
    /// Addresses tracked at once (default 100,000, ~48 bytes each); past it the fullest
    /// buckets (the least recently limited addresses) are forgotten first.
    pub max_tracked: usize,
}

impl Default for AcceptRateLimits {
    fn default() -> Self {
        AcceptRateLimits {
            burst: 2_000,
            per_second: 200,
            max_tracked: 100_000,
        }
    }
}

#[derive(Debug)]
pub struct AcceptRate {
    limits: AcceptRateLimits,
    /// Tokens left and when they were counted.
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl AcceptRate {
    pub fn new(limits: AcceptRateLimits) -> Self {
        AcceptRate {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for a new connection from `ip`; false means refuse it.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> bool {
        let burst = f64::from(self.limits.burst);
        let rate = f64::from(self.limits.per_second);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= self.limits.max_tracked && !buckets.contains_key(&ip) {
            // A bucket that has refilled is the same as no bucket.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
            if buckets.len() >= self.limits.max_tracked
                && let Some(fullest) = buckets
                    .iter()
                    .max_by(|a, b| a.1.0.total_cmp(&b.1.0))
                    .map(|(k, _)| *k)
            {
                buckets.remove(&fullest);
            }
        }
        let (tokens, at) = buckets.entry(ip).or_insert((burst, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_address_past_its_burst_waits_for_the_refill() {
        let r = AcceptRate::new(AcceptRateLimits {
            burst: 3,
            per_second: 2,
            max_tracked: 2,
        });
        let ip: IpAddr = "127.0.0.5".parse().unwrap();
        let t = Instant::now();
        assert!((0..3).all(|_| r.admit(ip, t)));
        assert!(!r.admit(ip, t));
        // Another address has its own budget.
        assert!(r.admit("127.0.0.6".parse().unwrap(), t));
        assert!(r.admit(ip, t + Duration::from_millis(500)));
        assert!(!r.admit(ip, t + Duration::from_millis(500)));
        // Bounded: a third address pushes one out.
        assert!(r.admit("127.0.0.7".parse().unwrap(), t));
        assert_eq!(r.buckets.lock().unwrap().len(), 2);
    }
}
