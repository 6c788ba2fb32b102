//! Two nodes on one PostgreSQL (cluster mode): every write validates against the data every
//! node committed, so the manual's uniqueness rules hold when two nodes write at once, and
//! each node's writes reach the other's directory. Needs the test command's PostgreSQL
//! (`PORTER_TEST_POSTGRES`); without it there is nothing to test and each case says so.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use porter_store::model::{ApartmentInput, ResidentInput};
use porter_store::{Actor, ManualClock, Store, StoreError};

struct Nodes {
    a: Store,
    b: Store,
    on_a: Actor,
    on_b: Actor,
    community: porter_store::model::Id,
    building: porter_store::model::Id,
}

/// Nodes "a" and "b" on a fresh schema, sharing a sealing key; the operator logged in on
/// each, and a community with one building made on `a` and caught up on `b`.
async fn nodes() -> Option<Nodes> {
    let Ok(server) = std::env::var("PORTER_TEST_POSTGRES") else {
        eprintln!("PORTER_TEST_POSTGRES is not set: skipped (scripts/test.sh sets it)");
        return None;
    };
    let url = porter_store::backend::fresh_schema_url(&server)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("sealing.key");
    std::fs::write(&key, [9u8; 32]).unwrap();
    let open = |node: &'static str| {
        let url = url.clone();
        let key = key.clone();
        async move {
            let clock = Arc::new(ManualClock::new(common::START_MS));
            let sealer = porter_store::secrets::Sealer::load(&key).unwrap();
            Store::open_postgres(&url, node, clock, sealer)
                .await
                .unwrap()
        }
    };
    let a = open("a").await;
    a.bootstrap("admin", Some("password-1".into()))
        .await
        .unwrap();
    let b = open("b").await;
    let on_a = common::login(&a, "admin", "password-1").await;
    let on_b = common::login(&b, "admin", "password-1").await;
    let community = common::community(&a, &on_a, "Maple").await;
    let building = common::building(&a, &on_a, community, "B1").await;
    b.apply_remote_changes().await.unwrap();
    Some(Nodes {
        a,
        b,
        on_a,
        on_b,
        community,
        building,
    })
}

fn resident(email: &str) -> ResidentInput {
    ResidentInput {
        first_name: Some("Lily".into()),
        last_name: Some("Zheng".into()),
        email: Some(email.into()),
        ..Default::default()
    }
}

fn apartment(number: &str) -> ApartmentInput {
    ApartmentInput {
        number: Some(number.into()),
        ..ApartmentInput::default()
    }
}

/// Exactly one of two results is Ok; the refusal of the other.
fn one_winner<T>(x: Result<T, StoreError>, y: Result<T, StoreError>) -> StoreError {
    match (x, y) {
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
        (x, y) => panic!(
            "exactly one may win: {:?} / {:?}",
            x.map(|_| ()),
            y.map(|_| ())
        ),
    }
}

/// What a refusal says, to compare one node's answer with two nodes'.
fn refusal(e: &StoreError) -> String {
    format!("{:?} {}", e.field(), e)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_node_is_read_on_the_other() {
    let Some(n) = nodes().await else { return };
    // Followed the way `porter serve` follows: woken by NOTIFY.
    let follower = n.b.clone();
    let stop = tokio_util_free_token();
    let following = tokio::spawn({
        let stop = stop.clone();
        async move { follower.follow_changes(stop.notified()).await }
    });
    let made =
        n.a.create_apartment(
            &n.on_a,
            n.building,
            apartment("101"),
            Some(resident("lily@example.com")),
            None,
        )
        .await
        .unwrap();
    let seen_on_b = async {
        loop {
            if n.b.apartment(&n.on_b, made.apartment.id).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), seen_on_b)
        .await
        .expect("node b applies node a's write");
    // And the other way, read on its own node at once.
    let renamed =
        n.b.create_apartment(&n.on_b, n.building, apartment("102"), None, None)
            .await
            .unwrap();
    assert!(n.b.apartment(&n.on_b, renamed.apartment.id).is_ok());
    stop.notify_one();
    following.await.unwrap();
}

/// A `Notify` stands in for a cancellation token (the store crate has no tokio-util).
fn tokio_util_free_token() -> Arc<tokio::sync::Notify> {
    Arc::new(tokio::sync::Notify::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_writes_on_two_nodes_give_exactly_one_success() {
    let Some(n) = nodes().await else { return };
    // The same APT number in the same building, on both nodes at once.
    let (x, y) = tokio::join!(
        n.a.create_apartment(&n.on_a, n.building, apartment("201"), None, None),
        n.b.create_apartment(&n.on_b, n.building, apartment("201"), None, None),
    );
    let refused = one_winner(x, y);
    // What one node alone answers to the same request.
    let alone =
        n.a.create_apartment(&n.on_a, n.building, apartment("201"), None, None)
            .await
            .unwrap_err();
    assert_eq!(refusal(&refused), refusal(&alone));

    // The same end-user email in two apartments, on both nodes at once.
    let (x, y) = tokio::join!(
        n.a.create_apartment(
            &n.on_a,
            n.building,
            apartment("301"),
            Some(resident("zoe@example.com")),
            None
        ),
        n.b.create_apartment(
            &n.on_b,
            n.building,
            apartment("302"),
            Some(resident("zoe@example.com")),
            None
        ),
    );
    let refused = one_winner(x, y);
    let alone =
        n.b.create_apartment(
            &n.on_b,
            n.building,
            apartment("303"),
            Some(resident("zoe@example.com")),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(refusal(&refused), refusal(&alone));

    // Both nodes agree on what exists: each apartment once.
    n.a.apply_remote_changes().await.unwrap();
    n.b.apply_remote_changes().await.unwrap();
    let on = |s: &Store| {
        let mut numbers: Vec<String> = s.read(|d| {
            d.apartments_in(n.building)
                .map(|a| a.number.clone())
                .collect()
        });
        numbers.sort();
        numbers
    };
    let numbers = on(&n.a);
    assert!(
        numbers == ["201", "301"] || numbers == ["201", "302"],
        "{numbers:?}"
    );
    assert_eq!(numbers, on(&n.b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_mac_bound_on_two_nodes_at_once_binds_once() {
    let Some(n) = nodes().await else { return };
    let mac = "0C1105000001";
    n.a.add_mac(&n.on_a, mac).await.unwrap();
    n.b.apply_remote_changes().await.unwrap();
    let device = |name: &str| porter_store::model::DeviceInput {
        device_type: Some(0),
        mac: Some(mac.into()),
        name: Some(name.into()),
        ..Default::default()
    };
    let scope = || porter_store::ScopeRequest::Public {
        community_id: n.community,
        buildings: vec![],
    };
    let (x, y) = tokio::join!(
        n.a.create_device(&n.on_a, scope(), device("Gate A")),
        n.b.create_device(&n.on_b, scope(), device("Gate B")),
    );
    let refused = one_winner(x, y);
    let alone =
        n.a.create_device(&n.on_a, scope(), device("Gate C"))
            .await
            .unwrap_err();
    assert_eq!(refusal(&refused), refusal(&alone));
}

/// Both nodes run on the same clock instant, so the time-based part of their event and
/// mail ids is the same: only the node's slot keeps them apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_mail_made_on_two_nodes_at_once_are_all_kept() {
    let Some(n) = nodes().await else { return };
    // Two invitations queued at once, one on each node.
    let (x, y) = tokio::join!(
        n.a.create_apartment(
            &n.on_a,
            n.building,
            apartment("401"),
            Some(resident("ada@example.com")),
            None
        ),
        n.b.create_apartment(
            &n.on_b,
            n.building,
            apartment("402"),
            Some(resident("bea@example.com")),
            None
        ),
    );
    x.unwrap();
    y.unwrap();
    let outbox = n.a.outbox_page(&n.on_a, 0, 100).await.unwrap();
    let mut to: Vec<&str> = outbox.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["ada@example.com", "bea@example.com"]);

    // A door log on each node for the same community.
    let gate = common::device(
        &n.a,
        &n.on_a,
        porter_store::ScopeRequest::Public {
            community_id: n.community,
            buildings: vec![],
        },
        0,
        "0C1105000002",
    )
    .await;
    n.b.apply_remote_changes().await.unwrap();
    let door = porter_store::events::EventKind::DoorLog {
        relay: 1,
        method: "pin".into(),
        success: true,
        who: String::new(),
        credential_id: 0,
        offline: false,
    };
    n.a.record_device_events(gate.id, vec![(0, door.clone())])
        .unwrap();
    n.b.record_device_events(gate.id, vec![(0, door)]).unwrap();
    // Node b's appends are durable once it flushes (a's list waits for a's own).
    n.b.flush_last_seen(true).await.unwrap();
    let events =
        n.a.list_events(
            &n.on_a,
            n.community,
            &porter_store::events::EventFilter::default(),
            0,
            100,
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_is_held_by_one_node_until_it_gives_it_up() {
    let Some(n) = nodes().await else { return };
    assert!(n.a.hold_lease("mail").await.unwrap());
    assert!(!n.b.hold_lease("mail").await.unwrap(), "a holds it");
    assert!(n.a.hold_lease("mail").await.unwrap(), "a renews it");
    // Another lease is another matter.
    assert!(n.b.hold_lease("upgrades").await.unwrap());
    n.a.release_lease("mail").await.unwrap();
    assert!(
        n.b.hold_lease("mail").await.unwrap(),
        "given up, b takes it"
    );
    assert!(!n.a.hold_lease("mail").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_reports_how_far_behind_the_change_log_it_is() {
    let Some(n) = nodes().await else { return };
    assert_eq!(n.b.change_log_lag(), Some(0));
    n.a.create_apartment(&n.on_a, n.building, apartment("501"), None, None)
        .await
        .unwrap();
    // b hears of a's commit (NOTIFY) before it applies it: one set behind.
    let behind = async {
        while n.b.change_log_lag() != Some(1) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), behind)
        .await
        .expect("b learns it is one change set behind");
    n.b.apply_remote_changes().await.unwrap();
    assert_eq!(n.b.change_log_lag(), Some(0));
    assert_eq!(n.a.change_log_lag(), Some(0), "a's own write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pruned_change_log_keeps_current_nodes_going_and_stops_one_left_behind() {
    let Some(n) = nodes().await else { return };
    n.a.create_apartment(&n.on_a, n.building, apartment("601"), None, None)
        .await
        .unwrap();
    n.b.apply_remote_changes().await.unwrap();
    // b is current; a writes on while b does not apply, then the log is pruned to its
    // newest set.
    for number in ["602", "603"] {
        n.a.create_apartment(&n.on_a, n.building, apartment(number), None, None)
            .await
            .unwrap();
    }
    let pruned = n.a.prune_change_log(Duration::ZERO).await.unwrap();
    assert!(pruned >= 2, "{pruned}");
    assert_eq!(n.a.prune_change_log(Duration::ZERO).await.unwrap(), 0);
    // a, which applied everything, writes on; the next set numbers on from the one kept.
    n.a.create_apartment(&n.on_a, n.building, apartment("604"), None, None)
        .await
        .unwrap();
    // b missed sets that are gone: it says so instead of serving or validating against a
    // directory it cannot bring up to date.
    let err = n.b.apply_remote_changes().await.unwrap_err();
    assert!(err.to_string().contains("restart"), "{err}");
    let refused =
        n.b.create_apartment(&n.on_b, n.building, apartment("605"), None, None)
            .await
            .unwrap_err();
    assert!(refused.to_string().contains("restart"), "{refused}");
    // Nothing of the refused write was kept.
    let listed = n.a.read(|d| d.apartments_in(n.building).count());
    assert_eq!(listed, 4);
}
