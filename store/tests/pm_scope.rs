//! A property manager's login and scope: only its assigned communities exist for it, an
//! unassignment or deletion takes effect on its next request, and a wrong password, an
//! unknown email or another installer's community get nothing.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::model::{
    ApartmentInput, FamilyMemberInput, PmPermissions, PropertyManagerInput, ResidentInput, Role,
};
use porter_store::{CommunitySort, PageRequest, StoreError};

const TTL_MS: i64 = 3_600_000;

#[tokio::test]
async fn a_property_manager_sees_only_its_communities() {
    let (store, operator, _clock) = common::operator_store().await;
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    let elm = common::community(&store, &installer, "Elm").await;
    let ash = common::community(&store, &installer, "Ash").await;
    let ash_b = common::building(&store, &installer, ash, "A").await;
    let ash_apt = common::apartment(&store, &installer, ash_b, "7").await;
    let made = store
        .create_property_manager(
            &installer,
            PropertyManagerInput {
                first_name: Some("Pat".into()),
                last_name: Some("Lee".into()),
                email: Some("pat@pm.example".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let pm = made.property_manager.id;
    let rights = PmPermissions {
        log_access: true,
        ..Default::default()
    };
    store
        .assign_property_manager(&installer, elm, pm, rights)
        .await
        .unwrap();

    // Wrong password, unknown email: the same refusal.
    for (email, pw) in [
        ("pat@pm.example", "wrong-password"),
        ("nobody@pm.example", "x"),
    ] {
        let err = store.login(email, pw, TTL_MS).await.unwrap_err();
        assert!(matches!(err, StoreError::Unauthenticated(_)), "{err}");
    }
    let login = store
        .login("PAT@pm.example", &made.generated_password, TTL_MS)
        .await
        .unwrap();
    let actor = store.authenticate(&login.token).unwrap();
    assert_eq!(actor.role, Role::PropertyManager);
    assert_eq!(actor.installer_id, installer.installer_id);
    assert_eq!(actor.managed.as_ref().unwrap().get(&elm), Some(&rights));

    let seen: Vec<_> = store
        .list_communities(&actor, CommunitySort::NameAsc)
        .into_iter()
        .map(|c| c.community.id)
        .collect();
    assert_eq!(seen, vec![elm]);
    assert!(store.community(&actor, elm).is_ok());
    // The unassigned community, its buildings and apartments do not exist for it.
    assert!(matches!(
        store.community(&actor, ash),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.list_buildings(&actor, ash),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.apartment(&actor, ash_apt),
        Err(StoreError::NotFound(_))
    ));
    // The installer's own business refuses it, naming the rule, and changes nothing.
    let err = store.delete_property_manager(&actor, pm).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::PermissionDenied(m) if m.contains("property manager may not")),
        "{err}"
    );
    assert!(store.list_property_managers(&actor).is_empty());
    assert!(matches!(
        store.delete_community(&actor, elm).await,
        Err(StoreError::PermissionDenied(_))
    ));
    assert!(store.community(&installer, elm).is_ok());
    assert_eq!(store.list_property_managers(&installer).len(), 1);
    assert!(matches!(
        store.create_building(&actor, elm, "Tower").await,
        Err(StoreError::PermissionDenied(_))
    ));
    assert!(store.list_buildings(&installer, elm).unwrap().is_empty());
    assert_eq!(
        store.list_macs(&actor, "", PageRequest::new(1, 10)).total,
        0
    );
    assert!(store.audit_page(&actor, 0, 10).await.is_err());
    // Log Access Control: granted in Elm, so its door log reads; taken away, refused.
    let filter = porter_store::events::EventFilter::default();
    assert!(store.list_events(&actor, elm, &filter, 0, 10).await.is_ok());
    store
        .assign_property_manager(&installer, elm, pm, PmPermissions::default())
        .await
        .unwrap();
    let actor = store.authenticate(&login.token).unwrap();
    let err = store
        .list_events(&actor, elm, &filter, 0, 10)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::PermissionDenied(m) if m.contains("Log Access Control")),
        "{err}"
    );

    // Residents are its business, deleting their accounts only with Delete Account
    // Permission; adding or deleting apartments is the installer's.
    assert!(matches!(
        store.delete_apartment(&actor, ash_apt).await,
        Err(StoreError::PermissionDenied(_) | StoreError::NotFound(_))
    ));
    let elm_b = common::building(&store, &installer, elm, "E").await;
    let elm_apt = store
        .create_apartment(
            &installer,
            elm_b,
            ApartmentInput {
                number: Some("1".into()),
                ..Default::default()
            },
            Some(ResidentInput {
                first_name: Some("Ann".into()),
                last_name: Some("Lee".into()),
                ..Default::default()
            }),
            None,
        )
        .await
        .unwrap()
        .apartment
        .id;
    assert!(matches!(
        store.delete_apartment(&actor, elm_apt).await,
        Err(StoreError::PermissionDenied(_))
    ));
    let member = store
        .add_family_member(
            &actor,
            elm_apt,
            FamilyMemberInput {
                first_name: Some("Kim".into()),
                last_name: Some("Lee".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let err = store
        .delete_family_member(&actor, member.id)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::PermissionDenied(m) if m.contains("Delete Account Permission")),
        "{err}"
    );
    assert_eq!(
        store
            .apartment(&installer, elm_apt)
            .unwrap()
            .apartment
            .family
            .len(),
        1
    );

    // Unassigned: the same token now sees nothing.
    store
        .unassign_property_manager(&installer, elm, pm)
        .await
        .unwrap();
    let actor = store.authenticate(&login.token).unwrap();
    assert!(
        store
            .list_communities(&actor, CommunitySort::NameAsc)
            .is_empty()
    );
    assert!(matches!(
        store.community(&actor, elm),
        Err(StoreError::NotFound(_))
    ));

    // Deleted: the token is refused.
    store.delete_property_manager(&installer, pm).await.unwrap();
    assert!(matches!(
        store.authenticate(&login.token),
        Err(StoreError::Unauthenticated(_))
    ));
}
