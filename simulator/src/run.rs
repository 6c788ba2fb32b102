//! A load run: starts the devices (ramp, hold or storm), optionally drives unlocks through
//! the admin API at a fixed rate while they are connected, and sums it all up.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use porter_proto::admin::v1 as pb;
use tokio::sync::{Semaphore, watch};

use crate::device::{self, Behaviour, Controls, Counters, DeviceSpec};
use crate::link::{Connector, Transport};
use crate::provision::Admin;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Connect `--rate` devices a second, then hold.
    Ramp,
    /// Connect everyone as fast as the connect window allows, then hold.
    Hold,
    /// Connect everyone, then drop and reconnect all at once, `--storms` times.
    Storm,
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    pub mode: Mode,
    /// How long to hold once everyone is connected.
    pub hold: Duration,
    /// Ramp: new connections per second.
    pub rate: u32,
    /// Hold and storm: connection attempts in flight at once during the first connect.
    pub connect_window: usize,
    pub storms: u32,
    /// Longest wait for everyone to be online.
    pub settle_timeout: Duration,
    /// Unlocks per second through the admin API during the hold (0: none).
    pub unlock_rate: u32,
    pub behaviour: Behaviour,
    /// Instructions for the devices (someone at a door, the network lost or back).
    pub instructions: Option<tokio::sync::broadcast::Sender<crate::entries::Instruction>>,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub ok: u64,
    pub failed: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// Unlocks that started late because the previous ones had not been sent yet.
    pub behind_schedule: u64,
}

#[derive(Debug, serde::Serialize)]
pub struct Summary {
    pub transport: Transport,
    pub mode: Mode,
    pub devices: usize,
    /// Online when the hold ended.
    pub connected: i64,
    pub peak_online: i64,
    /// Failed connection attempts (TCP, TLS, QUIC or WebSocket), retried with backoff.
    pub failed: u64,
    /// Devices refused for good (bad credential, unknown MAC, replaced).
    pub refused: u64,
    pub reconnects: u64,
    pub commands: u64,
    pub events: u64,
    pub time_to_all_online_ms: Option<u64>,
    /// Per storm: time until every device was online again.
    pub storm_recovery_ms: Vec<Option<u64>>,
    /// Sessions established per second during the storms (all storms together).
    pub storm_handshakes_per_sec: Option<f64>,
    pub unlock: Option<LatencySummary>,
}

/// Runs the devices per `config`; `ids[i]` is the admin API id of `specs[i]` (for unlocks).
pub async fn run(
    specs: Vec<DeviceSpec>,
    ids: Vec<u64>,
    connector: Arc<Connector>,
    admin: Option<Admin>,
    config: RunConfig,
) -> Summary {
    let n = specs.len();
    let counters = Arc::new(Counters::default());
    let (stop_tx, stop) = watch::channel(false);
    let (storm_tx, storm) = watch::channel(0u64);
    let controls = Controls {
        stop,
        storm,
        instructions: config.instructions.clone(),
    };
    let started = Instant::now();
    let window = Arc::new(Semaphore::new(config.connect_window.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let peak = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let watcher = tokio::spawn(track_peak(counters.clone(), peak.clone()));
    for (i, spec) in specs.into_iter().enumerate() {
        if config.mode == Mode::Ramp && config.rate > 0 {
            let due = started + Duration::from_secs_f64(i as f64 / f64::from(config.rate));
            tokio::time::sleep_until(due.into()).await;
        }
        let first_connect = if config.mode == Mode::Ramp {
            None
        } else {
            Some(window.clone().acquire_owned().await)
        };
        let (connector, counters, controls) =
            (connector.clone(), counters.clone(), controls.clone());
        let behaviour = config.behaviour.clone();
        tasks.spawn(async move {
            // The window is held through this device's first handshake, so at most
            // `connect_window` run at once.
            let gate = match first_connect {
                Some(Ok(permit)) => Some(permit),
                _ => None,
            };
            device::run(spec, connector, i, behaviour, counters, controls, gate).await;
        });
    }
    let time_to_all = wait_online(&counters, n, config.settle_timeout)
        .await
        .then(|| started.elapsed().as_millis() as u64);

    let mut storm_recovery_ms = Vec::new();
    let mut storm_sessions = 0u64;
    let mut storm_time = Duration::ZERO;
    if config.mode == Mode::Storm {
        for s in 1..=config.storms {
            let before = counters.connects.load(Ordering::Relaxed);
            let t = Instant::now();
            let _ = storm_tx.send(u64::from(s));
            let ok = wait_reconnected(&counters, before, n, config.settle_timeout).await;
            let took = t.elapsed();
            storm_recovery_ms.push(ok.then_some(took.as_millis() as u64));
            storm_sessions += counters.connects.load(Ordering::Relaxed) - before;
            storm_time += took;
        }
    }

    let unlock = match (&admin, config.unlock_rate) {
        (Some(admin), rate) if rate > 0 && !ids.is_empty() => {
            Some(unlocks(admin, &ids, rate, config.hold).await)
        }
        _ => {
            tokio::time::sleep(config.hold).await;
            None
        }
    };
    let connected = counters.online.load(Ordering::Relaxed);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    watcher.abort();
    let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    Summary {
        transport: connector.transport,
        mode: config.mode,
        devices: n,
        connected,
        peak_online: peak.load(Ordering::Relaxed),
        failed: get(&counters.connect_failures),
        refused: get(&counters.refused),
        reconnects: get(&counters.reconnects),
        commands: get(&counters.commands),
        events: get(&counters.events),
        time_to_all_online_ms: time_to_all,
        storm_recovery_ms,
        storm_handshakes_per_sec: (storm_time > Duration::ZERO)
            .then(|| storm_sessions as f64 / storm_time.as_secs_f64()),
        unlock,
    }
}

async fn track_peak(counters: Arc<Counters>, peak: Arc<std::sync::atomic::AtomicI64>) {
    loop {
        peak.fetch_max(counters.online.load(Ordering::Relaxed), Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_online(counters: &Counters, n: usize, timeout: Duration) -> bool {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if counters.online.load(Ordering::Relaxed) >= n as i64 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Until `n` new sessions have started since `before` and everyone is online.
async fn wait_reconnected(counters: &Counters, before: u64, n: usize, timeout: Duration) -> bool {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if counters.connects.load(Ordering::Relaxed) >= before + n as u64
            && counters.online.load(Ordering::Relaxed) >= n as i64
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

/// Unlocks relay 1 of devices in turn at `rate` per second for `hold`, through the admin
/// API (open-loop: a slow answer does not delay the next request).
async fn unlocks(admin: &Admin, ids: &[u64], rate: u32, hold: Duration) -> LatencySummary {
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let start = Instant::now();
    let total = (hold.as_secs_f64() * f64::from(rate)) as u64;
    let mut behind = 0u64;
    for k in 0..total {
        let due = start + Duration::from_secs_f64(k as f64 / f64::from(rate));
        if Instant::now() > due + Duration::from_millis(5) {
            behind += 1;
        }
        tokio::time::sleep_until(due.into()).await;
        let mut client = admin.devices();
        let id = ids[(k as usize) % ids.len()];
        let tx = tx.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            let r = client
                .unlock_relay(pb::UnlockRelayRequest {
                    device_id: id,
                    relay: 1,
                })
                .await;
            let ok = matches!(&r, Ok(reply) if reply.get_ref().ok);
            let _ = tx.send((t.elapsed(), ok));
        });
    }
    drop(tx);
    let mut s = LatencySummary {
        behind_schedule: behind,
        ..Default::default()
    };
    while let Some((took, ok)) = rx.recv().await {
        s.count += 1;
        if ok {
            s.ok += 1;
        } else {
            s.failed += 1;
        }
        if let Some(h) = hist.as_mut() {
            let _ = h.record(took.as_micros().max(1) as u64);
        }
    }
    if let Some(h) = hist {
        let ms = |v: u64| v as f64 / 1000.0;
        s.p50_ms = ms(h.value_at_quantile(0.5));
        s.p90_ms = ms(h.value_at_quantile(0.9));
        s.p99_ms = ms(h.value_at_quantile(0.99));
        s.p999_ms = ms(h.value_at_quantile(0.999));
        s.max_ms = ms(h.max());
    }
    s
}
