//! Crash safety: `porter serve` is killed with SIGKILL in the middle of a stream of
//! acknowledged writes (creates, edits, resets), then restarted on the same data directory.
//! Every acknowledged write must be there, and no record may be half-written.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Client, Server, resident};
use porter_proto::admin::v1 as pb;

const WRITERS: usize = 4;
const CYCLES: usize = 3;

/// What one writer knows about one of its apartments.
#[derive(Debug, Clone, Default)]
struct Expect {
    apt_number: String,
    email: String,
    /// Names acknowledged, in order; the last one must be there, or `in_flight`.
    acked_name: Option<String>,
    in_flight_name: Option<String>,
    reset_acked: bool,
    reset_in_flight: bool,
}

type Ledger = Arc<Mutex<HashMap<u64, Expect>>>;

async fn writer(client: Client, building: u64, writer: usize, cycle: usize, ledger: Ledger) {
    let mut svc = client.apartment();
    for n in 0.. {
        let apt = format!("{}{:02}{:03}", cycle + 1, writer, n % 1000);
        let email = format!("w{writer}c{cycle}n{n}@example.com");
        let created = match client
            .create_apartment(building, &apt, Some(resident("Crash", "Test", &email)))
            .await
        {
            Ok(a) => a,
            Err(_) => return, // the server is gone
        };
        ledger.lock().unwrap().insert(
            created.id,
            Expect {
                apt_number: apt.clone(),
                email: email.clone(),
                ..Expect::default()
            },
        );
        for k in 0..3 {
            let name = format!("name-{k}");
            ledger
                .lock()
                .unwrap()
                .get_mut(&created.id)
                .unwrap()
                .in_flight_name = Some(name.clone());
            let r = svc
                .update_apartment(pb::UpdateApartmentRequest {
                    id: created.id,
                    apartment: Some(pb::ApartmentInput {
                        apt_name: Some(name.clone()),
                        ..Default::default()
                    }),
                    resident: None,
                })
                .await;
            if r.is_err() {
                return;
            }
            let mut l = ledger.lock().unwrap();
            let e = l.get_mut(&created.id).unwrap();
            e.acked_name = Some(name);
            e.in_flight_name = None;
        }
        if n % 2 == 0 {
            ledger
                .lock()
                .unwrap()
                .get_mut(&created.id)
                .unwrap()
                .reset_in_flight = true;
            if svc
                .reset_apartment(pb::ResetApartmentRequest { id: created.id })
                .await
                .is_err()
            {
                return;
            }
            ledger
                .lock()
                .unwrap()
                .get_mut(&created.id)
                .unwrap()
                .reset_acked = true;
        }
    }
}

fn pseudo_random_ms(lo: u64, hi: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    lo + nanos % (hi - lo)
}

async fn verify(admin: &Client, community: u64, building: u64, ledger: &HashMap<u64, Expect>) {
    let mut svc = admin.apartment();
    for (id, want) in ledger {
        let got = svc
            .get_apartment(pb::GetApartmentRequest { id: *id })
            .await
            .unwrap_or_else(|s| panic!("acknowledged apartment {id} lost: {s}"))
            .into_inner();
        assert_eq!(got.apt_number, want.apt_number);
        let r = got
            .resident
            .as_ref()
            .expect("resident written with its apartment");
        assert_eq!(
            (r.first_name.as_str(), r.last_name.as_str()),
            ("Crash", "Test")
        );
        if want.reset_acked {
            assert_eq!(r.email, "", "acknowledged reset of {id} lost");
        } else if !want.reset_in_flight {
            assert_eq!(r.email, want.email, "apartment {id}");
        } else {
            assert!(
                r.email.is_empty() || r.email == want.email,
                "half reset: {got:?}"
            );
        }
        let allowed: Vec<&str> = [want.acked_name.as_deref(), want.in_flight_name.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        match &want.acked_name {
            Some(_) => assert!(
                allowed.contains(&got.apt_name.as_str()),
                "apartment {id}: {:?} not in {allowed:?}",
                got.apt_name
            ),
            None => assert!(got.apt_name.is_empty() || allowed.contains(&got.apt_name.as_str())),
        }
    }
    // Indexes and counts agree with the records.
    let listed = svc
        .list_apartments(pb::ListApartmentsRequest {
            building_id: building,
            page: Some(pb::Page {
                page: 1,
                page_size: 100,
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let c = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: community })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.apartments_used, listed.total);
    let residents = svc
        .search_residents(pb::SearchResidentsRequest {
            community_id: community,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        residents.total, listed.total,
        "every apartment here has a resident"
    );
    assert_eq!(c.end_user_count, listed.total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    survive_sigkill(dir.path(), &[]).await;
}

/// The same on PostgreSQL: an acknowledged write is a committed transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    survive_sigkill(dir.path(), &store.flags()).await;
}

/// Kills the server `CYCLES` times during writes, restarting it with `flags` each time.
async fn survive_sigkill(data_dir: &std::path::Path, flags: &[&str]) {
    let ledger: Ledger = Arc::default();
    let mut server = Server::start_with(data_dir, flags).await;
    let admin = server.admin().await;
    let mut settings = common::community_settings("Crash", pb::FeaturePlan::Premium);
    settings.apartment_count = Some(100_000);
    let community = admin
        .community()
        .create_community(pb::CreateCommunityRequest {
            settings: Some(settings),
        })
        .await
        .unwrap()
        .into_inner();
    let building = admin.create_building(community.id, "B1").await;

    for cycle in 0..CYCLES {
        let client = server.admin().await;
        let tasks: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(writer(
                    client.clone(),
                    building.id,
                    w,
                    cycle,
                    ledger.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(pseudo_random_ms(300, 900))).await;
        server.kill().await;
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(30), t)
                .await
                .expect("writer stops")
                .unwrap();
        }
        server = Server::start_with(data_dir, flags).await;
        let admin = server.admin().await;
        let snapshot = ledger.lock().unwrap().clone();
        assert!(
            !snapshot.is_empty(),
            "cycle {cycle}: no write was acknowledged before the kill"
        );
        verify(&admin, community.id, building.id, &snapshot).await;
    }
    let total = ledger.lock().unwrap().len();
    eprintln!("crash test: {total} acknowledged apartments checked over {CYCLES} SIGKILLs");
    server.stop().await;
}
