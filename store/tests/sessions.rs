//! Sessions against an injected clock: expiry, purge, the per-account cap.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::MAX_SESSIONS_PER_ACCOUNT;
use porter_store::{ManualClock, Store, StoreError};

async fn store() -> (Store, ManualClock) {
    let clock = ManualClock::new(1_700_000_000_000);
    let store = common::empty_store(&clock).await;
    store
        .bootstrap("admin", Some("password-1".into()))
        .await
        .unwrap();
    (store, clock)
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime() {
    let (store, clock) = store().await;
    let login = store.login("admin", "password-1", 60_000).await.unwrap();
    assert!(store.authenticate(&login.token).is_ok());
    clock.advance_ms(59_999);
    assert!(store.authenticate(&login.token).is_ok());
    clock.advance_ms(1);
    assert!(matches!(
        store.authenticate(&login.token),
        Err(StoreError::Unauthenticated(_))
    ));
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 1);
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 0);
}

#[tokio::test]
async fn sessions_per_account_are_bounded() {
    let (store, clock) = store().await;
    let first = store.login("admin", "password-1", 3_600_000).await.unwrap();
    for _ in 0..MAX_SESSIONS_PER_ACCOUNT + 5 {
        clock.advance_ms(1);
        store.login("admin", "password-1", 3_600_000).await.unwrap();
    }
    let count = store.read(|d| d.sessions_of(first.session.account_id).count());
    assert_eq!(count, MAX_SESSIONS_PER_ACCOUNT);
    assert!(
        store.authenticate(&first.token).is_err(),
        "the oldest session made room"
    );
}

#[tokio::test]
async fn usernames_are_case_insensitive_and_unique() {
    let (store, _) = store().await;
    assert!(store.login("ADMIN", "password-1", 1000).await.is_ok());
    let actor = store
        .authenticate(
            &store
                .login("admin", "password-1", 60_000)
                .await
                .unwrap()
                .token,
        )
        .unwrap();
    let err = store
        .create_sub_installer(
            &actor,
            porter_store::AccountInput {
                username: "Admin".into(),
                password: Some("password-2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("username"));
}

#[tokio::test]
async fn device_events_are_kept_up_to_the_retention_limit() {
    use porter_store::ScopeRequest;
    use porter_store::events::{EventFilter, EventKind};
    use porter_store::model::DeviceInput;

    let (store, actor, _) = common::operator_store().await;
    let c = common::community(&store, &actor, "C").await;
    store.add_mac(&actor, "0C1100000001").await.unwrap();
    let d = store
        .create_device(
            &actor,
            ScopeRequest::Public {
                community_id: c,
                buildings: vec![],
            },
            DeviceInput {
                device_type: Some(0),
                mac: Some("0C1100000001".into()),
                name: Some("Gate".into()),
                ..DeviceInput::default()
            },
        )
        .await
        .unwrap()
        .device
        .id;
    for i in 0..25 {
        store
            .record_device_events(
                d,
                vec![(
                    i,
                    EventKind::RelayStatus {
                        relay: 1,
                        open: i % 2 == 0,
                    },
                )],
            )
            .unwrap();
    }
    assert_eq!(
        store
            .list_events(&actor, c, &EventFilter::default(), 0, 100)
            .await
            .unwrap()
            .len(),
        25
    );
    assert_eq!(store.prune_events(10).await.unwrap(), 15);
    let left = store
        .list_events(&actor, c, &EventFilter::default(), 0, 100)
        .await
        .unwrap();
    assert_eq!(left.len(), 10);
    assert_eq!(left[0].at_ms, 24, "the newest stay");
    assert!(
        store
            .list_events(&actor, c, &EventFilter::default(), 0, 501)
            .await
            .is_err()
    );
    // Events of a deleted device are not recorded.
    assert_eq!(
        store
            .record_device_events(
                999_999,
                vec![(
                    1,
                    EventKind::ArmingState {
                        mode: "away".into()
                    }
                )]
            )
            .unwrap(),
        0
    );
}
