//! Access credentials in the store: the values a door phone must tell apart, the limits per
//! person, the community's switches, "Only Public Area" for property managers, the doors
//! each credential reaches, and what resets, move-outs and deletions take with them.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::access::relays_opened;
use porter_store::model::{
    AccessControl, ApartmentInput, CommunitySettings, DoorChoice, Doors, FamilyMemberInput,
    FeaturePlan, Holder, KeyFormat, Method, PinMode, PmPermissions, Repeat, ResidentFeatures,
    ResidentInput, Validity,
};
use porter_store::{
    Actor, CredentialFilter, CredentialInput, KeyInput, PageRequest, ScopeRequest, Store,
    StoreError,
};

const DAY: i64 = 24 * 3_600_000;

fn pin(apartment: u64, holder: Holder, code: &str) -> CredentialInput {
    CredentialInput {
        apartment_id: Some(apartment),
        holder,
        method: Method::Pin,
        value: code.into(),
        face_photo: None,
        key: None,
        doors: Doors::All,
    }
}

fn card(apartment: u64, number: &str) -> CredentialInput {
    CredentialInput {
        method: Method::RfCard,
        ..pin(apartment, Holder::Resident, number)
    }
}

fn key(apartment: Option<u64>, format: KeyFormat, now: i64) -> CredentialInput {
    CredentialInput {
        apartment_id: apartment,
        holder: Holder::Visitor("Ada".into()),
        method: Method::Key,
        value: String::new(),
        face_photo: None,
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
            floors: vec![3],
        }),
        doors: Doors::PublicArea,
    }
}

fn png(w: u32, h: u32) -> bytes::Bytes {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0]);
    b.into()
}

fn field_of(err: &StoreError) -> &str {
    match err {
        StoreError::Invalid { field, .. } | StoreError::AlreadyExists { field, .. } => field,
        _ => "",
    }
}

#[tokio::test]
async fn codes_and_cards_a_door_phone_must_tell_apart() {
    let (store, operator, _clock) = common::operator_store().await;
    let elm = common::community(&store, &operator, "Elm").await;
    let b = common::building(&store, &operator, elm, "A").await;
    let a1 = common::resident_apartment(&store, &operator, b, "101").await;
    let a2 = common::resident_apartment(&store, &operator, b, "102").await;

    let first = store
        .create_credential(&operator, elm, pin(a1, Holder::Resident, " 2580 "))
        .await
        .unwrap();
    assert_eq!((first.value.as_str(), first.version), ("2580", 1));
    // PIN Mode "PIN": the code alone opens, so it is one in the community.
    let err = store
        .create_credential(&operator, elm, pin(a2, Holder::Resident, "2580"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("in this community"), "{err}");
    // One PIN per person.
    let err = store
        .create_credential(&operator, elm, pin(a1, Holder::Resident, "1111"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "method", "{err}");
    for bad in ["12", "12ab", "123456789"] {
        let err = store
            .create_credential(&operator, elm, pin(a2, Holder::Resident, bad))
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), "value", "{err}");
    }

    // "APT+PIN": the apartment comes first, so the same PIN may open another apartment.
    store
        .update_community(
            &operator,
            elm,
            CommunitySettings {
                pin_mode: Some(PinMode::AptPin),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .create_credential(&operator, elm, pin(a2, Holder::Resident, "2580"))
        .await
        .unwrap();
    // Back to "PIN" would make two apartments' PINs one: refused, naming the setting.
    let err = store
        .update_community(
            &operator,
            elm,
            CommunitySettings {
                pin_mode: Some(PinMode::Pin),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "pin_mode", "{err}");

    // Cards: one form whatever the typing, one holder per card, five per person.
    let c = store
        .create_credential(&operator, elm, card(a1, "04:a2:3b:c1"))
        .await
        .unwrap();
    assert_eq!(c.value, "04A23BC1");
    let err = store
        .create_credential(&operator, elm, card(a2, "04A2 3BC1"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("card is already in use"), "{err}");
    for n in 2..=5 {
        store
            .create_credential(&operator, elm, card(a1, &format!("{n}")))
            .await
            .unwrap();
    }
    let err = store
        .create_credential(&operator, elm, card(a1, "6"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 5 cards"), "{err}");

    // Keys: a generated 8-digit code, checked validity, never two alike.
    let now = store.now_ms();
    let k = store
        .create_credential(&operator, elm, key(Some(a1), KeyFormat::Qr, now))
        .await
        .unwrap();
    assert!(k.value.len() == 8 && k.value.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(k.key.as_ref().unwrap().floors, [3]);
    let mut past = key(Some(a1), KeyFormat::Pin, now);
    past.key.as_mut().unwrap().validity.until_ms = now;
    past.key.as_mut().unwrap().validity.from_ms = now - DAY;
    let err = store
        .create_credential(&operator, elm, past)
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "validity.until", "{err}");
    // A visitor holds keys only, a resident never a key.
    let mut wrong = pin(a1, Holder::Visitor("Bo".into()), "4444");
    let err = store
        .create_credential(&operator, elm, wrong.clone())
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "holder", "{err}");
    wrong = key(Some(a1), KeyFormat::Pin, now);
    wrong.holder = Holder::Resident;
    let err = store
        .create_credential(&operator, elm, wrong)
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "holder", "{err}");

    // Every write moved the community's version on by one; the list shows them newest first.
    let page = store
        .list_credentials(
            &operator,
            elm,
            &CredentialFilter::default(),
            PageRequest::new(1, 100),
        )
        .unwrap();
    assert_eq!(page.total, 8);
    let versions: Vec<u64> = page.items.iter().map(|c| c.version).collect();
    assert_eq!(versions, [8, 7, 6, 5, 4, 3, 2, 1]);
}

#[tokio::test]
async fn faces_are_checked_kept_and_switched_off() {
    let (store, operator, _clock) = common::operator_store().await;
    let elm = common::community(&store, &operator, "Elm").await;
    let b = common::building(&store, &operator, elm, "A").await;
    let a1 = common::resident_apartment(&store, &operator, b, "101").await;
    let face = |photo| CredentialInput {
        method: Method::Face,
        face_photo: photo,
        ..pin(a1, Holder::Resident, "")
    };
    let err = store
        .create_credential(&operator, elm, face(Some(b"GIF89a".as_slice().into())))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a JPEG or PNG"), "{err}");
    let err = store
        .create_credential(&operator, elm, face(Some(png(64, 64))))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pixels"), "{err}");
    let c = store
        .create_credential(&operator, elm, face(Some(png(480, 640))))
        .await
        .unwrap();
    let photo = c.face.clone().unwrap();
    assert_eq!(
        (photo.width, photo.height, photo.sha256.clone()),
        (480, 640, c.value.clone())
    );
    let (_, bytes) = store.face_photo(&operator, c.id).await.unwrap();
    assert_eq!(bytes, png(480, 640).to_vec());
    store.delete_credential(&operator, c.id).await.unwrap();
    assert!(store.face_photo(&operator, c.id).await.is_err());

    store
        .set_resident_features(
            &operator,
            elm,
            ResidentFeatures {
                face_recognition: false,
                pin_codes: false,
                qr_codes: false,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for input in [
        face(Some(png(480, 640))),
        pin(a1, Holder::Resident, "2580"),
        key(Some(a1), KeyFormat::Qr, store.now_ms()),
        key(Some(a1), KeyFormat::Pin, store.now_ms()),
    ] {
        let err = store
            .create_credential(&operator, elm, input)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::FailedPrecondition(_)), "{err}");
        assert!(err.to_string().contains("switched off"), "{err}");
    }
    // Cards are no resident switch; a community key for a delivery is the manager's own.
    store
        .create_credential(&operator, elm, card(a1, "77"))
        .await
        .unwrap();
    let mut delivery = key(None, KeyFormat::Qr, store.now_ms());
    delivery.holder = Holder::Delivery("Parcel Co".into());
    store
        .create_credential(&operator, elm, delivery)
        .await
        .unwrap();
}

async fn property_manager(
    store: &Store,
    installer: &Actor,
    community: u64,
    email: &str,
    rights: PmPermissions,
) -> Actor {
    let (id, password) = common::new_property_manager(store, installer, email, false).await;
    store
        .assign_property_manager(installer, community, id, rights)
        .await
        .unwrap();
    common::login(store, email, &password).await
}

#[tokio::test]
async fn property_managers_follow_the_access_control_permission_and_the_plan() {
    let (store, operator, clock) = common::operator_store().await;
    let public_only = porter_store::fixtures::premium_community(&store, &operator, "Oak")
        .await
        .unwrap();
    // The access-control permission is fixed at creation: make one with "Only Public Area".
    let basic = store
        .create_community(
            &operator,
            CommunitySettings {
                name: Some("Ash".into()),
                feature_plan: Some(FeaturePlan::Basic),
                access_control: Some(AccessControl::PublicOnly),
                address: Some(porter_store::model::Address {
                    country: "Germany".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .community
        .id;
    let b = common::building(&store, &operator, basic, "A").await;
    let monitor = |mac: &str| porter_store::model::DeviceInput {
        device_type: Some(2),
        mac: Some(mac.into()),
        name: Some("Monitor".into()),
        ..Default::default()
    };
    store.add_mac(&operator, "0C1105000001").await.unwrap();
    let apt = store
        .create_apartment(
            &operator,
            b,
            ApartmentInput {
                number: Some("1".into()),
                ..Default::default()
            },
            Some(ResidentInput {
                first_name: Some("Res".into()),
                last_name: Some("One".into()),
                ..Default::default()
            }),
            Some(monitor("0C1105000001")),
        )
        .await
        .unwrap()
        .apartment
        .id;
    let pm = property_manager(
        &store,
        &operator,
        basic,
        "pat@pm.example",
        PmPermissions::default(),
    )
    .await;

    // "Only Public Area": public doors only, and no face.
    let err = store
        .create_credential(&pm, basic, card(apt, "123"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::PermissionDenied(_)), "{err}");
    assert!(err.to_string().contains("Only Public Area"), "{err}");
    let face = CredentialInput {
        method: Method::Face,
        face_photo: Some(png(480, 640)),
        doors: Doors::PublicArea,
        ..pin(apt, Holder::Resident, "")
    };
    let err = store.create_credential(&pm, basic, face).await.unwrap_err();
    assert!(
        err.to_string().contains("personal authentications"),
        "{err}"
    );
    let public_card = store
        .create_credential(
            &pm,
            basic,
            CredentialInput {
                doors: Doors::PublicArea,
                ..card(apt, "123")
            },
        )
        .await
        .unwrap();
    assert_eq!(public_card.issued_by, "pat@pm.example");
    // The installer's credential for the private area is not the manager's to withdraw.
    let private = store
        .create_credential(&operator, basic, pin(apt, Holder::Resident, "2580"))
        .await
        .unwrap();
    let err = store.delete_credential(&pm, private.id).await.unwrap_err();
    assert!(matches!(err, StoreError::PermissionDenied(_)), "{err}");
    store.delete_credential(&pm, public_card.id).await.unwrap();

    // Basic: the residents' switches are not the manager's.
    let err = store
        .set_resident_features(&pm, basic, ResidentFeatures::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("feature plan is Basic"), "{err}");
    // Premium lets it, until the plan expires.
    let pm2 = property_manager(
        &store,
        &operator,
        public_only,
        "kim@pm.example",
        PmPermissions::default(),
    )
    .await;
    store
        .set_resident_features(&pm2, public_only, ResidentFeatures::default())
        .await
        .unwrap();
    store
        .update_community(
            &operator,
            public_only,
            CommunitySettings {
                feature_plan_expires_at_ms: Some(Some(store.now_ms() + DAY)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    clock.advance_ms(DAY);
    let err = store
        .set_resident_features(&pm2, public_only, ResidentFeatures::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("has expired"), "{err}");
    // Neither manager reaches the other's community.
    assert!(matches!(
        store.credential(&pm2, private.id),
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn doors_follow_scope_and_relay_unlock_methods() {
    let (store, operator, _clock) = common::operator_store().await;
    let elm = common::community(&store, &operator, "Elm").await;
    let ba = common::building(&store, &operator, elm, "A").await;
    let bb = common::building(&store, &operator, elm, "B").await;
    let a1 = common::resident_apartment(&store, &operator, ba, "101").await;
    let a2 = common::resident_apartment(&store, &operator, ba, "102").await;
    let gate = common::device(
        &store,
        &operator,
        ScopeRequest::Public {
            community_id: elm,
            buildings: vec![],
        },
        0,
        "0C1100000001",
    )
    .await;
    let b_gate = common::device(
        &store,
        &operator,
        ScopeRequest::Public {
            community_id: elm,
            buildings: vec![bb],
        },
        0,
        "0C1100000002",
    )
    .await;
    let lobby = common::device(
        &store,
        &operator,
        ScopeRequest::Building { building_id: ba },
        0,
        "0C1100000003",
    )
    .await;
    let villa = common::device(
        &store,
        &operator,
        ScopeRequest::Apartment { apartment_id: a2 },
        1,
        "0C1100000004",
    )
    .await;
    let monitor = common::device(
        &store,
        &operator,
        ScopeRequest::Apartment { apartment_id: a1 },
        2,
        "0C1100000005",
    )
    .await;

    let all = store
        .create_credential(&operator, elm, pin(a1, Holder::Resident, "2580"))
        .await
        .unwrap();
    let public = store
        .create_credential(
            &operator,
            elm,
            CredentialInput {
                doors: Doors::PublicArea,
                ..card(a1, "99")
            },
        )
        .await
        .unwrap();
    let opened = |c, d| store.read(|dir| relays_opened(dir, c, d));
    assert_eq!(opened(&all, &gate), [1]);
    assert_eq!(opened(&all, &lobby), [1]);
    assert!(opened(&all, &b_gate).is_empty(), "serves building B only");
    assert!(opened(&all, &villa).is_empty(), "another apartment's door");
    assert!(
        opened(&all, &monitor).is_empty(),
        "an indoor monitor checks nothing"
    );
    assert_eq!(opened(&public, &gate), [1]);
    assert!(opened(&public, &lobby).is_empty());

    // A chosen door must be one the apartment reaches.
    let err = store
        .create_credential(
            &operator,
            elm,
            CredentialInput {
                doors: Doors::Chosen(vec![DoorChoice {
                    device_id: villa.id,
                    relays: vec![],
                }]),
                ..pin(a1, Holder::FamilyMember(0), "1357")
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(_)),
        "no such family member: {err}"
    );
    let err = store
        .create_credential(
            &operator,
            elm,
            CredentialInput {
                doors: Doors::Chosen(vec![DoorChoice {
                    device_id: villa.id,
                    relays: vec![],
                }]),
                ..card(a1, "100")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "doors", "{err}");

    // A relay that does not take PINs is not opened by one.
    let mut relay = lobby.relays[0].clone();
    relay
        .unlock_methods
        .retain(|m| *m != porter_store::model::UnlockMethod::Pin);
    let lobby = store
        .update_device(
            &operator,
            lobby.id,
            porter_store::model::DeviceInput {
                relays: Some(vec![relay]),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .device;
    assert!(opened(&all, &lobby).is_empty());
}

#[tokio::test]
async fn resets_move_outs_and_deletions_take_the_credentials_along() {
    let (store, operator, _clock) = common::operator_store().await;
    let elm = common::community(&store, &operator, "Elm").await;
    let b = common::building(&store, &operator, elm, "A").await;
    let a1 = common::resident_apartment(&store, &operator, b, "101").await;
    let a2 = common::resident_apartment(&store, &operator, b, "102").await;
    let member = store
        .add_family_member(
            &operator,
            a1,
            FamilyMemberInput {
                first_name: Some("Kid".into()),
                last_name: Some("One".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let count = |apartment| {
        store
            .list_credentials(
                &operator,
                elm,
                &CredentialFilter {
                    apartment_id: Some(apartment),
                    include_spent: true,
                    ..Default::default()
                },
                PageRequest::new(1, 100),
            )
            .unwrap()
            .total
    };
    store
        .create_credential(&operator, elm, pin(a1, Holder::Resident, "1111"))
        .await
        .unwrap();
    store
        .create_credential(
            &operator,
            elm,
            pin(a1, Holder::FamilyMember(member.id), "2222"),
        )
        .await
        .unwrap();
    store
        .create_credential(&operator, elm, key(Some(a1), KeyFormat::Qr, store.now_ms()))
        .await
        .unwrap();
    store
        .create_credential(&operator, elm, pin(a2, Holder::Resident, "3333"))
        .await
        .unwrap();
    assert_eq!(count(a1), 3);

    // Renamed, the member's PIN goes out again under the new name.
    let before = store.read(|d| d.credentials().version(elm));
    store
        .update_family_member(
            &operator,
            member.id,
            FamilyMemberInput {
                first_name: Some("Kit".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let renamed: Vec<_> = store.read(|d| {
        d.credentials()
            .changed_since(elm, before)
            .map(|c| porter_store::ops::credentials::holder_name(d, c))
            .collect()
    });
    assert_eq!(renamed, ["Kit One"]);
    store
        .delete_family_member(&operator, member.id)
        .await
        .unwrap();
    assert_eq!(count(a1), 2);
    store.reset_apartment(&operator, a1).await.unwrap();
    assert_eq!(count(a1), 0);
    // The reset freed the code.
    store
        .create_credential(&operator, elm, pin(a1, Holder::Resident, "2222"))
        .await
        .unwrap();

    store.move_out_resident(&operator, a2).await.unwrap();
    assert_eq!(count(a2), 0);
    let err = store
        .create_credential(&operator, elm, pin(a2, Holder::Resident, "3333"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no resident"), "{err}");

    store.delete_apartment(&operator, a1).await.unwrap();
    let left = store
        .list_credentials(
            &operator,
            elm,
            &CredentialFilter::default(),
            PageRequest::new(1, 100),
        )
        .unwrap();
    assert_eq!(left.total, 0);
    // The log remembers each removal for the door phones that still hold them.
    let log = store.read(|d| d.credentials().log(elm).cloned()).unwrap();
    assert_eq!(log.removed.len(), 5);
    assert_eq!(log.version, store.read(|d| d.credentials().version(elm)));
}

#[tokio::test]
async fn door_phones_get_deltas_or_their_whole_list() {
    use porter_store::ops::credential_sync::SyncNeed;
    let (store, operator, _clock) = common::operator_store().await;
    let elm = common::community(&store, &operator, "Elm").await;
    let b = common::building(&store, &operator, elm, "A").await;
    let a1 = common::resident_apartment(&store, &operator, b, "101").await;
    let gate = common::device(
        &store,
        &operator,
        ScopeRequest::Public {
            community_id: elm,
            buildings: vec![],
        },
        0,
        "0C1100000001",
    )
    .await;
    let monitor = common::device(
        &store,
        &operator,
        ScopeRequest::Apartment { apartment_id: a1 },
        2,
        "0C1100000002",
    )
    .await;
    assert_eq!(
        store.credential_need(monitor.id, (0, 0), 10),
        None,
        "a monitor checks nothing"
    );
    assert_eq!(
        store.credential_need(gate.id, (0, 0), 10),
        Some(SyncNeed::Full)
    );

    let mut ids = Vec::new();
    for n in 0..5 {
        let c = store
            .create_credential(&operator, elm, card(a1, &format!("{}", 100 + n)))
            .await
            .unwrap();
        ids.push(c.id);
    }
    // The whole list in pages of two.
    let first = store.credential_page(gate.id, 0, 2).unwrap();
    assert_eq!((first.upserts.len(), first.next_after), (2, Some(ids[1])));
    let last = store.credential_page(gate.id, ids[3], 2).unwrap();
    assert_eq!((last.upserts.len(), last.next_after), (1, None));
    let held = (first.list, first.version);
    assert_eq!(
        store.credential_need(gate.id, held, 10),
        Some(SyncNeed::Current)
    );

    // A change and a withdrawal: a delta with both.
    store.delete_credential(&operator, ids[0]).await.unwrap();
    store
        .create_credential(&operator, elm, pin(a1, Holder::Resident, "2580"))
        .await
        .unwrap();
    let Some(SyncNeed::Delta(delta)) = store.credential_need(gate.id, held, 10) else {
        panic!("a delta");
    };
    assert_eq!((delta.from_version, delta.version), (5, 7));
    assert_eq!(delta.removed, [ids[0]]);
    assert_eq!(delta.upserts[0].value, "2580");
    assert_eq!(delta.upserts[0].holder, "Res 101");
    // Too many changes for one delta: the whole list.
    assert_eq!(
        store.credential_need(gate.id, (first.list, 1), 1),
        Some(SyncNeed::Full)
    );

    // The apartment renumbered: its credentials go out again with the new number.
    let now_held = (delta.list, delta.version);
    store
        .update_apartment(
            &operator,
            a1,
            ApartmentInput {
                number: Some("111".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let Some(SyncNeed::Delta(renamed)) = store.credential_need(gate.id, now_held, 10) else {
        panic!("a delta");
    };
    // All five (four cards and the PIN) share the write's version.
    assert_eq!(renamed.upserts.len(), 5);
    assert!(renamed.upserts.iter().all(|c| c.apartment == "111"));
    // The door's relays changed: what it holds is another list.
    let mut relay = gate.relays[0].clone();
    relay
        .unlock_methods
        .retain(|m| *m != porter_store::model::UnlockMethod::RfCard);
    store
        .update_device(
            &operator,
            gate.id,
            porter_store::model::DeviceInput {
                relays: Some(vec![relay]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let held = (renamed.list, renamed.version);
    assert_eq!(
        store.credential_need(gate.id, held, 10),
        Some(SyncNeed::Full)
    );
    let whole = store.credential_page(gate.id, 0, 100).unwrap();
    assert_eq!(whole.upserts.len(), 1, "cards no longer open its relay");
}
