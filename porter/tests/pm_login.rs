//! A property manager logs in through the admin API like an installer (same form, same
//! throttling), sees who it is and its communities, changes its own password, and is
//! refused the installer's work by PERMISSION_DENIED naming the rule.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, assert_status};
use porter_proto::admin::v1 as pb;
use tonic::Code;

#[tokio::test]
async fn a_property_manager_logs_in_and_works_in_its_communities_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let north = admin
        .create_community("North", pb::FeaturePlan::Premium)
        .await;
    let south = admin
        .create_community("South", pb::FeaturePlan::Premium)
        .await;
    let created = admin
        .pm()
        .create_property_manager(pb::CreatePropertyManagerRequest {
            first_name: "Luna".into(),
            last_name: "Zheng".into(),
            email: "luna@example.com".into(),
            monthly_password_reminder: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let luna = created.property_manager.unwrap();
    let rights = pb::PropertyManagerPermissions {
        log_access: true,
        ..Default::default()
    };
    admin
        .pm()
        .assign_property_manager(pb::AssignPropertyManagerRequest {
            community_id: north.id,
            property_manager_id: luna.id,
            permissions: Some(rights),
        })
        .await
        .unwrap();

    // A wrong password: the installers' refusal, and it counts against the same budget.
    assert_status(
        server.try_login("luna@example.com", "wrong-password").await,
        Code::Unauthenticated,
        "invalid username or password",
    );
    let pm = server
        .login("LUNA@example.com", &created.generated_password)
        .await;
    assert_eq!(pm.account.role, pb::AccountRole::PropertyManager as i32);
    assert_eq!(pm.account.name, "Luna Zheng");
    assert_eq!(pm.account.username, "luna@example.com");
    assert!(!pm.account.password_reminder_due, "a new password");
    let managed: Vec<_> = pm
        .account
        .managed_communities
        .iter()
        .map(|a| (a.community_id, a.community_name.as_str(), a.permissions))
        .collect();
    assert_eq!(managed, [(north.id, "North", Some(rights))]);
    let who = pm.auth().who_am_i(pb::Empty {}).await.unwrap().into_inner();
    assert_eq!(who.id, luna.id);
    assert_eq!(who.managed_communities.len(), 1);

    // Its communities only.
    let seen = pm
        .community()
        .list_communities(pb::ListCommunitiesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .communities;
    assert_eq!(seen.iter().map(|c| c.id).collect::<Vec<_>>(), [north.id]);
    assert_status(
        pm.community()
            .get_community(pb::GetCommunityRequest { id: south.id })
            .await,
        Code::NotFound,
        "community",
    );
    // The installer's work, refused naming the rule.
    assert_status(
        pm.community()
            .delete_community(pb::DeleteCommunityRequest { id: north.id })
            .await,
        Code::PermissionDenied,
        "a property manager may not",
    );
    assert_status(
        pm.pm()
            .reset_property_manager_app_password(pb::PropertyManagerRef { id: luna.id })
            .await,
        Code::PermissionDenied,
        "a property manager may not manage property managers",
    );

    // The app password: only once the app is enabled somewhere.
    assert_status(
        admin
            .pm()
            .reset_property_manager_app_password(pb::PropertyManagerRef { id: luna.id })
            .await,
        Code::FailedPrecondition,
        "enable App first",
    );
    let with_app = pb::PropertyManagerPermissions {
        app_enabled: true,
        ..rights
    };
    admin
        .pm()
        .assign_property_manager(pb::AssignPropertyManagerRequest {
            community_id: north.id,
            property_manager_id: luna.id,
            permissions: Some(with_app),
        })
        .await
        .unwrap();
    let app = admin
        .pm()
        .reset_property_manager_app_password(pb::PropertyManagerRef { id: luna.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(app.generated_password.len(), 16);
    let listed = admin
        .pm()
        .list_property_managers(pb::Empty {})
        .await
        .unwrap()
        .into_inner()
        .property_managers;
    assert!(listed.iter().any(|p| p.id == luna.id && p.app_password_set));

    // Its own password; the old one stops working, the session it was changed in stays.
    pm.auth()
        .change_password(pb::ChangePasswordRequest {
            old_password: created.generated_password.clone(),
            new_password: "luna-new-password".into(),
        })
        .await
        .unwrap();
    assert!(pm.auth().who_am_i(pb::Empty {}).await.is_ok());
    assert_status(
        server
            .try_login("luna@example.com", &created.generated_password)
            .await,
        Code::Unauthenticated,
        "invalid",
    );
    server.login("luna@example.com", "luna-new-password").await;

    // The installer resets its password: its sessions end at once.
    admin
        .pm()
        .reset_property_manager_password(pb::PropertyManagerRef { id: luna.id })
        .await
        .unwrap();
    assert_status(
        pm.auth().who_am_i(pb::Empty {}).await,
        Code::Unauthenticated,
        "log in again",
    );
    server.stop().await;
}
