//! Which sessions a write ends (`porter_store::revocation`): the feed the gateway and the SIP
//! server follow, and the binding check a session makes before it acts.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::model::{DeviceInput, Id};
use porter_store::{DeviceBinding, MaintenanceEdit, Revocation, RevokeReason, ScopeRequest, Store};
use tokio::sync::broadcast::error::TryRecvError;

fn binding(store: &Store, id: Id) -> DeviceBinding {
    store.read(|dir| DeviceBinding::of(dir.device(id).unwrap()))
}

fn drained(
    feed: &mut tokio::sync::broadcast::Receiver<porter_store::Revocations>,
) -> Vec<Revocation> {
    let mut all = Vec::new();
    loop {
        match feed.try_recv() {
            Ok(r) => all.extend(r.iter().cloned()),
            Err(TryRecvError::Empty) => return all,
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test]
async fn rotating_moving_and_deleting_a_device_end_its_sessions_and_nothing_else_does() {
    let (store, actor, _) = common::operator_store().await;
    let c = common::community(&store, &actor, "C").await;
    let public = || ScopeRequest::Public {
        community_id: c,
        buildings: vec![],
    };
    let gate = common::device(&store, &actor, public(), 0, "0C1100000001")
        .await
        .id;
    let sip = store.device(&actor, gate).unwrap().device.sip_number;
    let mut feed = store.subscribe_revocations();

    // Edits that leave what the device proved alone end nothing.
    let before = binding(&store, gate);
    store
        .update_device(
            &actor,
            gate,
            DeviceInput {
                name: Some("Gate".into()),
                ..DeviceInput::default()
            },
        )
        .await
        .unwrap();
    let cert = "ab".repeat(32);
    store
        .update_device_maintenance(
            &actor,
            gate,
            MaintenanceEdit {
                client_cert_sha256: Some(cert.clone()),
                ..MaintenanceEdit::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(drained(&mut feed), vec![]);
    assert_eq!(store.binding_revoked(&before), None);

    // Removing the certificate ends a session opened while it was registered.
    let with_cert = binding(&store, gate);
    store
        .update_device_maintenance(
            &actor,
            gate,
            MaintenanceEdit {
                client_cert_sha256: Some(String::new()),
                ..MaintenanceEdit::default()
            },
        )
        .await
        .unwrap();
    let removed = Revocation::Device {
        device_id: gate,
        mac: "0C1100000001".into(),
        reason: RevokeReason::ClientCertificateRemoved,
    };
    assert_eq!(drained(&mut feed), vec![removed]);
    assert_eq!(
        store.binding_revoked(&with_cert),
        Some(RevokeReason::ClientCertificateRemoved)
    );
    assert_eq!(store.binding_revoked(&before), None);

    // Rotating the credential.
    store.rotate_device_credential(&actor, gate).await.unwrap();
    assert_eq!(
        drained(&mut feed),
        vec![Revocation::Device {
            device_id: gate,
            mac: "0C1100000001".into(),
            reason: RevokeReason::CredentialRotated,
        }]
    );
    assert_eq!(
        store.binding_revoked(&before),
        Some(RevokeReason::CredentialRotated)
    );

    // Moving it to another MAC.
    let rotated = binding(&store, gate);
    store.add_mac(&actor, "0C1100000002").await.unwrap();
    store
        .update_device(
            &actor,
            gate,
            DeviceInput {
                mac: Some("0C1100000002".into()),
                ..DeviceInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        drained(&mut feed),
        vec![Revocation::Device {
            device_id: gate,
            mac: "0C1100000001".into(),
            reason: RevokeReason::MacChanged,
        }]
    );
    assert_eq!(
        store.binding_revoked(&rotated),
        Some(RevokeReason::MacChanged)
    );

    // Deleting it ends its gateway sessions and its SIP registrations.
    let moved = binding(&store, gate);
    store.delete_device(&actor, gate).await.unwrap();
    assert_eq!(
        drained(&mut feed),
        vec![
            Revocation::Device {
                device_id: gate,
                mac: "0C1100000002".into(),
                reason: RevokeReason::Deleted,
            },
            Revocation::SipAccount {
                number: sip,
                reason: RevokeReason::Deleted,
            },
        ]
    );
    assert_eq!(store.binding_revoked(&moved), Some(RevokeReason::Deleted));

    // The same MAC on a new device: the old binding still does not stand for it.
    let renewed = store
        .create_device(
            &actor,
            public(),
            DeviceInput {
                device_type: Some(0),
                mac: Some("0C1100000002".into()),
                name: Some("Renewed".into()),
                ..DeviceInput::default()
            },
        )
        .await
        .unwrap()
        .device
        .id;
    assert_ne!(renewed, gate);
    assert_eq!(store.binding_revoked(&moved), Some(RevokeReason::Deleted));
}

#[tokio::test]
async fn deleting_or_resetting_an_apartment_ends_its_monitor_and_family_account() {
    let (store, actor, _) = common::operator_store().await;
    let c = common::community(&store, &actor, "C").await;
    let b = common::building(&store, &actor, c, "B1").await;
    let a = common::apartment(&store, &actor, b, "101").await;
    let (family, _) = store.apartment_sip_account(&actor, a).await.unwrap();
    let monitor = common::device(
        &store,
        &actor,
        ScopeRequest::Apartment { apartment_id: a },
        2,
        "0C1100000009",
    )
    .await
    .id;
    let monitor_sip = store.device(&actor, monitor).unwrap().device.sip_number;
    let mut feed = store.subscribe_revocations();

    store.reset_apartment(&actor, a).await.unwrap();
    assert_eq!(
        drained(&mut feed),
        vec![Revocation::SipAccount {
            number: family.clone(),
            reason: RevokeReason::SipPasswordChanged,
        }]
    );

    store.delete_apartment(&actor, a).await.unwrap();
    let got = drained(&mut feed);
    for expected in [
        Revocation::Device {
            device_id: monitor,
            mac: "0C1100000009".into(),
            reason: RevokeReason::Deleted,
        },
        Revocation::SipAccount {
            number: monitor_sip,
            reason: RevokeReason::Deleted,
        },
        Revocation::SipAccount {
            number: family,
            reason: RevokeReason::Deleted,
        },
    ] {
        assert!(got.contains(&expected), "{expected:?} not in {got:?}");
    }
}
