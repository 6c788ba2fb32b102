//! Two-factor login through the real server: set up with a code computed here from the
//! secret the server gave (totp-rs, RFC 6238), login asks for the code, a code and a
//! recovery code work once, wrong codes are throttled like passwords, turning it off needs
//! the password and a code, and the site operator's "require" lets an account without a
//! second factor do nothing but set one up.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Client, Server};
use porter_proto::admin::v1 as pb;
use porter_proto::admin::v1::auth_service_client::AuthServiceClient;
use tonic::Code;

/// The code the user's app shows now (or `steps_ahead` steps later).
fn code_for(secret_base32: &str, steps_ahead: u64) -> String {
    let secret = totp_rs::Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp.generate(now + steps_ahead * 30)
}

async fn login(
    server: &Server,
    user: &str,
    password: &str,
    code: &str,
) -> Result<pb::LoginResponse, tonic::Status> {
    AuthServiceClient::new(server.channel().await)
        .login(pb::LoginRequest {
            username: user.into(),
            password: password.into(),
            code: code.into(),
        })
        .await
        .map(|r| r.into_inner())
}

/// Sets up two-factor login for `client`; its secret and recovery codes.
async fn enrol(client: &Client) -> (String, Vec<String>) {
    let mut auth = client.auth();
    let e = auth
        .begin_two_factor(pb::Empty {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        e.otpauth_url.starts_with("otpauth://totp/Porter:"),
        "{}",
        e.otpauth_url
    );
    let wrong = auth
        .confirm_two_factor(pb::ConfirmTwoFactorRequest {
            code: "000000".into(),
        })
        .await;
    common::assert_status(wrong, Code::InvalidArgument, "code");
    let codes = auth
        .confirm_two_factor(pb::ConfirmTwoFactorRequest {
            code: code_for(&e.secret, 0),
        })
        .await
        .unwrap()
        .into_inner()
        .codes;
    (e.secret, codes)
}

#[tokio::test]
async fn two_factor_login_from_set_up_to_the_operators_requirement() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &[]).await;
    let admin = server.admin().await;
    admin
        .account()
        .create_installer(pb::CreateInstallerRequest {
            username: "ryan".into(),
            email: "ryan@example.com".into(),
            password: "ryan-password-1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let ryan = server.login("ryan", "ryan-password-1").await;
    let (secret, recovery) = enrol(&ryan).await;
    assert_eq!(recovery.len(), 10);
    let me = ryan
        .auth()
        .who_am_i(pb::Empty {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        me.two_factor_enabled && me.recovery_codes_left == 10,
        "{me:?}"
    );
    // A second set-up while it is on is refused.
    let again = ryan.auth().begin_two_factor(pb::Empty {}).await;
    assert_eq!(again.unwrap_err().code(), Code::FailedPrecondition);

    // Login: the password alone asks for the code and opens nothing.
    let step = login(&server, "ryan", "ryan-password-1", "").await.unwrap();
    assert!(step.code_required && step.token.is_empty(), "{step:?}");
    let wrong = login(&server, "ryan", "ryan-password-1", "123456").await;
    assert_eq!(wrong.unwrap_err().code(), Code::Unauthenticated);
    // The confirming code's step is spent; the next step's code opens a session, once.
    let next = code_for(&secret, 1);
    let ok = login(&server, "ryan", "ryan-password-1", &next)
        .await
        .unwrap();
    assert!(!ok.token.is_empty());
    let replay = login(&server, "ryan", "ryan-password-1", &next).await;
    assert_eq!(replay.unwrap_err().code(), Code::Unauthenticated);
    // A recovery code, typed loosely, works once.
    let typed = recovery[4].to_uppercase().replace('-', " ");
    let rescued = login(&server, "ryan", "ryan-password-1", &typed)
        .await
        .unwrap();
    assert_eq!(rescued.recovery_codes_left, 9);
    let spent = login(&server, "ryan", "ryan-password-1", &recovery[4]).await;
    assert_eq!(spent.unwrap_err().code(), Code::Unauthenticated);

    // Turning it off needs the password and a code.
    let session = Client {
        token: rescued.token,
        ..ryan.clone()
    };
    let bad = session
        .auth()
        .disable_two_factor(pb::DisableTwoFactorRequest {
            password: "not-it".into(),
            code: recovery[0].clone(),
        })
        .await;
    common::assert_status(bad, Code::InvalidArgument, "password");
    session
        .auth()
        .disable_two_factor(pb::DisableTwoFactorRequest {
            password: "ryan-password-1".into(),
            code: recovery[0].clone(),
        })
        .await
        .unwrap();
    let plain = login(&server, "ryan", "ryan-password-1", "").await.unwrap();
    assert!(!plain.code_required && !plain.token.is_empty());

    // Wrong codes are throttled like wrong passwords.
    let (secret, _) = enrol(&Client {
        token: plain.token,
        ..ryan.clone()
    })
    .await;
    let mut throttled = false;
    for _ in 0..10 {
        let r = login(&server, "ryan", "ryan-password-1", "111111").await;
        if r.is_err_and(|s| s.code() == Code::ResourceExhausted) {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "wrong codes were never throttled");
    let locked = login(&server, "ryan", "ryan-password-1", &code_for(&secret, 1)).await;
    assert_eq!(locked.unwrap_err().code(), Code::ResourceExhausted);

    // The operator requires it: an account without one may only set it up.
    let refused = ryan
        .account()
        .set_site_policy(pb::SitePolicy {
            require_two_factor: true,
        })
        .await;
    assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied);
    admin
        .account()
        .set_site_policy(pb::SitePolicy {
            require_two_factor: true,
        })
        .await
        .unwrap();
    let sub = admin
        .account()
        .create_sub_installer(pb::CreateSubInstallerRequest {
            username: "sue".into(),
            password: "sue-password-1".into(),
            ..Default::default()
        })
        .await;
    // The operator has no second factor yet either: refused until it sets one up.
    assert_eq!(sub.unwrap_err().code(), Code::PermissionDenied);
    let fresh = server.login("admin", common::ADMIN_PASSWORD).await;
    assert!(fresh.account.two_factor_setup_required);
    let blocked = fresh
        .community()
        .list_communities(pb::ListCommunitiesRequest::default())
        .await;
    common::assert_status(blocked, Code::PermissionDenied, "two-factor");
    enrol(&fresh).await;
    fresh
        .community()
        .list_communities(pb::ListCommunitiesRequest::default())
        .await
        .unwrap();
    let off = fresh
        .auth()
        .disable_two_factor(pb::DisableTwoFactorRequest {
            password: common::ADMIN_PASSWORD.into(),
            code: "000000".into(),
        })
        .await;
    assert_eq!(off.unwrap_err().code(), Code::PermissionDenied);
    server.stop().await;
}
