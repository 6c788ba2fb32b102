//! Access credentials reaching door phones: one community of 10,000 apartments (100
//! buildings) with 50,000 RF cards, 1,000 door phones (10 per building, 2 public gates that
//! hold every card, the rest hold their building's), all connected through porter-sim. A
//! credential change through the admin API is timed until every door it concerns has
//! applied it (porter-sim `--report-credentials` says when each applied which version).
//!
//! Three steps, driven by `benches/credential-bench.sh`:
//!   credential-push-bench setup   ADMIN PASSWORD DIR [APARTMENTS DOORS CARDS_PER_APT]
//!   credential-push-bench changes ADMIN PASSWORD DIR [CHANGES PER_SEC]
//!   credential-push-bench report  DIR SIM_OUTPUT

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use porter_benches::admin::{Admin, each, now_ms};
use porter_proto::admin::v1 as pb;

const BUILDINGS: usize = 100;
const GATES: usize = 2;

async fn setup(admin: Admin, dir: &Path, apartments: usize, doors: usize, cards: usize) {
    let t0 = Instant::now();
    let settings = pb::CommunitySettings {
        name: Some(format!("Push bench {}", now_ms())),
        apartment_count: Some(u32::try_from(apartments).unwrap()),
        ..Default::default()
    };
    let (community_id, buildings) = admin
        .community_with_buildings(settings, BUILDINGS)
        .await
        .unwrap();
    let plan: Vec<(usize, u64)> = (0..apartments)
        .map(|i| (i, buildings[i % BUILDINGS]))
        .collect();
    let a = admin.clone();
    let apts: Vec<(u64, u64)> = each(plan, move |(i, building)| {
        let a = a.clone();
        async move {
            let id = a
                .apartments()
                .create_apartment(pb::CreateApartmentRequest {
                    building_id: building,
                    apartment: Some(pb::ApartmentInput {
                        apt_number: Some(format!("{}", 100 + i / BUILDINGS)),
                        ..Default::default()
                    }),
                    resident: Some(pb::ResidentInput {
                        first_name: Some(format!("R{i}")),
                        last_name: Some("Bench".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .id;
            (id, building)
        }
    })
    .await;
    println!("setup_apartments_secs {:.1}", t0.elapsed().as_secs_f64());

    let door_plan: Vec<(usize, Option<u64>)> = (0..doors)
        .map(|i| (i, (i >= GATES).then(|| buildings[i % BUILDINGS])))
        .collect();
    let a = admin.clone();
    let made: Vec<serde_json::Value> = each(door_plan, move |(i, building)| {
        let a = a.clone();
        async move {
            let mac = format!("0C12{i:08X}");
            a.macs()
                .add_mac(pb::AddMacRequest { mac: mac.clone() })
                .await
                .unwrap();
            let scope = match building {
                Some(b) => pb::create_device_request::Scope::BuildingId(b),
                None => pb::create_device_request::Scope::PublicArea(pb::PublicArea {
                    community_id,
                    building_ids: vec![],
                }),
            };
            let device = a
                .devices()
                .create_device(pb::CreateDeviceRequest {
                    scope: Some(scope),
                    device: Some(pb::DeviceInput {
                        device_type: Some(0),
                        mac: Some(mac.clone()),
                        name: Some(format!("Door {i}")),
                        ..Default::default()
                    }),
                })
                .await
                .unwrap()
                .into_inner();
            let credential = a
                .devices()
                .get_device_secrets(pb::GetDeviceRequest { id: device.id })
                .await
                .unwrap()
                .into_inner()
                .credential;
            serde_json::json!({
                "id": device.id,
                "spec": {"mac": mac, "credential": credential, "model": "R29",
                         "firmware_version": "29.30.2.805", "device_type": 0},
                "building": building.unwrap_or(0),
            })
        }
    })
    .await;
    std::fs::write(dir.join("devices.json"), serde_json::to_vec(&made).unwrap()).unwrap();
    println!("setup_doors_secs {:.1}", t0.elapsed().as_secs_f64());

    let card_plan: Vec<(usize, u64)> = apts
        .iter()
        .enumerate()
        .flat_map(|(i, (apt, _))| (0..cards).map(move |k| (i * cards + k, *apt)))
        .collect();
    let total = card_plan.len();
    let a = admin.clone();
    each(card_plan, move |(n, apt)| {
        let a = a.clone();
        async move {
            a.credentials()
                .create_credential(card_request(community_id, apt, n))
                .await
                .unwrap();
        }
    })
    .await;
    println!("credentials {total}");
    println!("setup_secs {:.1}", t0.elapsed().as_secs_f64());
    let site = serde_json::json!({
        "community_id": community_id,
        "apartments": apts,
    });
    std::fs::write(dir.join("site.json"), serde_json::to_vec(&site).unwrap()).unwrap();
}

fn card_request(community_id: u64, apartment_id: u64, n: usize) -> pb::CreateCredentialRequest {
    pb::CreateCredentialRequest {
        community_id,
        apartment_id,
        holder: Some(pb::CredentialHolder {
            kind: pb::HolderKind::Resident as i32,
            ..Default::default()
        }),
        method: pb::CredentialMethod::RfCard as i32,
        value: format!("{}", 1_000_000 + n),
        ..Default::default()
    }
}

/// A visitor key for `apartment_id` (its residents already hold their 5 cards each).
fn key_request(community_id: u64, apartment_id: u64) -> pb::CreateCredentialRequest {
    pb::CreateCredentialRequest {
        community_id,
        apartment_id,
        holder: Some(pb::CredentialHolder {
            kind: pb::HolderKind::Visitor as i32,
            name: "Bench visitor".into(),
            ..Default::default()
        }),
        method: pb::CredentialMethod::Key as i32,
        key_format: pb::KeyFormat::Qr as i32,
        validity: Some(pb::KeyValidity {
            from_ms: now_ms(),
            until_ms: now_ms() + 24 * 3_600_000,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `count` changes at `per_sec`: a visitor key issued in an apartment, then withdrawn.
async fn changes(admin: Admin, dir: &Path, count: usize, per_sec: u32) {
    let site: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("site.json")).unwrap()).unwrap();
    let community_id = site["community_id"].as_u64().unwrap();
    let apts: Vec<(u64, u64)> = serde_json::from_value(site["apartments"].clone()).unwrap();
    let mut out = Vec::new();
    let gap = Duration::from_secs_f64(1.0 / f64::from(per_sec.max(1)));
    let mut pending: Option<(u64, u64)> = None;
    for i in 0..count {
        let started = now_ms();
        let (version, building) = match pending.take() {
            None => {
                let (apt, building) = apts[(i * 7919) % apts.len()];
                let c = admin
                    .credentials()
                    .create_credential(key_request(community_id, apt))
                    .await
                    .unwrap()
                    .into_inner();
                pending = Some((c.id, building));
                (c.version, building)
            }
            Some((id, building)) => {
                admin
                    .credentials()
                    .delete_credential(pb::CredentialRef { id })
                    .await
                    .unwrap();
                // The version the delete made: one past the last seen.
                (0, building)
            }
        };
        out.push(serde_json::json!({
            "started_ms": started, "acked_ms": now_ms(), "version": version, "building": building,
        }));
        tokio::time::sleep(gap).await;
    }
    std::fs::write(dir.join("changes.json"), serde_json::to_vec(&out).unwrap()).unwrap();
}

/// For each change: the time until the last door it concerns applied a version that
/// includes it.
fn report(dir: &Path, sim_output: &Path) {
    let devices: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.join("devices.json")).unwrap()).unwrap();
    let building_of: HashMap<String, u64> = devices
        .iter()
        .map(|d| {
            (
                d["spec"]["mac"].as_str().unwrap().to_owned(),
                d["building"].as_u64().unwrap(),
            )
        })
        .collect();
    let changes: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.join("changes.json")).unwrap()).unwrap();
    // Per door: (at_ms, version) applied, in order.
    let mut applied: HashMap<String, Vec<(i64, u64)>> = HashMap::new();
    for line in std::fs::read_to_string(sim_output).unwrap().lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(a) = v.get("applied") else { continue };
        applied
            .entry(a["mac"].as_str().unwrap().to_owned())
            .or_default()
            .push((a["at_ms"].as_i64().unwrap(), a["version"].as_u64().unwrap()));
    }
    // A delete's version is the one after the create before it.
    let mut latencies = hdrhistogram::Histogram::<u64>::new(3).unwrap();
    let mut missing = 0;
    let mut last_version = 0;
    for c in &changes {
        let version = match c["version"].as_u64().unwrap() {
            0 => last_version + 1,
            v => v,
        };
        last_version = version;
        let started = c["started_ms"].as_i64().unwrap();
        let building = c["building"].as_u64().unwrap();
        let mut worst = 0i64;
        for (mac, b) in &building_of {
            if *b != 0 && *b != building {
                continue;
            }
            match applied.get(mac).and_then(|list| {
                list.iter()
                    .find(|(at, v)| *v >= version && *at >= started - 5)
            }) {
                Some((at, _)) => worst = worst.max(at - started),
                None => missing += 1,
            }
        }
        latencies
            .record(u64::try_from(worst.max(0)).unwrap())
            .unwrap();
    }
    println!("changes {}", changes.len());
    println!("doors_missing_a_change {missing}");
    for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
        println!(
            "{name}_ms_to_every_concerned_door {}",
            latencies.value_at_quantile(q)
        );
    }
    println!("max_ms_to_every_concerned_door {}", latencies.max());
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(default);
    match args.get(1).map(String::as_str) {
        Some("setup") => {
            let admin = Admin::login(&args[2], &args[3]).await.unwrap();
            setup(
                admin,
                Path::new(&args[4]),
                arg(5, 10_000),
                arg(6, 1_000),
                arg(7, 5),
            )
            .await;
        }
        Some("changes") => {
            let admin = Admin::login(&args[2], &args[3]).await.unwrap();
            changes(admin, Path::new(&args[4]), arg(5, 200), arg(6, 5) as u32).await;
        }
        Some("report") => report(Path::new(&args[2]), Path::new(&args[3])),
        _ => println!("usage: credential-push-bench setup|changes|report … (see the source)"),
    }
}
