//! Per-address limits at the gateway's edge: an address that opens connections faster than
//! its budget is refused at accept (before any TLS work), and an address whose devices keep
//! failing to authenticate is refused for a while (a credential-guessing or
//! misconfigured-fleet storm costs a map lookup, not a credential check).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct AuthFailureLimits {
    /// Failures from one address within `window` before it is refused (default 10).
    pub max_failures: u32,
    /// Default 60 s.
    pub window: Duration,
    /// Addresses tracked at once (default 100,000, ~64 bytes each); past it the oldest go.
    pub max_tracked: usize,
}

impl Default for AuthFailureLimits {
    fn default() -> Self {
        AuthFailureLimits {
            max_failures: 10,
            window: Duration::from_secs(60),
            max_tracked: 100_000,
        }
    }
}

#[derive(Debug, Default)]
pub struct AuthFailures {
    limits: AuthFailureLimits,
    seen: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl AuthFailures {
    pub fn new(limits: AuthFailureLimits) -> Self {
        AuthFailures {
            limits,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// How long `ip` must wait, if it is refused now.
    pub fn blocked_for(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (count, since) = seen.get(&ip)?;
        let left = self
            .limits
            .window
            .saturating_sub(now.saturating_duration_since(*since));
        (*count >= self.limits.max_failures && !left.is_zero()).then_some(left)
    }

    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.limits.window;
        if seen.len() >= self.limits.max_tracked && !seen.contains_key(&ip) {
            seen.retain(|_, (_, since)| now.saturating_duration_since(*since) < window);
            if seen.len() >= self.limits.max_tracked
                && let Some(oldest) = seen.iter().min_by_key(|(_, (_, s))| *s).map(|(k, _)| *k)
            {
                seen.remove(&oldest);
            }
        }
        let entry = seen.entry(ip).or_insert((0, now));
        if now.saturating_duration_since(entry.1) >= window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

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

    #[test]
    fn an_address_is_refused_after_repeated_failures_then_forgiven() {
        let f = AuthFailures::new(AuthFailureLimits {
            max_failures: 3,
            window: Duration::from_secs(60),
            max_tracked: 2,
        });
        let ip: IpAddr = "127.0.0.5".parse().unwrap();
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(f.blocked_for(ip, t), None);
            f.failed(ip, t);
        }
        assert_eq!(
            f.blocked_for(ip, t + Duration::from_secs(10)),
            Some(Duration::from_secs(50))
        );
        assert_eq!(f.blocked_for(ip, t + Duration::from_secs(60)), None);
        // Bounded: a third address evicts the oldest.
        f.failed("127.0.0.6".parse().unwrap(), t + Duration::from_secs(1));
        f.failed("127.0.0.7".parse().unwrap(), t + Duration::from_secs(2));
        assert_eq!(f.seen.lock().unwrap().len(), 2);
    }

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
