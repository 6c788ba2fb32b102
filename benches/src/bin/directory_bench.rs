//! Directory latency with one community of 10,000 apartments and residents:
//! (a) one page of a filtered resident search, (b) creating an apartment with its resident.
//!
//! Measured twice: against the store (sled on disk, every write flushed before it returns)
//! and end to end through the gRPC admin API on loopback. The peer in the same run is a
//! bare sled insert + flush of an apartment-sized value: the floor any durable write pays.
//!
//! `cargo run --release -p porter-benches --bin directory-bench [-- APARTMENTS ITERATIONS]`

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use porter_admin_api::{AdminApi, AdminConfig};
use porter_benches::Latency;
use porter_proto::admin::v1 as pb;
use porter_store::model::{Address, ApartmentInput, CommunitySettings, FeaturePlan, ResidentInput};
use porter_store::{PageRequest, ResidentFilter, ResidentSort, Store};
use tonic::Request;

const BUILDINGS: usize = 20;
const FIRST_NAMES: [&str; 8] = ["Lily", "Ryan", "Ella", "Noah", "Mia", "Adam", "Zoe", "Bob"];

fn resident(i: usize) -> ResidentInput {
    ResidentInput {
        first_name: Some(FIRST_NAMES[i % FIRST_NAMES.len()].to_owned()),
        last_name: Some(format!("Family{i:05}")),
        email: Some(format!("resident{i}@example.com")),
        mobile: Some(format!("+1555{i:07}")),
        ..ResidentInput::default()
    }
}

fn apt(n: usize) -> ApartmentInput {
    ApartmentInput {
        number: Some(format!("{}", 1000 + n)),
        floor: Some((n % 40 + 1) as u32),
        ..ApartmentInput::default()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let apartments: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let iterations: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2_000);

    let dir = tempfile::tempdir()?;
    let store = Store::open_sled(&dir.path().join("store"))?;
    store
        .bootstrap("bench", Some("bench-password".into()))
        .await?;
    let login = store.login("bench", "bench-password", 3_600_000).await?;
    let actor = store.authenticate(&login.token)?;
    let community = store
        .create_community(
            &actor,
            CommunitySettings {
                name: Some("Bench".into()),
                feature_plan: Some(FeaturePlan::Premium),
                apartment_count: Some(100_000),
                address: Some(Address {
                    country: "Germany".into(),
                    ..Address::default()
                }),
                ..CommunitySettings::default()
            },
        )
        .await?
        .community
        .id;
    let mut buildings = Vec::new();
    for b in 0..BUILDINGS {
        buildings.push(
            store
                .create_building(&actor, community, &format!("B{b}"))
                .await?
                .building
                .id,
        );
    }
    let t = Instant::now();
    for i in 0..apartments {
        let b = buildings[i % BUILDINGS];
        store
            .create_apartment(&actor, b, apt(i / BUILDINGS), Some(resident(i)), None)
            .await?;
    }
    println!(
        "populated {apartments} apartments with residents in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // (a) filtered search pages, store level.
    let mut search = Latency::new("store: search_residents page (filter + sort)");
    for i in 0..iterations {
        let filter = ResidentFilter {
            text: ["lily", "family0", "example", "zz-none"][i % 4].to_owned(),
            ..ResidentFilter::default()
        };
        let sort = [
            ResidentSort::NameAsc,
            ResidentSort::CreatedDesc,
            ResidentSort::NameDesc,
        ][i % 3];
        let page = PageRequest::new((i % 50) as u32 + 1, 10);
        let t = Instant::now();
        let p = store.search_residents(&actor, community, &filter, sort, page)?;
        search.record(t.elapsed());
        std::hint::black_box(p);
    }

    // (b) create apartment + resident, store level (durable).
    let mut create = Latency::new("store: create apartment + resident (flushed)");
    let creates = iterations.min(1_000);
    for i in 0..creates {
        let b = buildings[i % BUILDINGS];
        let t = Instant::now();
        store
            .create_apartment(
                &actor,
                b,
                apt(apartments + i),
                Some(resident(apartments + i)),
                None,
            )
            .await?;
        create.record(t.elapsed());
    }

    // Peer: bare sled insert + flush of an apartment-sized value, same disk, same run.
    let peer_db = sled::open(dir.path().join("peer"))?;
    let value = vec![b'x'; 700];
    // The flush runs the way the store runs it: blocking, on the blocking pool.
    let mut peer = Latency::new("peer: bare sled insert + flush (700 B)");
    for i in 0..creates {
        let t = Instant::now();
        peer_db.insert(format!("k{i:08}").as_bytes(), value.as_slice())?;
        let db = peer_db.clone();
        tokio::task::spawn_blocking(move || db.flush()).await??;
        peer.record(t.elapsed());
    }

    // The same two operations end to end through the gRPC admin API on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let routes = AdminApi::new(store.clone(), AdminConfig::default()).routes()?;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming(
                tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            ),
    );
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))?
        .connect()
        .await?;
    let token: tonic::metadata::MetadataValue<_> = format!("Bearer {}", login.token).parse()?;
    let mut client = pb::apartment_service_client::ApartmentServiceClient::with_interceptor(
        channel,
        move |mut req: Request<()>| {
            req.metadata_mut().insert("authorization", token.clone());
            Ok(req)
        },
    );
    let mut grpc_search = Latency::new("gRPC: SearchResidents page (filter + sort)");
    for i in 0..iterations {
        let t = Instant::now();
        let r = client
            .search_residents(pb::SearchResidentsRequest {
                community_id: community,
                filter: Some(pb::ResidentFilter {
                    text: ["lily", "family0", "example", "zz-none"][i % 4].to_owned(),
                    ..Default::default()
                }),
                sort: pb::ResidentSort::NameAsc as i32,
                page: Some(pb::Page {
                    page: (i % 50) as u32 + 1,
                    page_size: 10,
                }),
            })
            .await?;
        grpc_search.record(t.elapsed());
        std::hint::black_box(r);
    }
    let mut grpc_create = Latency::new("gRPC: CreateApartment + resident (flushed)");
    for i in 0..creates {
        let n = apartments + creates + i;
        let t = Instant::now();
        client
            .create_apartment(pb::CreateApartmentRequest {
                building_id: buildings[i % BUILDINGS],
                apartment: Some(pb::ApartmentInput {
                    apt_number: Some(format!("{}", 1000 + n / BUILDINGS)),
                    ..Default::default()
                }),
                resident: Some(pb::ResidentInput {
                    first_name: Some("Grpc".into()),
                    last_name: Some(format!("Family{n}")),
                    email: Some(format!("resident{n}@example.com")),
                    ..Default::default()
                }),
                indoor_monitor: None,
            })
            .await?;
        grpc_create.record(t.elapsed());
    }

    println!();
    println!("| operation | samples | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    for l in [&search, &create, &peer, &grpc_search, &grpc_create] {
        println!("{}", l.row());
    }
    println!();
    println!(
        "create p50 / bare sled flush p50 = {:.2}",
        create.p50_us() as f64 / peer.p50_us().max(1) as f64
    );
    Ok(())
}
