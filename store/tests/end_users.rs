//! End users' app accounts: the invitation an apartment write sends, the password it sets
//! once, login turning App Status to Registered, the app token that opens nothing of the
//! installers' API, forgot password, and the reset, move-out and member removal that end
//! their sessions at once.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::model::{AppStatus, FamilyMemberInput};
use porter_store::outbox::MailContent;
use porter_store::{Actor, Store, StoreError};

/// The token of the newest link mailed to `to` (invitation or reset).
async fn mailed_token(store: &Store, operator: &Actor, to: &str) -> String {
    store
        .outbox_page(operator, 0, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to == to)
        .find_map(|m| match m.content {
            MailContent::AccountInvitation { token, .. } | MailContent::PasswordReset { token } => {
                Some(token)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no link mailed to {to}"))
}

fn status(store: &Store, actor: &Actor, apartment: u64) -> AppStatus {
    store
        .apartment(actor, apartment)
        .unwrap()
        .apartment
        .resident
        .unwrap()
        .app_status
}

#[tokio::test]
async fn an_invited_resident_sets_a_password_logs_in_and_loses_access_at_reset() {
    let (store, operator, _clock) = common::operator_store().await;
    let community = common::community(&store, &operator, "Luna").await;
    let b1 = common::building(&store, &operator, community, "B1").await;
    let apartment = common::lily_apartment(&store, &operator, b1, "101", "Lily@Example.com").await;
    let invitation = mailed_token(&store, &operator, "Lily@Example.com").await;
    assert!(invitation.len() >= 32);

    // Nobody can log in before a password is set, and a short one is refused.
    let err = store.end_user_login("lily@example.com", "", 60_000).await;
    assert!(matches!(err, Err(StoreError::Unauthenticated(_))));
    let err = store.set_end_user_password(&invitation, "short").await;
    assert!(matches!(err, Err(StoreError::Invalid { ref field, .. }) if field == "password"));
    store
        .set_end_user_password(&invitation, "resident-pw-1")
        .await
        .unwrap();
    let used = store
        .set_end_user_password(&invitation, "resident-pw-2")
        .await;
    assert!(matches!(used, Err(StoreError::Invalid { ref field, .. }) if field == "token"));
    assert_eq!(
        status(&store, &operator, apartment),
        AppStatus::Unregistered
    );

    let wrong = store
        .end_user_login("lily@example.com", "resident-pw-2", 60_000)
        .await;
    assert!(matches!(wrong, Err(StoreError::Unauthenticated(_))));
    let (token, _) = store
        .end_user_login("LILY@example.com", "resident-pw-1", 60_000)
        .await
        .unwrap();
    assert_eq!(status(&store, &operator, apartment), AppStatus::Registered);
    let me = store.authenticate_end_user(&token).unwrap();
    let home = store.end_user_home(me).unwrap();
    assert_eq!(
        (
            home.apartment.number.as_str(),
            home.building.as_str(),
            home.family_master
        ),
        ("101", "B1", true)
    );
    // The app token opens nothing of the installers' API, and theirs nothing of the app's.
    assert!(matches!(
        store.authenticate(&token),
        Err(StoreError::Unauthenticated(_))
    ));
    let staff = store
        .login("admin", "password-1", 60_000)
        .await
        .unwrap()
        .token;
    assert!(store.authenticate_end_user(&staff).is_err());

    // Forgot password: a reset link; the new password ends the sessions of the old one.
    store
        .forgot_end_user_password("nobody@example.com")
        .await
        .unwrap();
    store
        .forgot_end_user_password("lily@example.com")
        .await
        .unwrap();
    let reset = mailed_token(&store, &operator, "Lily@Example.com").await;
    assert_ne!(reset, invitation);
    store
        .set_end_user_password(&reset, "resident-pw-3")
        .await
        .unwrap();
    assert!(store.authenticate_end_user(&token).is_err());
    let (token, _) = store
        .end_user_login("lily@example.com", "resident-pw-3", 60_000)
        .await
        .unwrap();

    // Reset of the apartment: the app is unregistered and its session gone at once.
    store.reset_apartment(&operator, apartment).await.unwrap();
    assert!(store.authenticate_end_user(&token).is_err());
    assert_eq!(
        status(&store, &operator, apartment),
        AppStatus::Unregistered
    );
    let again = store
        .end_user_login("lily@example.com", "resident-pw-3", 60_000)
        .await;
    assert!(again.is_err());
}

#[tokio::test]
async fn a_family_member_is_invited_and_removed_with_their_sessions() {
    let (store, operator, _clock) = common::operator_store().await;
    let community = common::community(&store, &operator, "Luna").await;
    let b1 = common::building(&store, &operator, community, "B1").await;
    let apartment = common::resident_apartment(&store, &operator, b1, "102").await;
    let member = store
        .add_family_member(
            &operator,
            apartment,
            FamilyMemberInput {
                first_name: Some("Max".into()),
                last_name: Some("Zheng".into()),
                email: Some("max@example.com".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let token = mailed_token(&store, &operator, "max@example.com").await;
    store
        .set_end_user_password(&token, "member-pw-1")
        .await
        .unwrap();
    let (app, _) = store
        .end_user_login("max@example.com", "member-pw-1", 60_000)
        .await
        .unwrap();
    let me = store.authenticate_end_user(&app).unwrap();
    let home = store.end_user_home(me).unwrap();
    assert!(!home.family_master);
    assert_eq!(home.name, "Max Zheng");
    store
        .delete_family_member(&operator, member.id)
        .await
        .unwrap();
    assert!(store.authenticate_end_user(&app).is_err());
}
