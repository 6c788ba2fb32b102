//! What an end user reaches from the residents' app: the family (the master's, when the
//! community allows family accounts), their own PIN and visitor keys, the apartment's door
//! and call logs, the cameras of their area, and nothing of another apartment.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::events::EventKind;
use porter_store::model::{
    CameraInput, CommunitySettings, Doors, EndUserRef, FamilyMemberInput, Holder, KeyFormat,
    Method, Repeat, ResidentFeatures, Validity,
};
use porter_store::outbox::MailContent;
use porter_store::{Actor, CredentialInput, KeyInput, ScopeRequest, Store, StoreError};

const DAY: i64 = 24 * 3_600_000;

/// Sets a password from the newest link mailed to `email` and logs in.
async fn app_login(store: &Store, operator: &Actor, email: &str) -> EndUserRef {
    let token = store
        .outbox_page(operator, 0, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to.eq_ignore_ascii_case(email))
        .find_map(|m| match m.content {
            MailContent::AccountInvitation { token, .. } => Some(token),
            _ => None,
        })
        .unwrap();
    store
        .set_end_user_password(&token, "app-password-1")
        .await
        .unwrap();
    let (session, _) = store
        .end_user_login(email, "app-password-1", 60_000)
        .await
        .unwrap();
    store.authenticate_end_user(&session).unwrap()
}

fn member(first: &str, email: &str) -> FamilyMemberInput {
    FamilyMemberInput {
        first_name: Some(first.into()),
        last_name: Some("Zheng".into()),
        email: Some(email.into()),
        ..Default::default()
    }
}

fn own_pin(holder: Holder, code: &str) -> CredentialInput {
    CredentialInput {
        apartment_id: None,
        holder,
        method: Method::Pin,
        value: code.into(),
        face_photo: None,
        key: None,
        doors: Doors::All,
    }
}

fn visitor_key(format: KeyFormat, now: i64) -> CredentialInput {
    CredentialInput {
        holder: Holder::Visitor("Ada".into()),
        method: Method::Key,
        key: Some(KeyInput {
            format,
            validity: Validity {
                from_ms: now,
                until_ms: now + DAY,
                repeat: Repeat::Never,
                day_start_min: 0,
                day_end_min: 0,
                max_uses: Some(2),
            },
            floors: vec![],
        }),
        doors: Doors::PublicArea,
        ..own_pin(Holder::Resident, "")
    }
}

#[tokio::test]
async fn the_family_master_manages_the_family_as_the_community_allows() {
    let (store, operator, _clock) = common::operator_store().await;
    let community = common::community(&store, &operator, "Luna").await;
    let b1 = common::building(&store, &operator, community, "B1").await;
    common::lily_apartment(&store, &operator, b1, "101", "lily@example.com").await;
    let lily = app_login(&store, &operator, "lily@example.com").await;

    let max = store
        .end_user_add_family(lily, member("Max", "max@example.com"))
        .await
        .unwrap();
    let home = store.end_user_home(lily).unwrap();
    assert_eq!(home.apartment.family.len(), 1);
    // The new member gets an invitation like any other, and is no master.
    let max_user = app_login(&store, &operator, "max@example.com").await;
    let err = store
        .end_user_add_family(max_user, member("Eve", "eve@example.com"))
        .await;
    assert!(matches!(err, Err(StoreError::PermissionDenied(ref m)) if m.contains("family master")));
    let err = store.end_user_remove_family(max_user, max.id).await;
    assert!(matches!(err, Err(StoreError::PermissionDenied(_))));

    // The property manager's switch: no family accounts, none added.
    store
        .set_resident_features(
            &operator,
            community,
            ResidentFeatures {
                family_accounts: false,
                ..ResidentFeatures::default()
            },
        )
        .await
        .unwrap();
    let err = store
        .end_user_add_family(lily, member("Eve", "eve@example.com"))
        .await;
    assert!(matches!(err, Err(StoreError::PermissionDenied(ref m)) if m.contains("not allowed")));
    assert_eq!(store.end_user_home(lily).unwrap().apartment.family.len(), 1);

    // Another apartment's member is not Lily's to remove; her own goes with the session.
    let other = common::lily_apartment(&store, &operator, b1, "102", "zoe@example.com").await;
    let stranger = store
        .add_family_member(&operator, other, member("Sam", "sam@example.com"))
        .await
        .unwrap();
    let err = store.end_user_remove_family(lily, stranger.id).await;
    assert!(matches!(err, Err(StoreError::NotFound(_))));
    store.end_user_remove_family(lily, max.id).await.unwrap();
    assert!(store.end_user_home(max_user).is_err());
    assert!(
        store
            .end_user_home(lily)
            .unwrap()
            .apartment
            .family
            .is_empty()
    );
}

#[tokio::test]
async fn end_users_issue_their_own_pin_and_visitor_keys_only() {
    let (store, operator, _clock) = common::operator_store().await;
    let community = common::community(&store, &operator, "Luna").await;
    let b1 = common::building(&store, &operator, community, "B1").await;
    let apartment = common::lily_apartment(&store, &operator, b1, "101", "lily@example.com").await;
    let lily = app_login(&store, &operator, "lily@example.com").await;
    let max = store
        .end_user_add_family(lily, member("Max", "max@example.com"))
        .await
        .unwrap();
    let max_user = app_login(&store, &operator, "max@example.com").await;
    let now = store.now_ms();

    let pin = store
        .end_user_create_credential(lily, own_pin(Holder::Resident, "4711"))
        .await
        .unwrap();
    assert_eq!(pin.apartment_id, Some(apartment));
    assert_eq!(pin.issued_by, "resident lily@example.com");
    // Someone else's PIN, a card: not the app's to issue.
    let err = store
        .end_user_create_credential(max_user, own_pin(Holder::Resident, "4712"))
        .await;
    assert!(matches!(err, Err(StoreError::PermissionDenied(_))));
    let card = CredentialInput {
        method: Method::RfCard,
        ..own_pin(Holder::Resident, "12345678")
    };
    let err = store.end_user_create_credential(lily, card).await;
    assert!(matches!(err, Err(StoreError::PermissionDenied(_))));
    let max_pin = store
        .end_user_create_credential(max_user, own_pin(Holder::FamilyMember(max.id), "5812"))
        .await
        .unwrap();
    let max_key = store
        .end_user_create_credential(max_user, visitor_key(KeyFormat::Qr, now))
        .await
        .unwrap();

    // The master sees the apartment's; a member their own and the keys they issued.
    let ids = |user| {
        store
            .end_user_credentials(user)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(lily), vec![max_key.id, max_pin.id, pin.id]);
    assert_eq!(ids(max_user), vec![max_key.id, max_pin.id]);
    let err = store.end_user_delete_credential(max_user, pin.id).await;
    assert!(matches!(err, Err(StoreError::NotFound(_))));

    // QR codes switched off: no QR keys; PIN keys still.
    store
        .set_resident_features(
            &operator,
            community,
            ResidentFeatures {
                qr_codes: false,
                ..ResidentFeatures::default()
            },
        )
        .await
        .unwrap();
    let err = store
        .end_user_create_credential(lily, visitor_key(KeyFormat::Qr, now))
        .await;
    assert!(matches!(err, Err(StoreError::FailedPrecondition(ref m)) if m.contains("QR")));
    store
        .end_user_create_credential(lily, visitor_key(KeyFormat::Pin, now))
        .await
        .unwrap();
    store
        .end_user_delete_credential(lily, max_key.id)
        .await
        .unwrap();
    assert_eq!(ids(max_user), vec![max_pin.id]);
}

#[tokio::test]
async fn the_door_log_holds_what_the_apartment_opened_and_nothing_of_others() {
    let (store, operator, _clock) = common::operator_store().await;
    let community = common::community(&store, &operator, "Luna").await;
    let b1 = common::building(&store, &operator, community, "B1").await;
    common::lily_apartment(&store, &operator, b1, "101", "lily@example.com").await;
    let zoe_apartment =
        common::lily_apartment(&store, &operator, b1, "102", "zoe@example.com").await;
    let lily = app_login(&store, &operator, "lily@example.com").await;
    let zoe = app_login(&store, &operator, "zoe@example.com").await;
    let gate =
        porter_store::fixtures::public_door_phone(&store, &operator, community, "0C1105000001")
            .await
            .unwrap();
    let pin = store
        .end_user_create_credential(lily, own_pin(Holder::Resident, "4711"))
        .await
        .unwrap();
    let opened = |credential_id, who: &str| EventKind::DoorLog {
        relay: 1,
        method: "PIN".into(),
        success: true,
        who: who.into(),
        credential_id,
        offline: false,
    };
    store
        .record_device_events(
            gate,
            vec![
                (0, opened(pin.id, "")),
                (0, opened(0, "someone")),
                (
                    0,
                    EventKind::CallLog {
                        caller: "gate".into(),
                        callee: "102".into(),
                        answered: true,
                        duration_secs: 12,
                    },
                ),
            ],
        )
        .unwrap();
    store
        .record_server_door_log(
            gate,
            Some(zoe_apartment),
            opened(0, "resident zoe@example.com"),
        )
        .unwrap();

    let lily_doors = store
        .end_user_events(lily, "door_log", 0, 50)
        .await
        .unwrap();
    assert_eq!(lily_doors.len(), 1);
    assert!(
        matches!(&lily_doors[0].kind, EventKind::DoorLog { who, .. } if who.contains("APT 101"))
    );
    assert!(
        store
            .end_user_events(lily, "call_log", 0, 50)
            .await
            .unwrap()
            .is_empty()
    );
    let zoe_doors = store.end_user_events(zoe, "door_log", 0, 50).await.unwrap();
    assert_eq!(zoe_doors.len(), 1);
    // A call by APT number from a public door phone is not guessed across buildings; a
    // building door phone's is.
    let entrance = common::device(
        &store,
        &operator,
        ScopeRequest::Building { building_id: b1 },
        0,
        "0C1105000002",
    )
    .await;
    store
        .record_device_events(
            entrance.id,
            vec![(
                0,
                EventKind::CallLog {
                    caller: "entrance".into(),
                    callee: "102".into(),
                    answered: false,
                    duration_secs: 0,
                },
            )],
        )
        .unwrap();
    assert_eq!(
        store
            .end_user_events(zoe, "call_log", 0, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    let err = store.end_user_events(zoe, "alarm", 0, 50).await;
    assert!(matches!(err, Err(StoreError::Invalid { ref field, .. }) if field == "kind"));
}

#[tokio::test]
async fn cameras_of_the_end_users_area_and_passwords_one_at_a_time() {
    let (store, operator, clock) = common::operator_store().await;
    let community = common::community(&store, &operator, "Luna").await;
    let b1 = common::building(&store, &operator, community, "B1").await;
    let b2 = common::building(&store, &operator, community, "B2").await;
    common::lily_apartment(&store, &operator, b1, "101", "lily@example.com").await;
    let lily = app_login(&store, &operator, "lily@example.com").await;
    let camera = |name: &str| CameraInput {
        name: Some(name.into()),
        rtsp_url: Some("rtsp://10.0.0.5:554/live".into()),
        username: Some("viewer".into()),
        password: Some(format!("{name}-secret")),
        linked_device: None,
    };
    let public = ScopeRequest::Public {
        community_id: community,
        buildings: vec![],
    };
    let lobby = store
        .create_camera(&operator, public, camera("Lobby"))
        .await
        .unwrap();
    store
        .create_camera(
            &operator,
            ScopeRequest::Building { building_id: b1 },
            camera("B1 hall"),
        )
        .await
        .unwrap();
    let other = store
        .create_camera(
            &operator,
            ScopeRequest::Building { building_id: b2 },
            camera("B2 hall"),
        )
        .await
        .unwrap();

    let names = || {
        store
            .end_user_cameras(lily)
            .unwrap()
            .into_iter()
            .map(|v| v.camera.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(), vec!["B1 hall", "Lobby"]);
    let (view, password) = store.end_user_camera_view(lily, lobby.camera.id).unwrap();
    assert_eq!(
        (view.camera.name.as_str(), password.as_str()),
        ("Lobby", "Lobby-secret")
    );
    let err = store.end_user_camera_view(lily, other.camera.id);
    assert!(matches!(err, Err(StoreError::PermissionDenied(_))));

    // Public-area cameras are a Premium feature: gone when the plan ends.
    store
        .update_community(
            &operator,
            community,
            CommunitySettings {
                feature_plan_expires_at_ms: Some(Some(store.now_ms() + DAY)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    clock.advance_ms(DAY);
    assert_eq!(names(), vec!["B1 hall"]);
    assert!(store.end_user_camera_view(lily, lobby.camera.id).is_err());
}
