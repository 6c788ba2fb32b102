//! Refusing an address whose clients keep failing to authenticate, for a while: a
//! credential-guessing or misconfigured-fleet storm then costs a map lookup, not a
//! credential check. Shared by the device gateway and the SIP server; the key is an address
//! by default, and may be anything else a failure should be counted against (an address
//! and an account, an installer).

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

#[derive(Debug)]
pub struct AuthFailures<K = IpAddr> {
    limits: AuthFailureLimits,
    seen: Mutex<HashMap<K, (u32, Instant)>>,
}

impl<K> Default for AuthFailures<K> {
    fn default() -> Self {
        AuthFailures {
            limits: AuthFailureLimits::default(),
            seen: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> AuthFailures<K> {
    pub fn new(limits: AuthFailureLimits) -> Self {
        AuthFailures {
            limits,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// How long `ip` (or whatever the key is) must wait, if it is refused now.
    pub fn blocked_for(&self, ip: K, now: Instant) -> Option<Duration> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (count, since) = seen.get(&ip)?;
        let left = self
            .limits
            .window
            .saturating_sub(now.saturating_duration_since(*since));
        (*count >= self.limits.max_failures && !left.is_zero()).then_some(left)
    }

    pub fn failed(&self, ip: K, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.limits.window;
        if seen.len() >= self.limits.max_tracked && !seen.contains_key(&ip) {
            seen.retain(|_, (_, since)| now.saturating_duration_since(*since) < window);
            if seen.len() >= self.limits.max_tracked
                && let Some(oldest) = seen
                    .iter()
                    .min_by_key(|(_, (_, s))| *s)
                    .map(|(k, _)| k.clone())
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
}
