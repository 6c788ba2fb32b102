//! What a dialed number reaches (`Store::call_destination`): the caller's scope, ambiguous
//! numbers, community calls, and the SIP accounts an apartment rings.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::model::{CommunitySettings, DeviceInput, DeviceScope, Id};
use porter_store::{Actor, CallDestination, CallRefusal, ScopeRequest, Store, StoreError};

struct Site {
    store: Store,
    actor: Actor,
    community: Id,
    buildings: [Id; 2],
    gate_id: Id,
    gate: String,
    lobby_id: Id,
    lobby: String,
    monitor_101: String,
    monitor_102: String,
    apartment_101: Id,
}

/// Buildings B1 (101, 102) and B2 (101); monitors in B1's 101 and 102; a gate for all
/// buildings and a door phone in B1's lobby.
async fn site() -> Site {
    let (store, actor, _clock) = common::operator_store().await;
    let community = common::community(&store, &actor, "C").await;
    let b1 = common::building(&store, &actor, community, "B1").await;
    let b2 = common::building(&store, &actor, community, "B2").await;
    let a101 = common::apartment(&store, &actor, b1, "101").await;
    let a102 = common::apartment(&store, &actor, b1, "102").await;
    common::apartment(&store, &actor, b2, "101").await;
    let gate = common::device(
        &store,
        &actor,
        ScopeRequest::Public {
            community_id: community,
            buildings: vec![],
        },
        0,
        "0C1100000001",
    )
    .await;
    let lobby = common::device(
        &store,
        &actor,
        ScopeRequest::Building { building_id: b1 },
        0,
        "0C1100000002",
    )
    .await;
    let monitor_101 = common::device(
        &store,
        &actor,
        ScopeRequest::Apartment { apartment_id: a101 },
        2,
        "0C1100000003",
    )
    .await
    .sip_number;
    let monitor_102 = common::device(
        &store,
        &actor,
        ScopeRequest::Apartment { apartment_id: a102 },
        2,
        "0C1100000004",
    )
    .await
    .sip_number;
    Site {
        store,
        actor,
        community,
        buildings: [b1, b2],
        gate_id: gate.id,
        gate: gate.sip_number,
        lobby_id: lobby.id,
        lobby: lobby.sip_number,
        monitor_101,
        monitor_102,
        apartment_101: a101,
    }
}

fn monitors(d: Result<CallDestination, CallRefusal>) -> Vec<String> {
    match d {
        Ok(CallDestination::Apartment(a)) => a.monitors,
        other => panic!("expected an apartment, got {other:?}"),
    }
}

/// Editing a public device's buildings changes what it reaches; a building of another
/// community, or buildings on a building's device, are refused and change nothing.
#[tokio::test]
async fn a_public_device_reaches_only_the_buildings_it_serves() {
    let s = site().await;
    let [b1, b2] = s.buildings;
    let serve = |buildings: Vec<Id>, id: Id| {
        s.store.update_device(
            &s.actor,
            id,
            DeviceInput {
                public_buildings: Some(buildings),
                ..Default::default()
            },
        )
    };
    let view = serve(vec![b2, b2], s.gate_id).await.unwrap();
    assert_eq!(
        view.device.scope,
        DeviceScope::Public {
            buildings: vec![b2]
        }
    );
    assert_eq!(
        s.store.call_destination(&s.gate, "102"),
        Err(CallRefusal::NotFound)
    );
    assert!(matches!(
        s.store.call_destination(&s.gate, "101"),
        Ok(CallDestination::Apartment(a)) if a.monitors.is_empty()
    ));

    let other = common::community(&s.store, &s.actor, "Other").await;
    let foreign = common::building(&s.store, &s.actor, other, "X").await;
    let err = serve(vec![b1, foreign], s.gate_id).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid { field, .. } if field == "public_buildings"),
        "{err}"
    );
    let err = serve(vec![b1], s.lobby_id).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid { field, .. } if field == "public_buildings"),
        "{err}"
    );
    let gate = s.store.device(&s.actor, s.gate_id).unwrap().device;
    assert_eq!(
        gate.scope,
        DeviceScope::Public {
            buildings: vec![b2]
        }
    );

    // None listed: all buildings again.
    serve(vec![], s.gate_id).await.unwrap();
    assert_eq!(
        s.store.call_destination(&s.gate, "101"),
        Err(CallRefusal::Ambiguous)
    );
}

#[tokio::test]
async fn door_phones_reach_the_apartments_of_their_buildings() {
    let s = site().await;
    let lobby = |n: &str| s.store.call_destination(&s.lobby, n);
    assert_eq!(monitors(lobby("101")), vec![s.monitor_101.clone()]);
    assert_eq!(lobby("999"), Err(CallRefusal::NotFound));
    // The gate covers both buildings: 101 is in each of them, 102 only in B1.
    assert_eq!(
        s.store.call_destination(&s.gate, "101"),
        Err(CallRefusal::Ambiguous)
    );
    assert_eq!(
        monitors(s.store.call_destination(&s.gate, "102")),
        vec![s.monitor_102.clone()]
    );
    // A SIP number reaches its device.
    assert_eq!(
        lobby(&s.monitor_102),
        Ok(CallDestination::Account {
            number: s.monitor_102.clone()
        })
    );
    assert_eq!(
        s.store.call_destination("1999999999", "101"),
        Err(CallRefusal::UnknownCaller)
    );
    // No subscription, no landline service: no app and no phones to ring.
    match lobby("101") {
        Ok(CallDestination::Apartment(a)) => {
            assert_eq!(a.app, None);
            assert!(a.phones.is_empty());
            assert_eq!(a.call_type, 0);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn residents_call_each_other_only_with_community_calls_on() {
    let s = site().await;
    let call = || s.store.call_destination(&s.monitor_101, "102");
    assert!(matches!(call(), Err(CallRefusal::NotAllowed(_))));
    assert!(matches!(
        s.store.call_destination(&s.monitor_101, &s.monitor_102),
        Err(CallRefusal::NotAllowed(_))
    ));
    // Calling the lobby door phone is no community call.
    assert!(s.store.call_destination(&s.monitor_101, &s.lobby).is_ok());
    s.store
        .update_community(
            &s.actor,
            s.community,
            CommunitySettings {
                community_calls: Some(true),
                ..CommunitySettings::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(monitors(call()), vec![s.monitor_102.clone()]);
}

#[tokio::test]
async fn the_family_sip_account_is_the_apps_and_a_reset_replaces_its_password() {
    use porter_store::SipAccountOwner;

    let s = site().await;
    let (number, password) = s
        .store
        .apartment_sip_account(&s.actor, s.apartment_101)
        .await
        .unwrap();
    let account = s.store.sip_account(&number).expect("a SIP account");
    assert_eq!(account.password, password);
    assert_eq!(
        account.owner,
        SipAccountOwner::Apartment {
            id: s.apartment_101
        }
    );
    // Without an active subscription the apps are not rung and may not call.
    assert!(matches!(
        s.store.call_destination(&s.lobby, &number),
        Err(CallRefusal::NotAllowed(_))
    ));
    assert!(matches!(
        s.store.call_destination(&number, &s.lobby),
        Err(CallRefusal::NotAllowed(_))
    ));
    s.store
        .reset_apartment(&s.actor, s.apartment_101)
        .await
        .unwrap();
    let after = s.store.sip_account(&number).expect("still an account");
    assert_ne!(after.password, password, "a reset sets the apps up anew");
}
