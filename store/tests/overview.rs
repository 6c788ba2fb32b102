//! The community overview: devices, apartments by service state, and door openings per day
//! in the community's time zone over two weeks.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::ScopeRequest;
use porter_store::events::EventKind;
use porter_store::model::{CommunitySettings, OrderInput, OrderKind};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

fn door(success: bool) -> EventKind {
    EventKind::DoorLog {
        relay: 1,
        method: "pin".into(),
        success,
        who: String::new(),
        credential_id: 0,
        offline: false,
    }
}

#[tokio::test]
async fn the_overview_counts_door_openings_per_local_day_and_expiring_apartments() {
    let (store, operator, clock) = common::operator_store().await;
    let community = common::community(&store, &operator, "C").await;
    // 2023-11-14 22:13 UTC is already the 15th in Tokyo.
    store
        .update_community(
            &operator,
            community,
            CommunitySettings {
                time_zone: Some("Asia/Tokyo".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let b = common::building(&store, &operator, community, "B").await;
    let soon = common::apartment(&store, &operator, b, "1").await;
    common::apartment(&store, &operator, b, "2").await;
    let gate = common::device(
        &store,
        &operator,
        ScopeRequest::Building { building_id: b },
        0,
        "0C1100000001",
    )
    .await;
    let now = common::START_MS;
    let order = store
        .create_subscription_order(
            &operator,
            OrderInput {
                kind: OrderKind::Activation,
                apartments: vec![soon],
                expires_at_ms: now + 10 * DAY_MS,
            },
        )
        .await
        .unwrap();
    store
        .confirm_subscription_payment(&operator, order.id, "INV")
        .await
        .unwrap();

    store
        .record_device_events(
            gate.id,
            vec![(now, door(true)), (now - 10 * HOUR_MS, door(false))],
        )
        .unwrap();
    clock.advance_ms(3 * DAY_MS);
    let later = now + 3 * DAY_MS;
    store
        .record_device_events(
            gate.id,
            vec![
                (later, door(true)),
                (later, door(true)),
                (later - 20 * DAY_MS, door(true)),
            ],
        )
        .unwrap();

    let o = store
        .community_overview(&operator, community)
        .await
        .unwrap();
    assert_eq!(o.devices.len(), 1);
    assert_eq!(
        (
            o.apartments,
            o.apartments_inactivated,
            o.apartments_expiring
        ),
        (2, 1, 1)
    );
    assert_eq!(o.door_days.len(), 14);
    assert!(o.door_days_complete);
    let day = |d: &str| {
        o.door_days
            .iter()
            .find(|x| x.day == d)
            .map(|x| (x.opened, x.refused))
    };
    assert_eq!(o.door_days.last().unwrap().day, "2023-11-18");
    assert_eq!(o.door_days[0].day, "2023-11-05");
    assert_eq!(day("2023-11-18"), Some((2, 0)));
    assert_eq!(day("2023-11-15"), Some((1, 0)));
    assert_eq!(day("2023-11-14"), Some((0, 1)));
    let total: u32 = o.door_days.iter().map(|d| d.opened + d.refused).sum();
    assert_eq!(
        total, 4,
        "the event dated 20 days back is outside the window"
    );

    // Another installer's community is not found.
    let other = common::installer(&store, &operator, "mia", "password-3").await;
    assert!(store.community_overview(&other, community).await.is_err());
}
