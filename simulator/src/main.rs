//! `porter-sim`: runs N simulated devices against a Porter gateway. One command for a load
//! run: `porter-sim --provision --door-phones 10 --indoor-monitors 90 --ca DATA/gateway-cert.pem`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use porter_sim::device::Behaviour;
use porter_sim::link::{Connector, Transport};
use porter_sim::provision::{self, Admin, Plan, Provisioned};
use porter_sim::run::{self, Mode, RunConfig};

#[derive(Debug, Parser)]
#[command(
    name = "porter-sim",
    version,
    about = "Simulated Porter door phones and indoor monitors"
)]
struct Args {
    /// The gateway address for the chosen transport (the WebSocket port for ws); several,
    /// comma-separated, for a cluster's nodes: devices are spread over them and move to the
    /// next when theirs is gone.
    #[arg(long, env = "PORTER_SIM_GATEWAY", default_value = "127.0.0.1:8501", value_delimiter = ',', num_args = 1..)]
    gateway: Vec<SocketAddr>,
    #[arg(long, value_enum, default_value = "tls")]
    transport: Transport,
    /// PEM certificate the gateway's certificate must chain to (for the self-signed default:
    /// DATA_DIR/gateway-cert.pem).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// The name to verify in the gateway's certificate (default: the gateway's IP); when
    /// given, also in the certificates of the links it is handed (AutoP, firmware), as a
    /// device configured with a cluster's one name is handed its nodes' addresses.
    #[arg(long)]
    server_name: Option<String>,
    /// Keep TLS session tickets so reconnects resume instead of a full handshake.
    #[arg(long)]
    resume: bool,
    /// Connect from this many loopback addresses (from --source-base up) to get past one
    /// address's ~28,000 ephemeral ports. 0: the system picks.
    #[arg(long, default_value_t = 0)]
    source_ips: u32,
    /// The first source address for --source-ips.
    #[arg(long, default_value = "127.0.1.1")]
    source_base: Ipv4Addr,

    /// Create the devices through the admin API before the run.
    #[arg(long)]
    provision: bool,
    /// The admin API (for --provision, --device and --unlock-rate).
    #[arg(long, env = "PORTER_SERVER", default_value = "http://127.0.0.1:50051")]
    admin: String,
    #[arg(long, env = "PORTER_SIM_USER", default_value = "admin")]
    user: String,
    #[arg(long, env = "PORTER_SIM_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    #[arg(long, default_value_t = 1)]
    door_phones: usize,
    #[arg(long, default_value_t = 0)]
    indoor_monitors: usize,
    /// Separates this run's MACs from earlier runs on the same server (default: from the
    /// clock). A run of N devices takes the tags from this one to this + N / 65,536.
    #[arg(long)]
    mac_tag: Option<u16>,
    /// Write the provisioned devices (with credentials) here, for later runs.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Provision (and --save) only; connect nothing.
    #[arg(long, requires = "provision")]
    no_run: bool,
    /// Run devices an installer already created, by id (repeat for several): their MAC
    /// and credential come from the admin API (needs the admin login).
    #[arg(long = "device", conflicts_with_all = ["provision", "devices_file"])]
    devices: Vec<u64>,
    /// The firmware version simulated devices report.
    #[arg(long, default_value = "29.30.2.805")]
    firmware_version: String,
    /// Run devices from a file written by --save instead of provisioning: a JSON list of
    /// {"id", "spec": {"mac", "credential", "model", "firmware_version", "device_type"},
    /// "sip_number", "sip_password"}.
    #[arg(long, conflicts_with = "provision")]
    devices_file: Option<PathBuf>,

    #[arg(long, value_enum, default_value = "hold")]
    mode: Mode,
    /// Seconds to hold once everyone is connected.
    #[arg(long, default_value_t = 10)]
    hold_secs: u64,
    /// Ramp mode: new devices per second.
    #[arg(long, default_value_t = 100)]
    rate: u32,
    /// Hold and storm modes: first handshakes in flight at once.
    #[arg(long, default_value_t = 256)]
    connect_window: usize,
    #[arg(long, default_value_t = 1)]
    storms: u32,
    /// Longest wait for everyone to be online, in seconds.
    #[arg(long, default_value_t = 300)]
    settle_secs: u64,
    /// Unlocks per second through the admin API during the hold (needs the admin login).
    #[arg(long, default_value_t = 0)]
    unlock_rate: u32,
    /// Mean seconds between random door events per device (0: none).
    #[arg(long, default_value_t = 0)]
    door_events_secs: u64,
    /// Seconds a reboot keeps a device away.
    #[arg(long, default_value_t = 2)]
    reboot_secs: u64,
    /// The AutoP server (`https://host:8443`): each device fetches its file after
    /// connecting and after each change notice.
    #[arg(long)]
    autop_url: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Read instructions from standard input, one a line: `[MAC] pin [APT] CODE`,
    /// `card NUMBER`, `face SHA256`, `qr CODE` (someone at the door: each answer is a JSON
    /// line {"entry": …} on standard output), `offline` or `online` (the network lost or
    /// back), `capture [door_log|call|motion]` (a picture uploaded to --autop-url; the
    /// answer is a line {"capture": …}). Without a MAC, every device.
    #[arg(long)]
    control_stdin: bool,
    /// Print {"applied": {mac, list, version, credentials, at_ms}} each time a device's
    /// credential list changes (benches/credential-bench.sh times them).
    #[arg(long)]
    report_credentials: bool,
}

/// Feeds standard input's instruction lines to the devices until it closes. A broadcast
/// reaches only the devices following it already, and a device follows once it is set up
/// (provisioned through the admin API first), so a line that comes earlier waits for the
/// first follower (at most a minute) instead of being lost.
async fn read_instructions(to: tokio::sync::broadcast::Sender<porter_sim::entries::Instruction>) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        match porter_sim::entries::parse(&line) {
            Ok(i) => {
                for _ in 0..6000 {
                    if to.receiver_count() > 0 {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                let _ = to.send(i);
            }
            Err(e) => report_error(&anyhow::anyhow!(e)),
        }
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            report_error(&anyhow::Error::from(e));
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(main_async(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            report_error(&e);
            std::process::ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stderr)]
fn report_error(e: &anyhow::Error) {
    eprintln!("porter-sim: {e:#}");
}

async fn main_async(args: Args) -> anyhow::Result<()> {
    let needs_admin = args.provision || args.unlock_rate > 0 || !args.devices.is_empty();
    let admin = if needs_admin {
        let password = args.password.clone().context(
            "--password (or PORTER_SIM_PASSWORD) is needed for --provision, --device and --unlock-rate",
        )?;
        Some(
            Admin::login(&args.admin, &args.user, &password)
                .await
                .with_context(|| format!("logging in to the admin API at {}", args.admin))?,
        )
    } else {
        None
    };
    let devices: Vec<Provisioned> = match (&args.devices_file, &admin) {
        (Some(path), _) => serde_json::from_slice(
            &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        )
        .with_context(|| format!("parsing {}", path.display()))?,
        (None, Some(admin)) if !args.devices.is_empty() => {
            provision::existing(admin, &args.devices, &args.firmware_version)
                .await
                .context("reading the devices from the admin API")?
        }
        (None, Some(admin)) if args.provision => {
            let plan = Plan {
                door_phones: args.door_phones,
                indoor_monitors: args.indoor_monitors,
                mac_tag: args.mac_tag.unwrap_or_else(clock_tag),
                model_door: "R29".into(),
                model_monitor: "C317".into(),
                firmware_version: args.firmware_version.clone(),
            };
            provision::provision(admin, &plan)
                .await
                .context("provisioning devices through the admin API")?
        }
        _ => anyhow::bail!(
            "give --device ID or --provision (with the admin login), or --devices-file"
        ),
    };
    if let Some(path) = &args.save {
        std::fs::write(path, serde_json::to_vec(&devices)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.no_run {
        return Ok(());
    }
    let ca = match &args.ca {
        Some(path) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        None if args.transport == Transport::Tcp => Vec::new(),
        None => anyhow::bail!("--ca is needed to verify the gateway's certificate"),
    };
    let sources: Vec<IpAddr> = (0..args.source_ips)
        .map(|i| IpAddr::V4(Ipv4Addr::from(u32::from(args.source_base) + i)))
        .collect();
    let Some(&first_gateway) = args.gateway.first() else {
        anyhow::bail!("--gateway: give at least one address");
    };
    let server_name = args
        .server_name
        .clone()
        .unwrap_or_else(|| first_gateway.ip().to_string());
    let mut connector = Connector::new(
        args.transport,
        first_gateway,
        &server_name,
        &ca,
        sources,
        args.resume,
    )?
    .with_fallbacks(args.gateway.iter().skip(1).copied());
    if args.server_name.is_some() {
        connector = connector.with_https_name();
    }
    let connector = Arc::new(connector);
    let instructions = args.control_stdin.then(|| {
        let (tx, _) = tokio::sync::broadcast::channel(256);
        tokio::spawn(read_instructions(tx.clone()));
        tx
    });
    let config = RunConfig {
        instructions,
        mode: args.mode,
        hold: Duration::from_secs(args.hold_secs),
        rate: args.rate,
        connect_window: args.connect_window,
        storms: args.storms,
        settle_timeout: Duration::from_secs(args.settle_secs),
        unlock_rate: args.unlock_rate,
        behaviour: Behaviour {
            door_events_every: (args.door_events_secs > 0)
                .then(|| Duration::from_secs(args.door_events_secs)),
            reboot_time: Duration::from_secs(args.reboot_secs),
            autop_base: args.autop_url.clone(),
            report_credentials: args.report_credentials,
            ..Behaviour::default()
        },
    };
    let ids = devices.iter().map(|d| d.id).collect();
    let specs = devices.into_iter().map(|d| d.spec).collect();
    let summary = run::run(specs, ids, connector, admin, config).await;
    print_summary(&summary, args.json)?;
    Ok(())
}

/// Four hex digits from the clock, so runs against one server get different MACs.
fn clock_tag() -> u16 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (secs % 0xFFFF) as u16
}

#[allow(clippy::print_stdout)]
fn print_summary(s: &run::Summary, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(s)?);
        return Ok(());
    }
    println!(
        "{} devices over {:?} ({:?}): {} online at the end (peak {}), {} failed attempts, {} refused, {} reconnects, {} commands, {} events",
        s.devices,
        s.transport,
        s.mode,
        s.connected,
        s.peak_online,
        s.failed,
        s.refused,
        s.reconnects,
        s.commands,
        s.events
    );
    if let Some(t) = s.time_to_all_online_ms {
        println!("all online after {t} ms");
    }
    for (i, r) in s.storm_recovery_ms.iter().enumerate() {
        match r {
            Some(ms) => println!("storm {}: everyone back online in {ms} ms", i + 1),
            None => println!("storm {}: not everyone came back in time", i + 1),
        }
    }
    if let Some(rate) = s.storm_handshakes_per_sec {
        println!("storm sessions/s: {rate:.0}");
    }
    if let Some(u) = &s.unlock {
        println!(
            "unlocks: {} ({} ok, {} failed), p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            u.count, u.ok, u.failed, u.p50_ms, u.p99_ms, u.max_ms
        );
    }
    Ok(())
}
