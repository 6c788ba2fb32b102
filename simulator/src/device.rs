//! One simulated door phone or indoor monitor: connects, says hello, keeps heartbeats,
//! obeys commands (reboot → reconnect after a boot delay), reports random door events,
//! serves its web page through remote-control tunnels, and reconnects the way firmware
//! does: after a GoAway's delay, with backoff after failures, at once in a storm.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use porter_proto::device::v1::{self as d, device_frame::Body, server_frame::Body as SBody};
use tokio::sync::{OwnedSemaphorePermit, mpsc, watch};

use crate::entries::Door;
use crate::link::{Connector, Link};
use crate::rng::Rng;
use crate::web::WebInterface;

/// Who a simulated device is.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DeviceSpec {
    pub mac: String,
    pub credential: String,
    pub model: String,
    pub firmware_version: String,
    /// The manual's type code (0, 1, 2, 3, 50).
    pub device_type: u32,
}

#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Mean time between random door events (none when unset).
    pub door_events_every: Option<Duration>,
    /// How long a reboot keeps the device away.
    pub reboot_time: Duration,
    /// Longest wait between failed connection attempts.
    pub backoff_max: Duration,
    /// Damage every firmware download (its checksum then fails).
    pub corrupt_downloads: bool,
    /// `https://host:port` of the AutoP server: the file is fetched after each connection
    /// and each change notice (none when unset).
    pub autop_base: Option<String>,
    /// Print a JSON line each time the credential list changes (for benchmarks).
    pub report_credentials: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            door_events_every: None,
            reboot_time: Duration::from_secs(2),
            backoff_max: Duration::from_secs(30),
            corrupt_downloads: false,
            autop_base: None,
            report_credentials: false,
        }
    }
}

/// What all devices of a run add up to.
#[derive(Debug, Default)]
pub struct Counters {
    pub online: AtomicI64,
    pub connects: AtomicU64,
    pub reconnects: AtomicU64,
    pub connect_failures: AtomicU64,
    pub refused: AtomicU64,
    pub commands: AtomicU64,
    pub events: AtomicU64,
    pub tunnels: AtomicU64,
    /// AutoP files received (200), unchanged answers (304), and failed fetches.
    pub autop_fetched: AtomicU64,
    pub autop_unchanged: AtomicU64,
    pub autop_failures: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Signals from the driver to every device.
#[derive(Clone)]
pub struct Controls {
    /// True: close and stop.
    pub stop: watch::Receiver<bool>,
    /// Each change: drop the connection and reconnect at once.
    pub storm: watch::Receiver<u64>,
    /// Someone at a door, the network lost or back (`--control-stdin`).
    pub instructions: Option<tokio::sync::broadcast::Sender<crate::entries::Instruction>>,
}

/// Ends a device's instruction follower with the device.
struct Follower(Option<tokio::task::JoinHandle<()>>);

impl Drop for Follower {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}

/// Why a session ended.
enum Ended {
    Stop,
    Reconnect(Duration),
    /// Refused for good (bad credential, unknown MAC): a real device would wait for an
    /// installer.
    Refused,
    /// A firmware image was downloaded and checked: reboot into this version.
    Upgraded(String),
}

/// Runs one device until told to stop.
pub async fn run(
    mut spec: DeviceSpec,
    connector: Arc<Connector>,
    index: usize,
    behaviour: Behaviour,
    counters: Arc<Counters>,
    mut controls: Controls,
    mut gate: Option<OwnedSemaphorePermit>,
) {
    let mut rng = Rng::new(index as u64 + 1);
    let mut failures = 0u32;
    let mut first = true;
    let https_tls = connector.https_tls();
    let autop = Arc::new(std::sync::Mutex::new(crate::autop::AutopState::default()));
    let door = Door::new();
    let _follower = Follower(controls.instructions.as_ref().map(|tx| {
        let camera = behaviour.autop_base.clone().map(|base| {
            crate::camera::Camera::new(
                https_tls.clone(),
                base,
                spec.mac.clone(),
                spec.credential.clone(),
            )
        });
        tokio::spawn(crate::entries::follow(
            spec.mac.clone(),
            door.clone(),
            camera,
            tx.subscribe(),
        ))
    }));
    loop {
        if *controls.stop.borrow() {
            return;
        }
        if door.is_offline() {
            // The network is gone: the door keeps working, nothing connects.
            tokio::select! {
                () = door.changed.notified() => {}
                () = stopped(&mut controls.stop) => return,
            }
            continue;
        }
        let link = tokio::select! {
            l = connector.connect(index) => l,
            _ = controls.stop.changed() => return,
        };
        gate.take();
        let mut link = match link {
            Ok(l) => l,
            Err(e) => {
                bump(&counters.connect_failures);
                failures += 1;
                let wait = backoff(failures, behaviour.backoff_max, &mut rng);
                debug_log(
                    &spec.mac,
                    &format!("connect failed: {e}; retrying in {wait:?}"),
                );
                if sleep_or_stop(wait, &mut controls.stop).await {
                    return;
                }
                continue;
            }
        };
        let ended = session(
            &spec,
            (&https_tls, &autop, &door),
            &mut link,
            &behaviour,
            &counters,
            &mut controls,
            &mut rng,
            &mut first,
        )
        .await;
        link.close().await;
        match ended {
            Ok(Ended::Stop) => return,
            Ok(Ended::Refused) => {
                bump(&counters.refused);
                return;
            }
            Ok(Ended::Upgraded(version)) => {
                debug_log(&spec.mac, &format!("rebooting into {version}"));
                spec.firmware_version = version;
                failures = 0;
                if sleep_or_stop(behaviour.reboot_time, &mut controls.stop).await {
                    return;
                }
            }
            Ok(Ended::Reconnect(wait)) => {
                failures = 0;
                if sleep_or_stop(wait, &mut controls.stop).await {
                    return;
                }
            }
            Err(_) => {
                failures += 1;
                let wait = backoff(failures, behaviour.backoff_max, &mut rng);
                if sleep_or_stop(wait, &mut controls.stop).await {
                    return;
                }
            }
        }
    }
}

/// Exponential backoff from 200 ms with full jitter.
fn backoff(failures: u32, max: Duration, rng: &mut Rng) -> Duration {
    let cap = Duration::from_millis(200)
        .saturating_mul(1 << failures.min(10))
        .min(max);
    rng.below(cap)
}

/// The simulator's own progress lines go to stderr only with PORTER_SIM_DEBUG set.
fn debug_log(mac: &str, what: &str) {
    if std::env::var_os("PORTER_SIM_DEBUG").is_some() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("porter-sim {mac}: {what}");
        }
    }
}

/// True when stopped while waiting.
async fn sleep_or_stop(wait: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        () = stopped(stop) => {}
    }
    *stop.borrow()
}

/// Resolves on the next storm; never once the driver is gone.
async fn storm(storm: &mut watch::Receiver<u64>) {
    if storm.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Resolves once `stop` is true (returning nothing, so no watch guard is held).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

struct Online<'a> {
    counters: &'a Counters,
}

impl Drop for Online<'_> {
    fn drop(&mut self) {
        self.counters.online.fetch_sub(1, Ordering::Relaxed);
    }
}

#[allow(clippy::too_many_arguments)]
async fn session(
    spec: &DeviceSpec,
    (https_tls, autop, door): (
        &Arc<rustls::ClientConfig>,
        &Arc<std::sync::Mutex<crate::autop::AutopState>>,
        &Arc<Door>,
    ),
    link: &mut Link,
    behaviour: &Behaviour,
    counters: &Arc<Counters>,
    controls: &mut Controls,
    rng: &mut Rng,
    first: &mut bool,
) -> Result<Ended, crate::link::LinkError> {
    let (credential_list, credential_version) = {
        let state = door.lock();
        (state.list.list, state.list.version)
    };
    link.send(&frame(Body::Hello(d::Hello {
        protocol_versions: vec![1],
        mac: spec.mac.clone(),
        model: spec.model.clone(),
        firmware_version: spec.firmware_version.clone(),
        credential: spec.credential.clone(),
        credential_list,
        credential_version,
    })))
    .await?;
    let ack = match link.recv().await? {
        Some(d::ServerFrame {
            body: Some(SBody::HelloAck(a)),
        }) => a,
        Some(d::ServerFrame {
            body: Some(SBody::Error(e)),
        }) => return Ok(refusal(&e)),
        _ => return Err(crate::link::LinkError::Timeout),
    };
    counters.online.fetch_add(1, Ordering::Relaxed);
    let _online = Online { counters };
    bump(&counters.connects);
    if !std::mem::take(first) {
        bump(&counters.reconnects);
    }
    let beat = Duration::from_secs(u64::from(ack.heartbeat_interval_secs.max(1)));
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
    let mut seq = 0u64;
    let mut next_event = behaviour
        .door_events_every
        .map(|m| tokio::time::Instant::now() + rng.around(m));
    let mut web = WebInterface::new(spec);
    let mut upgrading: Option<mpsc::Receiver<crate::firmware::Progress>> = None;
    let fetch_autop = |counters: Arc<Counters>| {
        if let Some(base) = behaviour.autop_base.clone() {
            let (tls, spec, state) = (https_tls.clone(), spec.clone(), autop.clone());
            tokio::spawn(async move {
                crate::autop::fetch(tls, &base, &spec, &state, &counters).await;
            });
        }
    };
    fetch_autop(counters.clone());
    // Photos of face credentials come over HTTPS from the AutoP server, one pass at a time;
    // a pass starts after each update and at each heartbeat while a photo is missing.
    let enrol_faces = || {
        let Some(base) = behaviour.autop_base.clone() else {
            return;
        };
        {
            let mut state = door.lock();
            if state.enrolling || state.list.faces_to_enrol().is_empty() {
                return;
            }
            state.enrolling = true;
        }
        let (tls, spec, door) = (https_tls.clone(), spec.clone(), door.clone());
        let report = behaviour.report_credentials;
        tokio::spawn(async move {
            let done = crate::faces::enrol(tls, &base, &spec, &door).await;
            door.lock().enrolling = false;
            if report {
                report_enrolled(&spec.mac, done);
            }
        });
    };
    enrol_faces();
    storm_seen(controls);
    // Door-log entries made while away go first, then the session takes new ones.
    let (to_cloud, mut from_door) = mpsc::channel::<d::DeviceFrame>(64);
    let _reporting = Reporting::start(door, to_cloud);
    let unreported: Vec<d::Event> = door.lock().unreported.drain(..).collect();
    for e in unreported {
        link.send(&frame(Body::Event(e))).await?;
    }
    loop {
        if door.is_offline() {
            return Ok(Ended::Reconnect(Duration::ZERO));
        }
        let upgrade_progress = async {
            match &mut upgrading {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        let event_due = async {
            match next_event {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            got = link.recv() => {
                let Some(f) = got? else {
                    return Ok(Ended::Reconnect(rng.below(Duration::from_secs(1))));
                };
                match f.body {
                    Some(SBody::Command(d::Command {
                        request_id,
                        action: Some(d::command::Action::UpgradeFirmware(u)),
                        ..
                    })) => {
                        bump(&counters.commands);
                        let busy = upgrading.is_some();
                        let message = if busy { "an upgrade is already running" } else { "downloading" };
                        link.send(&frame(Body::CommandResult(d::CommandResult {
                            request_id,
                            ok: !busy,
                            message: message.to_owned(),
                        })))
                        .await?;
                        if !busy {
                            let (tx, rx) = mpsc::channel(8);
                            upgrading = Some(rx);
                            tokio::spawn(crate::firmware::upgrade(
                                https_tls.clone(),
                                u,
                                behaviour.corrupt_downloads,
                                tx,
                            ));
                        }
                    }
                    Some(SBody::Command(c)) => {
                        bump(&counters.commands);
                        if matches!(c.action, Some(d::command::Action::ConfigChanged(_))) {
                            fetch_autop(counters.clone());
                        }
                        let reboot = matches!(c.action, Some(d::command::Action::Reboot(_)));
                        link.send(&frame(Body::CommandResult(obey(&c)))).await?;
                        if reboot {
                            return Ok(Ended::Reconnect(behaviour.reboot_time));
                        }
                    }
                    Some(SBody::GoAway(g)) => {
                        let wait = Duration::from_millis(g.reconnect_after_ms);
                        return Ok(Ended::Reconnect(wait + rng.below(wait / 2 + Duration::from_millis(1))));
                    }
                    Some(SBody::Error(e)) => return Ok(refusal(&e)),
                    Some(SBody::TunnelOpen(o)) => {
                        bump(&counters.tunnels);
                        web.open(o.stream_id, o.port);
                    }
                    Some(SBody::TunnelData(t)) => {
                        for out in web.data(t.stream_id, &t.data) {
                            link.send(&frame(out)).await?;
                        }
                    }
                    Some(SBody::TunnelClose(c)) => web.close(c.stream_id),
                    Some(SBody::CredentialUpdate(u)) => {
                        let (applied, held) = {
                            let mut state = door.lock();
                            (state.list.apply(u), state.list.len())
                        };
                        if let Some(a) = applied {
                            if behaviour.report_credentials {
                                report_applied(&spec.mac, &a, held);
                            }
                            link.send(&frame(Body::CredentialsApplied(a))).await?;
                        }
                        enrol_faces();
                    }
                    Some(SBody::HeartbeatAck(_) | SBody::HelloAck(_)) | None => {}
                }
            }
            Some(f) = from_door.recv() => link.send(&f).await?,
            () = door.changed.notified() => {}
            _ = heartbeat.tick() => {
                seq += 1;
                link.send(&frame(Body::Heartbeat(d::Heartbeat { seq }))).await?;
                enrol_faces();
            }
            () = event_due => {
                bump(&counters.events);
                link.send(&frame(Body::Event(random_door_event(rng)))).await?;
                next_event = behaviour
                    .door_events_every
                    .map(|m| tokio::time::Instant::now() + rng.around(m));
            }
            p = upgrade_progress => {
                use d::upgrade_progress::State;
                let Some(p) = p else {
                    upgrading = None;
                    continue;
                };
                let state = p.state;
                let version = p.version.clone();
                link.send(&frame(Body::Event(d::Event {
                    at_ms: 0,
                    kind: Some(d::event::Kind::UpgradeProgress(p)),
                })))
                .await?;
                if state == State::Installing as i32 {
                    return Ok(Ended::Upgraded(version));
                }
                if state == State::Failed as i32 {
                    upgrading = None;
                }
            }
            () = storm(&mut controls.storm) => return Ok(Ended::Reconnect(Duration::ZERO)),
            () = stopped(&mut controls.stop) => return Ok(Ended::Stop),
        }
    }
}

#[allow(clippy::print_stdout)]
fn report_applied(mac: &str, a: &d::CredentialsApplied, held: usize) {
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    println!(
        "{}",
        serde_json::json!({"applied": {"mac": mac, "list": a.list, "version": a.version,
                                       "credentials": held, "at_ms": at_ms}})
    );
}

#[allow(clippy::print_stdout)]
fn report_enrolled(mac: &str, done: crate::faces::Enrolled) {
    println!(
        "{}",
        serde_json::json!({"faces": {"mac": mac, "enrolled": done.enrolled, "failed": done.failed}})
    );
}

/// While a session runs, the door's entries go out through it; when it ends they wait.
struct Reporting<'a>(&'a Door);

impl<'a> Reporting<'a> {
    fn start(door: &'a Door, to_cloud: mpsc::Sender<d::DeviceFrame>) -> Self {
        door.lock().session = Some(to_cloud);
        Reporting(door)
    }
}

impl Drop for Reporting<'_> {
    fn drop(&mut self) {
        self.0.lock().session = None;
    }
}

/// Marks the current storm generation as seen, so only a later one drops the session.
fn storm_seen(controls: &mut Controls) {
    controls.storm.borrow_and_update();
}

fn refusal(e: &d::Error) -> Ended {
    match d::error::Code::try_from(e.code) {
        Ok(d::error::Code::Unauthenticated) => Ended::Refused,
        Ok(d::error::Code::Replaced) => Ended::Refused,
        // Deleted, moved or re-keyed: only a new credential (AutoP, an installer) helps.
        Ok(d::error::Code::Revoked) => Ended::Refused,
        _ if e.retry_after_ms > 0 => Ended::Reconnect(Duration::from_millis(e.retry_after_ms)),
        _ => Ended::Reconnect(Duration::from_secs(1)),
    }
}

fn frame(body: Body) -> d::DeviceFrame {
    d::DeviceFrame { body: Some(body) }
}

/// What a device does with a command: relays 1–4 exist; everything else succeeds.
fn obey(c: &d::Command) -> d::CommandResult {
    use d::command::Action;
    let (ok, message) = match &c.action {
        Some(Action::Unlock(u)) if (1..=4).contains(&u.relay) => {
            (true, format!("relay {} opened", u.relay))
        }
        Some(Action::Unlock(u)) => (false, format!("no relay {}", u.relay)),
        Some(Action::Reboot(_)) => (true, "rebooting".to_owned()),
        Some(Action::SetSipTransport(t)) => (true, format!("SIP transport {}", t.transport)),
        Some(Action::FactoryReset(_)) => (true, "factory reset".to_owned()),
        Some(_) => (true, "done".to_owned()),
        None => (false, "no action".to_owned()),
    };
    d::CommandResult {
        request_id: c.request_id,
        ok,
        message,
    }
}

fn random_door_event(rng: &mut Rng) -> d::Event {
    const METHODS: [d::UnlockMethod; 5] = [
        d::UnlockMethod::Pin,
        d::UnlockMethod::RfCard,
        d::UnlockMethod::Face,
        d::UnlockMethod::QrCode,
        d::UnlockMethod::Bluetooth,
    ];
    let method = METHODS[rng.next_u64() as usize % METHODS.len()];
    let success = !rng.next_u64().is_multiple_of(10);
    d::Event {
        at_ms: 0,
        kind: Some(d::event::Kind::DoorLog(d::DoorLog {
            relay: 1,
            method: method as i32,
            success,
            who: format!("card {:08}", rng.next_u64() % 100_000_000),
            credential_id: 0,
            offline: false,
        })),
    }
}
