//! Importing the template: 3,000 rows, each an apartment with its resident and an indoor
//! monitor (3,000 devices), into a Basic community, as CSV and as XLSX, on the sled store
//! (durable). The peer in the same run creates the same 3,000 apartments with monitors one
//! request at a time.
//!
//! `cargo run --release -p porter-benches --bin import-bench [-- ROWS RUNS]`

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use porter_store::model::{
    Address, ApartmentInput, CommunitySettings, DeviceInput, FeaturePlan, ResidentInput,
};
use porter_store::{Actor, Store};

const HEADER: &str = "Building,Apt,AptName,Device,FirstName,LastName,Email,MobileNumber,TelephoneCallingCode,1stPhone,2ndPhone,3rdPhone,CallType,WebRelayID";

fn mac(run: usize, i: usize) -> String {
    format!("0C{run:02X}{i:08X}")
}

fn csv(run: usize, rows: usize) -> Vec<u8> {
    let mut out = format!("{HEADER}\n");
    for i in 0..rows {
        out.push_str(&format!(
            "Tower {},{},Flat {i},\"Monitor {i},2,{}\",First{i},Last{i},r{run}x{i}@example.com,+1 555 {i:04},1,,,,2,0\n",
            i % 10,
            100 + i / 10,
            mac(run, i)
        ));
    }
    out.into_bytes()
}

fn xlsx(run: usize, rows: usize) -> Vec<u8> {
    let text = String::from_utf8(csv(run, rows)).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut reader = text.lines();
    for (c, h) in reader.next().unwrap().split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, line) in reader.enumerate() {
        // The Device cell is the only quoted one.
        let (head, rest) = line.split_once(",\"").unwrap();
        let (device, tail) = rest.split_once("\",").unwrap();
        let cells: Vec<&str> = head
            .split(',')
            .chain([device])
            .chain(tail.split(','))
            .collect();
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn community(store: &Store, actor: &Actor, name: &str) -> u64 {
    store
        .create_community(
            actor,
            CommunitySettings {
                name: Some(name.into()),
                feature_plan: Some(FeaturePlan::Basic),
                apartment_count: Some(100_000),
                address: Some(Address {
                    country: "Germany".into(),
                    ..Address::default()
                }),
                ..CommunitySettings::default()
            },
        )
        .await
        .unwrap()
        .community
        .id
}

async fn add_macs(store: &Store, actor: &Actor, run: usize, rows: usize) {
    let mut file = String::from("MAC\n");
    for i in 0..rows {
        file.push_str(&mac(run, i));
        file.push('\n');
    }
    store.import_macs(actor, file.as_bytes()).await.unwrap();
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3_000);
    let runs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);
    let dir = tempfile::tempdir()?;
    let store = Store::open_sled(&dir.path().join("store"))?;
    store
        .bootstrap("bench", Some("bench-password".into()))
        .await?;
    let login = store.login("bench", "bench-password", 3_600_000).await?;
    let actor = store.authenticate(&login.token)?;

    let (mut csv_times, mut xlsx_times, mut peer_times) = (Vec::new(), Vec::new(), Vec::new());
    let mut run = 0;
    for _ in 0..runs {
        for kind in ["csv", "xlsx", "peer"] {
            run += 1;
            add_macs(&store, &actor, run, rows).await;
            let c = community(&store, &actor, &format!("{kind} {run}")).await;
            match kind {
                "csv" | "xlsx" => {
                    let file = if kind == "csv" {
                        csv(run, rows)
                    } else {
                        xlsx(run, rows)
                    };
                    let t = Instant::now();
                    let done = store.import_template(&actor, c, &file).await?;
                    let took = t.elapsed();
                    assert_eq!(done.devices as usize, rows);
                    if kind == "csv" {
                        csv_times.push(took)
                    } else {
                        xlsx_times.push(took)
                    }
                }
                _ => {
                    let b = store.create_building(&actor, c, "Tower").await?.building.id;
                    let t = Instant::now();
                    for i in 0..rows {
                        store
                            .create_apartment(
                                &actor,
                                b,
                                ApartmentInput {
                                    number: Some(format!("{}", 1000 + i)),
                                    ..ApartmentInput::default()
                                },
                                Some(ResidentInput {
                                    first_name: Some(format!("First{i}")),
                                    last_name: Some(format!("Last{i}")),
                                    email: Some(format!("p{run}x{i}@example.com")),
                                    ..ResidentInput::default()
                                }),
                                Some(DeviceInput {
                                    mac: Some(mac(run, i)),
                                    name: Some(format!("Monitor {i}")),
                                    ..DeviceInput::default()
                                }),
                            )
                            .await?;
                    }
                    peer_times.push(t.elapsed());
                }
            }
        }
    }
    let (csv_m, xlsx_m, peer_m) = (median(csv_times), median(xlsx_times), median(peer_times));
    println!("rows per import: {rows}; runs: {runs}; medians:");
    println!("| operation | median ms |");
    println!("|---|---|");
    println!(
        "| template import, CSV ({rows} rows, {rows} devices, one durable commit) | {:.1} |",
        csv_m.as_secs_f64() * 1e3
    );
    println!(
        "| template import, XLSX (same rows) | {:.1} |",
        xlsx_m.as_secs_f64() * 1e3
    );
    println!(
        "| peer: {rows} CreateApartment+monitor calls, each durable | {:.1} |",
        peer_m.as_secs_f64() * 1e3
    );
    println!(
        "peer / CSV import = {:.1}",
        peer_m.as_secs_f64() / csv_m.as_secs_f64()
    );
    Ok(())
}
