//! A property manager's own account: one login form with the installers' accounts (so an
//! email and a username never name two holders), the monthly password reminder, its own
//! password, and the installer's resets of its login and app passwords.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::model::{
    PASSWORD_REMINDER_INTERVAL_MS, PmPermissions, PropertyManagerInput, Role,
};
use porter_store::{AccountInput, Principal, StoreError};

const TTL_MS: i64 = 365 * 24 * 3_600_000;

#[tokio::test]
async fn usernames_and_property_manager_emails_are_one_namespace() {
    let (store, operator, _clock) = common::operator_store().await;
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    // An installer account named like an email: no property manager may take that email.
    store
        .create_installer(
            &operator,
            AccountInput {
                username: "sam@site.example".into(),
                password: Some("password-3".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let err = store
        .create_property_manager(
            &installer,
            PropertyManagerInput {
                first_name: Some("A".into()),
                last_name: Some("B".into()),
                email: Some("SAM@site.example".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already taken"), "{err}");

    // A property manager's email: no account may take it as a username.
    common::new_property_manager(&store, &installer, "pat@pm.example", false).await;
    let err = store
        .create_installer(
            &operator,
            AccountInput {
                username: "Pat@PM.example".into(),
                password: Some("password-4".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err}");
}

#[tokio::test]
async fn the_monthly_reminder_comes_once_a_month_until_the_password_changes() {
    let (store, operator, clock) = common::operator_store().await;
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    let (_, pw) = common::new_property_manager(&store, &installer, "pat@pm.example", true).await;
    let (_, quiet_pw) =
        common::new_property_manager(&store, &installer, "quiet@pm.example", false).await;

    let first = store.login("pat@pm.example", &pw, TTL_MS).await.unwrap();
    assert!(
        !first.password_reminder_due,
        "a new password is not a month old"
    );
    assert!(matches!(first.principal, Principal::PropertyManager(_)));

    clock.advance_ms(PASSWORD_REMINDER_INTERVAL_MS);
    let due = store.login("pat@pm.example", &pw, TTL_MS).await.unwrap();
    assert!(due.password_reminder_due);
    // Put off: the next logins of the month stay quiet; a month later it comes back.
    let again = store.login("pat@pm.example", &pw, TTL_MS).await.unwrap();
    assert!(!again.password_reminder_due);
    clock.advance_ms(PASSWORD_REMINDER_INTERVAL_MS - 1);
    assert!(
        !store
            .login("pat@pm.example", &pw, TTL_MS)
            .await
            .unwrap()
            .password_reminder_due
    );
    clock.advance_ms(1);
    assert!(
        store
            .login("pat@pm.example", &pw, TTL_MS)
            .await
            .unwrap()
            .password_reminder_due
    );
    // Without the reminder switched on, never.
    assert!(
        !store
            .login("quiet@pm.example", &quiet_pw, TTL_MS)
            .await
            .unwrap()
            .password_reminder_due
    );

    // A new password restarts the month.
    let actor = store.authenticate(&again.token).unwrap();
    store
        .change_password(&actor, &again.token, &pw, "a-new-password-9")
        .await
        .unwrap();
    clock.advance_ms(PASSWORD_REMINDER_INTERVAL_MS - 1);
    assert!(
        !store
            .login("pat@pm.example", "a-new-password-9", TTL_MS)
            .await
            .unwrap()
            .password_reminder_due
    );
}

#[tokio::test]
async fn a_property_manager_changes_its_own_password() {
    let (store, operator, _clock) = common::operator_store().await;
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    let (id, pw) = common::new_property_manager(&store, &installer, "pat@pm.example", false).await;
    let here = store.login("pat@pm.example", &pw, TTL_MS).await.unwrap();
    let elsewhere = store.login("pat@pm.example", &pw, TTL_MS).await.unwrap();
    let actor = store.authenticate(&here.token).unwrap();
    assert_eq!(actor.role, Role::PropertyManager);

    let err = store
        .change_password(&actor, &here.token, "not-it", "a-new-password-9")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("old_password"), "{err}");
    store
        .change_password(&actor, &here.token, &pw, "a-new-password-9")
        .await
        .unwrap();
    // This session stays, the other ends; the old password no longer opens one.
    assert!(store.authenticate(&here.token).is_ok());
    assert!(store.authenticate(&elsewhere.token).is_err());
    assert!(store.login("pat@pm.example", &pw, TTL_MS).await.is_err());
    match store.whoami(&actor).unwrap() {
        Principal::PropertyManager(p) => assert_eq!(p.id, id),
        other => panic!("{other:?}"),
    }
    let trail = store.audit_page(&installer, 0, 50).await.unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "property_manager.password")
    );

    // The installer's Reset Password ends every session of it.
    let new_pw = store
        .reset_property_manager_password(&installer, id)
        .await
        .unwrap();
    assert!(store.authenticate(&here.token).is_err());
    assert!(store.login("pat@pm.example", &new_pw, TTL_MS).await.is_ok());
    // Its time zone is not an installer account's to set.
    let err = store
        .set_time_zone(&actor, "Europe/Berlin", None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::PermissionDenied(_)), "{err}");
}

#[tokio::test]
async fn the_app_password_is_reset_only_where_the_app_is_enabled() {
    let (store, operator, _clock) = common::operator_store().await;
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    let elm = common::community(&store, &installer, "Elm").await;
    let (id, pw) = common::new_property_manager(&store, &installer, "pat@pm.example", false).await;
    let err = store
        .reset_property_manager_app_password(&installer, id)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::FailedPrecondition(_)), "{err}");

    let app = PmPermissions {
        app_enabled: true,
        ..Default::default()
    };
    store
        .assign_property_manager(&installer, elm, id, app)
        .await
        .unwrap();
    let app_pw = store
        .reset_property_manager_app_password(&installer, id)
        .await
        .unwrap();
    assert!(app_pw.len() >= 8);
    // The app password is not a portal login, and the portal login still works.
    assert!(
        store
            .login("pat@pm.example", &app_pw, TTL_MS)
            .await
            .is_err()
    );
    let login = store.login("pat@pm.example", &pw, TTL_MS).await.unwrap();
    let pm = store.authenticate(&login.token).unwrap();
    // A property manager manages no property manager, itself included.
    let err = store
        .reset_property_manager_app_password(&pm, id)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::PermissionDenied(_)), "{err}");
}

/// The token of the newest link of `kind` mailed to `to`.
async fn mailed(
    store: &porter_store::Store,
    operator: &porter_store::Actor,
    to: &str,
    kind: &str,
) -> String {
    use porter_store::outbox::MailContent;
    store
        .outbox_page(operator, 0, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to == to && m.content.kind() == kind)
        .find_map(|m| match m.content {
            MailContent::ManagerAccount { token, .. }
            | MailContent::ManagerPasswordReset { token } => Some(token),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {kind} mailed to {to}"))
}

#[tokio::test]
async fn a_property_manager_sets_its_password_from_the_emailed_links() {
    let (store, operator, clock) = common::operator_store().await;
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    let (id, generated) =
        common::new_property_manager(&store, &installer, "pat@pm.example", false).await;
    let account = mailed(&store, &operator, "pat@pm.example", "manager-account").await;
    let session = store
        .login("pat@pm.example", &generated, TTL_MS)
        .await
        .unwrap();

    let err = store
        .set_manager_password(&account, "short")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
    store
        .set_manager_password(&account, "pat-own-password-1")
        .await
        .unwrap();
    // Single use; the generated password and its sessions are gone.
    let err = store
        .set_manager_password(&account, "pat-own-password-2")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("token"), "{err}");
    assert!(store.authenticate(&session.token).is_err());
    assert!(
        store
            .login("pat@pm.example", &generated, TTL_MS)
            .await
            .is_err()
    );
    store
        .login("PAT@pm.example", "pat-own-password-1", TTL_MS)
        .await
        .unwrap();

    // Forgot password: nothing for an unknown address, a link for Pat; an end user's
    // link-setting call does not take it.
    store
        .forgot_manager_password("nobody@pm.example")
        .await
        .unwrap();
    store
        .forgot_manager_password("pat@pm.example")
        .await
        .unwrap();
    let reset = mailed(
        &store,
        &operator,
        "pat@pm.example",
        "manager-password-reset",
    )
    .await;
    assert!(
        store
            .set_end_user_password(&reset, "pat-own-password-3")
            .await
            .is_err()
    );
    // A newer link replaces it; links expire after 24 hours.
    store
        .reset_property_manager_password(&installer, id)
        .await
        .unwrap();
    let newer = mailed(
        &store,
        &operator,
        "pat@pm.example",
        "manager-password-reset",
    )
    .await;
    assert_ne!(newer, reset);
    assert!(
        store
            .set_manager_password(&reset, "pat-own-password-3")
            .await
            .is_err()
    );
    clock.advance_ms(24 * 3_600_000);
    assert!(
        store
            .set_manager_password(&newer, "pat-own-password-3")
            .await
            .is_err()
    );

    // A deleted property manager's link does nothing.
    store
        .forgot_manager_password("pat@pm.example")
        .await
        .unwrap();
    let last = mailed(
        &store,
        &operator,
        "pat@pm.example",
        "manager-password-reset",
    )
    .await;
    store.delete_property_manager(&installer, id).await.unwrap();
    assert!(
        store
            .set_manager_password(&last, "pat-own-password-4")
            .await
            .is_err()
    );
}
