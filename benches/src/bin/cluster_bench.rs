//! Cluster mode (issue 18): three `porter serve` nodes on one PostgreSQL and one NATS.
//! Driven by `benches/cluster-bench.sh`:
//!
//!   cluster-bench setup ADMIN PASSWORD DOORS
//!     a community with one building and DOORS door phones, made through ADMIN; prints the
//!     devices' ids, one a line (porter-sim then spreads them over the nodes in that order:
//!     the i-th on node i mod 3 + 1).
//!   cluster-bench unlocks ADMIN PASSWORD RATE SECS NODE IDS_FILE
//!     unlocks at RATE a second for SECS through ADMIN (node NODE, 1-3), round robin over
//!     the devices: the latency of those held by NODE itself and of those on other nodes.
//!   cluster-bench visibility WRITER READER PASSWORD COUNT
//!     COUNT times: a building made through WRITER, then READER's list polled every
//!     millisecond until it shows it: the time from the write's acknowledgement.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use porter_benches::Latency;
use porter_benches::admin::Admin;
use porter_proto::admin::v1 as pb;

const NODES: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("setup") => setup(&args[2], &args[3], args[4].parse()?).await,
        Some("unlocks") => {
            unlocks(
                &args[2],
                &args[3],
                args[4].parse()?,
                args[5].parse()?,
                args[6].parse()?,
                &args[7],
            )
            .await
        }
        Some("visibility") => visibility(&args[2], &args[3], &args[4], args[5].parse()?).await,
        _ => anyhow::bail!(
            "usage: cluster-bench setup ADMIN PASSWORD DOORS | unlocks ADMIN PASSWORD RATE SECS NODE IDS_FILE | visibility WRITER READER PASSWORD COUNT"
        ),
    }
}

fn community(name: &str) -> pb::CommunitySettings {
    pb::CommunitySettings {
        name: Some(name.into()),
        apartment_count: Some(100),
        time_zone: Some("UTC".into()),
        ..Default::default()
    }
}

async fn setup(admin: &str, password: &str, doors: usize) -> anyhow::Result<()> {
    let admin = Admin::login(admin, password).await?;
    let (_, buildings) = admin
        .community_with_buildings(community("Cluster bench"), 1)
        .await?;
    let building = buildings[0];
    for i in 0..doors {
        let mac = format!("0C11EE{i:06X}");
        admin
            .macs()
            .add_mac(pb::AddMacRequest { mac: mac.clone() })
            .await?;
        let device = admin
            .devices()
            .create_device(pb::CreateDeviceRequest {
                scope: Some(pb::create_device_request::Scope::BuildingId(building)),
                device: Some(pb::DeviceInput {
                    device_type: Some(0),
                    mac: Some(mac),
                    name: Some(format!("Door {i}")),
                    ..Default::default()
                }),
            })
            .await?
            .into_inner();
        println!("{}", device.id);
    }
    Ok(())
}

async fn unlocks(
    admin: &str,
    password: &str,
    rate: u32,
    secs: u64,
    node: usize,
    ids_file: &str,
) -> anyhow::Result<()> {
    let ids: Vec<u64> = std::fs::read_to_string(ids_file)?
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let admin = Arc::new(Admin::login(admin, password).await?);
    let local = Arc::new(Mutex::new(Latency::new("unlock, device on this node")));
    let remote = Arc::new(Mutex::new(Latency::new("unlock, device on another node")));
    let failed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let total = rate as usize * secs as usize;
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        tick.tick().await;
        let i = n % ids.len();
        let (device, held_here) = (ids[i], i % NODES + 1 == node);
        let (admin, local, remote, failed) =
            (admin.clone(), local.clone(), remote.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let reply = admin
                .devices()
                .unlock_relay(pb::UnlockRelayRequest {
                    device_id: device,
                    relay: 1,
                })
                .await;
            match reply {
                Ok(r) if r.get_ref().ok => {
                    let into = if held_here { &local } else { &remote };
                    into.lock().unwrap().record(started.elapsed());
                }
                _ => {
                    failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    println!("| case | unlocks | p50 ms | p99 ms | max ms |");
    println!("{}", local.lock().unwrap().row());
    println!("{}", remote.lock().unwrap().row());
    println!(
        "failed {}",
        failed.load(std::sync::atomic::Ordering::Relaxed)
    );
    Ok(())
}

async fn visibility(
    writer: &str,
    reader: &str,
    password: &str,
    count: usize,
) -> anyhow::Result<()> {
    let writer = Admin::login(writer, password).await?;
    let reader = Admin::login(reader, password).await?;
    let (community, _) = writer
        .community_with_buildings(community("Visibility bench"), 1)
        .await?;
    let mut seen = Latency::new("write on node 1 visible on node 2");
    for i in 0..count {
        let name = format!("V{i}");
        writer
            .buildings()
            .create_building(pb::CreateBuildingRequest {
                community_id: community,
                name: name.clone(),
            })
            .await?;
        let acknowledged = Instant::now();
        loop {
            let listed = reader
                .buildings()
                .list_buildings(pb::ListBuildingsRequest {
                    community_id: community,
                })
                .await;
            if let Ok(l) = listed
                && l.get_ref().buildings.iter().any(|b| b.name == name)
            {
                seen.record(acknowledged.elapsed());
                break;
            }
            if acknowledged.elapsed() > Duration::from_secs(30) {
                anyhow::bail!("{name} not visible on the reader after 30 s");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    println!("| case | writes | p50 ms | p99 ms | max ms |");
    println!("{}", seen.row());
    Ok(())
}
