//! Shared helpers of Porter's benchmark binaries.

pub mod admin;

use hdrhistogram::Histogram;

/// Latency recorder in microseconds (1 µs to 60 s, 3 significant digits).
pub struct Latency {
    name: &'static str,
    hist: Histogram<u64>,
}

impl Latency {
    pub fn new(name: &'static str) -> Self {
        Latency {
            name,
            hist: Histogram::new_with_bounds(1, 60_000_000, 3)
                .unwrap_or_else(|_| unreachable!("valid bounds")),
        }
    }

    pub fn record(&mut self, elapsed: std::time::Duration) {
        let us = u64::try_from(elapsed.as_micros())
            .unwrap_or(u64::MAX)
            .clamp(1, 60_000_000);
        let _ = self.hist.record(us);
    }

    pub fn p50_us(&self) -> u64 {
        self.hist.value_at_quantile(0.50)
    }

    pub fn p99_us(&self) -> u64 {
        self.hist.value_at_quantile(0.99)
    }

    /// One line for docs/BENCHMARKS.md.
    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {:.3} | {:.3} | {:.3} |",
            self.name,
            self.hist.len(),
            self.p50_us() as f64 / 1000.0,
            self.p99_us() as f64 / 1000.0,
            self.hist.max() as f64 / 1000.0,
        )
    }
}
