//! Upgrade strategy rules in the store: the firmware's model, devices of the community and
//! of no other unfinished strategy, a future time in the community's zone, edits only while
//! pending, and a device's result kept once it finished.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::model::{
    DeviceInput, DeviceUpgradeStatus, FirmwareInput, RolloutPolicy, StrategyStatus,
};
use porter_store::{ScopeRequest, StoreError, UpgradeInput};

#[tokio::test]
async fn strategies_follow_the_rules() {
    let (store, actor, clock) = common::operator_store().await;
    let here = common::community(&store, &actor, "Here").await;
    let there = common::community(&store, &actor, "There").await;
    let device = |community, mac: &'static str| {
        let (store, actor) = (store.clone(), actor.clone());
        async move {
            store.add_mac(&actor, mac).await.unwrap();
            store
                .create_device(
                    &actor,
                    ScopeRequest::Public {
                        community_id: community,
                        buildings: vec![],
                    },
                    DeviceInput {
                        device_type: Some(0),
                        mac: Some(mac.into()),
                        name: Some(mac.into()),
                        ..DeviceInput::default()
                    },
                )
                .await
                .unwrap()
                .device
                .id
        }
    };
    let a = device(here, "0C1100000001").await;
    let b = device(here, "0C1100000002").await;
    let far = device(there, "0C1100000003").await;
    let fw = store
        .add_firmware(
            &actor,
            FirmwareInput {
                version: "29.30.2.900".into(),
                models: vec!["R29".into()],
                change_log: String::new(),
            },
            &"a".repeat(64),
            100,
        )
        .await
        .unwrap();
    let input = |devices: Vec<u64>, at: Option<&str>| UpgradeInput {
        community_id: here,
        firmware_id: fw.id,
        model: "r29".into(),
        device_ids: devices,
        at_local: at.map(str::to_owned),
        reset_after_upgrade: false,
        policy: RolloutPolicy::default(),
    };
    let refused = |r: Result<_, StoreError>, field: &str| {
        let e = r.unwrap_err();
        assert_eq!(e.field(), Some(field), "{e}");
    };
    refused(
        store
            .create_upgrade_strategy(
                &actor,
                UpgradeInput {
                    model: "X916".into(),
                    ..input(vec![a], None)
                },
            )
            .await,
        "model",
    );
    refused(
        store
            .create_upgrade_strategy(&actor, input(vec![far], None))
            .await,
        "device_ids",
    );
    refused(
        store
            .create_upgrade_strategy(&actor, input(vec![], None))
            .await,
        "device_ids",
    );
    // The store clock is 2023-11-14 22:13 UTC.
    refused(
        store
            .create_upgrade_strategy(&actor, input(vec![a], Some("2023-11-14 22:00")))
            .await,
        "at_local",
    );
    refused(
        store
            .create_upgrade_strategy(
                &actor,
                UpgradeInput {
                    policy: RolloutPolicy {
                        max_concurrent: 0,
                        ..RolloutPolicy::default()
                    },
                    ..input(vec![a], None)
                },
            )
            .await,
        "policy.max_concurrent",
    );

    let s = store
        .create_upgrade_strategy(&actor, input(vec![a, b, a], Some("2023-11-15 03:00")))
        .await
        .unwrap();
    assert_eq!(s.devices.len(), 2, "each device once");
    assert_eq!(s.model, "R29");
    assert_eq!(s.status(), StrategyStatus::Pending);
    refused(
        store
            .create_upgrade_strategy(&actor, input(vec![b], None))
            .await,
        "device_ids",
    );
    assert!(store.active_upgrades().iter().any(|u| u.id == s.id));

    // Started: no more edits; a finished device keeps its result.
    store
        .set_device_upgrade(s.id, a, DeviceUpgradeStatus::Processing, "")
        .await
        .unwrap();
    assert!(matches!(
        store
            .update_upgrade_strategy(&actor, s.id, input(vec![a], None))
            .await,
        Err(StoreError::FailedPrecondition(_))
    ));
    store
        .device_upgrade_failed(a, "29.30.2.900", "SHA-256 mismatch")
        .await
        .unwrap();
    store
        .set_device_upgrade(s.id, a, DeviceUpgradeStatus::Executed, "")
        .await
        .unwrap();
    let now = store.upgrade_strategy(&actor, s.id).unwrap();
    let first = now.device(a).unwrap();
    assert_eq!(first.status, DeviceUpgradeStatus::Failed);
    assert_eq!(first.reason, "SHA-256 mismatch");
    store.halt_upgrade(s.id, "stopped").await.unwrap();
    let halted = store.upgrade_strategy(&actor, s.id).unwrap();
    assert_eq!(halted.status(), StrategyStatus::Halted);
    assert!(!store.active_upgrades().iter().any(|u| u.id == s.id));
    // A halted strategy frees its devices for another.
    clock.advance_ms(1000);
    assert!(
        store
            .create_upgrade_strategy(&actor, input(vec![b], None))
            .await
            .is_ok()
    );
}
