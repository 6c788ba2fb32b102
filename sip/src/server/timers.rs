//! The timer task sleeps until the next deadline of the proxy (retransmissions, ring
//! timeouts) or the registrar (bindings to forget), and is woken early when a message sets
//! an earlier one. At idle it does not wake at all.
//!
//! Every lock of the proxy or the registrar goes through `Timed`: when the lock is let go
//! and the part's next deadline is earlier than the one the task sleeps toward, the task
//! is woken. `Notify` keeps the wake-up if the task is not waiting yet, so none is lost.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use porter_edge::CancellationToken;
use tokio::sync::Notify;

use super::SipServer;
use crate::proxy::Proxy;
use crate::registrar::Registrar;

/// Expired bindings cost only memory, so they are forgotten in batches at most this often.
const REGISTRAR_BATCH_MS: u64 = 5_000;

/// Something with deadlines on the store's clock (milliseconds).
pub(super) trait Deadline {
    fn next_deadline_ms(&self) -> Option<u64>;
}

impl Deadline for Proxy {
    fn next_deadline_ms(&self) -> Option<u64> {
        self.next_deadline()
    }
}

impl Deadline for Registrar {
    fn next_deadline_ms(&self) -> Option<u64> {
        self.next_expiry()
            .map(|at| at.div_ceil(REGISTRAR_BATCH_MS) * REGISTRAR_BATCH_MS)
    }
}

/// What the timer task sleeps toward, and how to wake it.
#[derive(Default)]
pub(super) struct TimerWake {
    /// The deadline the task will wake for (u64::MAX: none).
    armed_ms: AtomicU64,
    notify: Notify,
}

impl TimerWake {
    /// A deadline at `at_ms` exists: wakes the task if it sleeps past it.
    fn earlier(&self, at_ms: u64) {
        if at_ms < self.armed_ms.fetch_min(at_ms, Ordering::AcqRel) {
            self.notify.notify_one();
        }
    }
}

/// A locked proxy or registrar that wakes the timer task, when it needs to, as the lock goes.
pub(super) struct Timed<'a, T: Deadline> {
    guard: MutexGuard<'a, T>,
    wake: &'a TimerWake,
}

impl<'a, T: Deadline> Timed<'a, T> {
    pub(super) fn new(guard: MutexGuard<'a, T>, wake: &'a TimerWake) -> Self {
        Timed { guard, wake }
    }
}

impl<T: Deadline> Deref for Timed<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: Deadline> DerefMut for Timed<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: Deadline> Drop for Timed<'_, T> {
    fn drop(&mut self) {
        if let Some(at) = self.guard.next_deadline_ms() {
            self.wake.earlier(at);
        }
    }
}

/// Runs what is due, then sleeps until the next deadline, an earlier one, or `stop`.
pub(super) async fn serve_timers(server: Arc<SipServer>, stop: CancellationToken) {
    loop {
        // From here on, any deadline set by a message wakes the task (or leaves it a
        // permit), even one set while this round runs.
        server.timer.armed_ms.store(u64::MAX, Ordering::Release);
        let out = server.poll();
        server.dispatch(out);
        let next = server.next_deadline();
        let armed = match next {
            Some(at) => at.min(server.timer.armed_ms.fetch_min(at, Ordering::AcqRel)),
            None => server.timer.armed_ms.load(Ordering::Acquire),
        };
        let sleep = async {
            if armed == u64::MAX {
                std::future::pending::<()>().await;
            }
            let wait = armed.saturating_sub(server.now_ms());
            tokio::time::sleep(Duration::from_millis(wait)).await;
        };
        tokio::select! {
            () = sleep => {}
            () = server.timer.notify.notified() => {}
            () = stop.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt as _;

    fn woken(wake: &TimerWake) -> bool {
        wake.notify.notified().now_or_never().is_some()
    }

    #[test]
    fn only_an_earlier_deadline_wakes_the_task() {
        let wake = TimerWake {
            armed_ms: AtomicU64::new(u64::MAX),
            notify: Notify::new(),
        };
        assert!(!woken(&wake), "nothing yet");
        wake.earlier(1_000);
        assert!(woken(&wake), "the first deadline wakes it");
        wake.earlier(5_000);
        assert!(!woken(&wake), "a later one does not");
        wake.earlier(1_000);
        assert!(!woken(&wake), "nor the same one again");
        wake.earlier(400);
        assert!(woken(&wake), "an earlier one does");
        assert_eq!(wake.armed_ms.load(Ordering::Acquire), 400);
    }

    #[test]
    fn the_registrar_wakes_the_task_on_batch_boundaries_only() {
        let registrar = Registrar::new(crate::registrar::RegistrarConfig::default());
        assert_eq!(
            registrar.next_deadline_ms(),
            None,
            "no bindings, no wake-up"
        );
        assert_eq!(
            12_345u64.div_ceil(REGISTRAR_BATCH_MS) * REGISTRAR_BATCH_MS,
            15_000
        );
    }
}
