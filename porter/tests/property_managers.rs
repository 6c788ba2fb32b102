//! Property manager accounts and their community assignments, through the admin API.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, assert_status};
use porter_proto::admin::v1 as pb;
use tonic::Code;

#[tokio::test]
async fn property_managers_are_created_assigned_and_listed_with_communities() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c1 = admin
        .create_community("North", pb::FeaturePlan::Premium)
        .await;
    let c2 = admin
        .create_community("South", pb::FeaturePlan::Basic)
        .await;
    let mut svc = admin.pm();

    let created = svc
        .create_property_manager(pb::CreatePropertyManagerRequest {
            first_name: "Luna".into(),
            last_name: "Zheng".into(),
            email: "luna@example.com".into(),
            language: pb::Language::Spanish as i32,
            monthly_password_reminder: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.generated_password.len(), 16);
    let luna = created.property_manager.unwrap();
    assert_eq!(luna.app_username.len(), 10, "{}", luna.app_username);
    assert!(luna.monthly_password_reminder);

    for (req, code, field) in [
        (
            pb::CreatePropertyManagerRequest {
                first_name: "X".into(),
                last_name: "Y".into(),
                email: "LUNA@example.com".into(),
                ..Default::default()
            },
            Code::AlreadyExists,
            "email",
        ),
        (
            pb::CreatePropertyManagerRequest {
                first_name: "X".into(),
                last_name: "Y".into(),
                email: "nope".into(),
                ..Default::default()
            },
            Code::InvalidArgument,
            "email",
        ),
        (
            pb::CreatePropertyManagerRequest {
                first_name: String::new(),
                last_name: "Y".into(),
                email: "x@example.com".into(),
                ..Default::default()
            },
            Code::InvalidArgument,
            "first_name",
        ),
    ] {
        assert_status(svc.create_property_manager(req).await, code, field);
    }

    let ryan = svc
        .create_property_manager(pb::CreatePropertyManagerRequest {
            first_name: "Ryan".into(),
            last_name: "Chen".into(),
            email: "ryan@example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .property_manager
        .unwrap();

    let perms = |app, del, log| {
        Some(pb::PropertyManagerPermissions {
            app_enabled: app,
            delete_accounts: del,
            log_access: log,
        })
    };
    let assigned = svc
        .assign_property_manager(pb::AssignPropertyManagerRequest {
            community_id: c1.id,
            property_manager_id: luna.id,
            permissions: perms(true, false, true),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(assigned.assignments.len(), 1);
    assert_eq!(assigned.assignments[0].community_name, "North");
    for c in [c1.id, c2.id] {
        svc.assign_property_manager(pb::AssignPropertyManagerRequest {
            community_id: c,
            property_manager_id: ryan.id,
            permissions: perms(false, false, false),
        })
        .await
        .unwrap();
    }
    // Changing permissions keeps one assignment.
    let changed = svc
        .assign_property_manager(pb::AssignPropertyManagerRequest {
            community_id: c1.id,
            property_manager_id: luna.id,
            permissions: perms(true, true, false),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(changed.assignments.len(), 1);
    assert!(changed.assignments[0].permissions.unwrap().delete_accounts);

    let list = admin
        .community()
        .list_communities(pb::ListCommunitiesRequest::default())
        .await
        .unwrap()
        .into_inner();
    let north = list.communities.iter().find(|c| c.id == c1.id).unwrap();
    assert_eq!(north.property_managers, ["Luna Zheng", "Ryan Chen"]);
    let south = list.communities.iter().find(|c| c.id == c2.id).unwrap();
    assert_eq!(south.property_managers, ["Ryan Chen"]);

    // Edit and reset password.
    let edited = svc
        .update_property_manager(pb::UpdatePropertyManagerRequest {
            id: luna.id,
            last_name: Some("Li".into()),
            monthly_password_reminder: Some(false),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (edited.last_name.as_str(), edited.monthly_password_reminder),
        ("Li", false)
    );
    let reset = svc
        .reset_property_manager_password(pb::PropertyManagerRef { id: luna.id })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(reset.generated_password, created.generated_password);

    // Another installer cannot see or use them.
    let bob = server.other_installer(&admin, "bob").await;
    let bob_c = bob
        .create_community("Bob's", pb::FeaturePlan::Premium)
        .await;
    assert!(
        bob.pm()
            .list_property_managers(pb::Empty {})
            .await
            .unwrap()
            .into_inner()
            .property_managers
            .is_empty()
    );
    assert_status(
        bob.pm()
            .assign_property_manager(pb::AssignPropertyManagerRequest {
                community_id: bob_c.id,
                property_manager_id: luna.id,
                permissions: None,
            })
            .await,
        Code::NotFound,
        "property manager",
    );
    assert_status(
        svc.assign_property_manager(pb::AssignPropertyManagerRequest {
            community_id: bob_c.id,
            property_manager_id: luna.id,
            permissions: None,
        })
        .await,
        Code::NotFound,
        "community",
    );
    assert_status(
        bob.pm()
            .delete_property_manager(pb::PropertyManagerRef { id: luna.id })
            .await,
        Code::NotFound,
        "property manager",
    );

    // Unassign; deleting a community drops its assignments; delete a manager.
    let ryan_now = svc
        .unassign_property_manager(pb::UnassignPropertyManagerRequest {
            community_id: c2.id,
            property_manager_id: ryan.id,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ryan_now.assignments.len(), 1);
    admin
        .community()
        .delete_community(pb::DeleteCommunityRequest { id: c1.id })
        .await
        .unwrap();
    let all = svc
        .list_property_managers(pb::Empty {})
        .await
        .unwrap()
        .into_inner()
        .property_managers;
    assert!(all.iter().all(|p| p.assignments.is_empty()), "{all:?}");
    svc.delete_property_manager(pb::PropertyManagerRef { id: luna.id })
        .await
        .unwrap();
    let all = svc
        .list_property_managers(pb::Empty {})
        .await
        .unwrap()
        .into_inner()
        .property_managers;
    assert_eq!(all.iter().map(|p| p.id).collect::<Vec<_>>(), [ryan.id]);
    // The email is free again.
    svc.create_property_manager(pb::CreatePropertyManagerRequest {
        first_name: "Luna".into(),
        last_name: "Zheng".into(),
        email: "luna@example.com".into(),
        ..Default::default()
    })
    .await
    .unwrap();
}
