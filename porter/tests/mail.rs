//! Email through a real SMTP server (aiosmtpd, from PyPI, writing a Maildir): a renewal
//! confirmation queued while the SMTP server is down survives a SIGKILL of `porter serve`
//! and goes out exactly once when both are back, in the resident's language, listed as sent;
//! a resident's invitation leads to the app; and the expiration notices go out on the
//! manual's days with the switch on and off, the server restarted under libfaketime.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::smtp::{Received, SmtpServer, free_port, link_in, wait_for_mail};
use common::{Client, Server, resident};
use porter_proto::admin::v1 as pb;

/// A community that sends renewal email, with one French-speaking resident whose
/// apartment was activated; returns the apartment.
async fn renewing_site(admin: &Client) -> u64 {
    let mut settings = common::community_settings("Luna", pb::FeaturePlan::Premium);
    settings.send_renew_email = Some(true);
    let community = admin
        .community()
        .create_community(pb::CreateCommunityRequest {
            settings: Some(settings),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    let building = admin.create_building(community, "B1").await.id;
    let mut who = resident("Élise", "Martin", "elise@example.com");
    who.language = Some(pb::Language::French as i32);
    let apartment = admin
        .create_apartment(building, "101", Some(who))
        .await
        .unwrap()
        .id;
    pay(admin, pb::OrderKind::Activation, apartment, 30).await;
    apartment
}

async fn pay(admin: &Client, kind: pb::OrderKind, apartment: u64, days: i64) {
    let now = now_ms();
    let order = admin
        .subscriptions()
        .create_order(pb::CreateOrderRequest {
            kind: kind as i32,
            apartment_ids: vec![apartment],
            expires_at_ms: now + days * 86_400_000,
        })
        .await
        .unwrap()
        .into_inner();
    admin
        .subscriptions()
        .confirm_payment(pb::ConfirmPaymentRequest {
            order_id: order.id,
            payment_reference: "bank-1".into(),
        })
        .await
        .unwrap();
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn outbox(admin: &Client) -> Vec<pb::OutboxMessage> {
    admin
        .mail()
        .list_outbox(pb::ListOutboxRequest::default())
        .await
        .unwrap()
        .into_inner()
        .messages
}

#[tokio::test]
async fn a_message_queued_while_smtp_is_down_goes_out_once_after_a_kill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("maildir");
    let port = free_port();
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let flags = [
        "--smtp-url",
        smtp_url.as_str(),
        "--mail-from",
        "Luna Office <office@luna.example>",
    ];
    let data = dir.path().join("data");
    let server = Server::start_with(&data, &flags).await;
    let admin = server.admin().await;
    let apartment = renewing_site(&admin).await;
    // Only her account invitation so far: a first activation is no renewal.
    let kinds = |messages: &[pb::OutboxMessage]| {
        messages.iter().map(|m| m.kind.clone()).collect::<Vec<_>>()
    };
    assert_eq!(kinds(&outbox(&admin).await), ["invitation"]);
    pay(&admin, pb::OrderKind::Renewal, apartment, 400).await;

    // Nobody listens on the SMTP port yet: the messages stay pending with the error.
    let mut pending = Vec::new();
    for _ in 0..50 {
        pending = outbox(&admin).await;
        if pending.first().is_some_and(|m| m.attempts > 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kinds(&pending), ["renewal", "invitation"], "{pending:?}");
    let m = &pending[0];
    assert_eq!(
        (
            m.kind.as_str(),
            m.state.as_str(),
            m.to.as_str(),
            m.language.as_str()
        ),
        ("renewal", "pending", "elise@example.com", "fr")
    );
    assert!(m.attempts >= 1 && !m.error.is_empty(), "{m:?}");
    assert_eq!(m.apartments, ["Luna · B1 · 101"]);
    let text = common::metrics(&server).await;
    assert!(
        text.contains("porter_mail_tries_total{result=\"sent\"} 0\n")
            && !text.contains("porter_mail_tries_total{result=\"unreachable\"} 0\n"),
        "{text}"
    );
    server.kill().await;

    let smtp = SmtpServer::start(port, &maildir).await;
    let server = Server::start_with(&data, &flags).await;
    let admin = server.admin().await;
    wait_for_mail(&smtp, "elise@example.com", 2).await;
    // Whatever the mailer does next, nothing goes twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let received = smtp.messages();
    assert_eq!(received.len(), 2, "{received:?}");
    let renewals: Vec<&Received> = received
        .iter()
        .filter(|r| r.subject.contains("renouvelé"))
        .collect();
    assert_eq!(renewals.len(), 1, "{received:?}");
    let r = renewals[0];
    assert_eq!(r.to, "Élise Martin <elise@example.com>");
    assert_eq!(r.subject, "Votre service d’application a été renouvelé");
    assert_eq!(r.language, "fr");
    assert!(r.message_id.ends_with("@luna.example>"), "{r:?}");
    assert!(r.text.starts_with("Bonjour Élise Martin,"), "{}", r.text);
    assert!(
        r.text.contains("l’appartement 101 (B1, Luna)"),
        "{}",
        r.text
    );
    assert!(
        r.html.contains("<p>Bonjour Élise Martin,</p>"),
        "{}",
        r.html
    );
    let listed = outbox(&admin).await;
    assert!(
        listed
            .iter()
            .all(|m| m.state == "sent" && m.settled_ms > 0 && m.error.is_empty()),
        "{listed:?}"
    );
    let text = common::metrics(&server).await;
    assert!(
        text.contains("porter_mail_tries_total{result=\"sent\"} 2\n"),
        "{text}"
    );
    server.stop().await;
    drop(smtp.child);
}

#[tokio::test]
async fn an_invited_resident_sets_a_password_from_the_email_and_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let (smtp, server) = common::smtp::server_with_mail(dir.path()).await;
    let admin = server.admin().await;
    let community = admin
        .create_community("Luna", pb::FeaturePlan::Premium)
        .await
        .id;
    let building = admin.create_building(community, "B1").await.id;
    let mut who = resident("Lily", "Zheng", "lily@example.com");
    who.language = Some(pb::Language::Spanish as i32);
    let apartment = admin
        .create_apartment(building, "101", Some(who))
        .await
        .unwrap()
        .id;

    // The invitation: in Spanish, with a link into the portal that carries the token.
    let invitation = wait_for_mail(&smtp, "lily@example.com", 1).await;
    let m = &invitation[0];
    assert_eq!(m.language, "es");
    assert_eq!(m.subject, "Su cuenta de la aplicación en Luna");
    let link = link_in(&m.text);
    assert!(
        link.starts_with("https://portal.example/resident/password?token="),
        "{link}"
    );
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // Once sent, the outbox no longer holds the link's secret; it lists the message.
    let listed = outbox(&admin).await;
    assert!(
        listed
            .iter()
            .any(|o| o.kind == "invitation" && o.state == "sent")
    );

    let anonymous = Client {
        channel: server.channel().await,
        token: String::new(),
        account: pb::AccountInfo::default(),
    };
    anonymous
        .resident()
        .set_resident_password(pb::SetResidentPasswordRequest {
            token: token.clone(),
            password: "resident-pw-1".into(),
        })
        .await
        .unwrap();
    let reused = anonymous
        .resident()
        .set_resident_password(pb::SetResidentPasswordRequest {
            token,
            password: "resident-pw-2".into(),
        })
        .await;
    common::assert_status(reused, tonic::Code::InvalidArgument, "token");
    let login = anonymous
        .resident()
        .resident_login(pb::ResidentLoginRequest {
            email: "lily@example.com".into(),
            password: "resident-pw-1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let app = Client {
        token: login.token,
        ..anonymous
    };
    let home = app
        .resident()
        .get_home(pb::Empty {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            home.apt_number.as_str(),
            home.building.as_str(),
            home.community.as_str()
        ),
        ("101", "B1", "Luna")
    );
    assert!(home.family_master);

    // The app opens its own building's door, and not another building's.
    let b2 = admin.create_building(community, "B2").await.id;
    let ours = common::building_door(&admin, building, "0C1100000A01", "B1 Lobby").await;
    let theirs = common::building_door(&admin, b2, "0C1100000A02", "B2 Lobby").await;
    let door = common::sim_door::Door::start(&server, ours).await;
    let mut doors = Vec::new();
    for _ in 0..100 {
        doors = app
            .resident()
            .list_doors(pb::Empty {})
            .await
            .unwrap()
            .into_inner()
            .doors;
        if doors.first().is_some_and(|d| d.online) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(doors.len(), 1, "{doors:?}");
    assert_eq!(
        (doors[0].name.as_str(), doors[0].online),
        ("B1 Lobby", true)
    );
    assert_eq!(doors[0].relays[0].number, 1);
    let opened = app
        .resident()
        .unlock_door(pb::UnlockDoorRequest {
            device_id: ours,
            relay: 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(opened.ok, "{opened:?}");
    let refused = app
        .resident()
        .unlock_door(pb::UnlockDoorRequest {
            device_id: theirs,
            relay: 1,
        })
        .await;
    common::assert_status(refused, tonic::Code::PermissionDenied, "B2 Lobby");
    door.stop().await;

    // App Status in the installer's view; the app token opens none of the installer's API.
    let seen = admin
        .apartment()
        .get_apartment(pb::GetApartmentRequest { id: apartment })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        seen.resident.unwrap().app_status,
        pb::AppStatus::Registered as i32
    );
    let refused = app
        .apartment()
        .get_apartment(pb::GetApartmentRequest { id: apartment })
        .await;
    assert_eq!(refused.unwrap_err().code(), tonic::Code::Unauthenticated);
    let refused = admin.resident().get_home(pb::Empty {}).await;
    assert_eq!(refused.unwrap_err().code(), tonic::Code::Unauthenticated);

    // The installer's Reset Password mails a reset link; the reset of the apartment ends
    // the app's session at once.
    admin
        .apartment()
        .reset_resident_password(pb::GetApartmentRequest { id: apartment })
        .await
        .unwrap();
    let both = wait_for_mail(&smtp, "lily@example.com", 2).await;
    assert!(
        both.iter()
            .any(|m| m.subject == "Restablezca la contraseña de la aplicación"),
        "{both:?}"
    );
    admin
        .apartment()
        .reset_apartment(pb::ResetApartmentRequest { id: apartment })
        .await
        .unwrap();
    let gone = app.resident().get_home(pb::Empty {}).await;
    assert_eq!(gone.unwrap_err().code(), tonic::Code::Unauthenticated);
    server.stop().await;
}

/// A community whose "Send Expiration Email" is `send`, with an apartment (its resident,
/// maybe a family member) activated for `days`, and a property manager of its own.
async fn expiring_site(
    installer: &Client,
    operator: &Client,
    name: &str,
    send: bool,
    people: (&str, Option<&str>, &str),
    days: i64,
) {
    let mut settings = common::community_settings(name, pb::FeaturePlan::Premium);
    settings.send_expiration_email = Some(send);
    let community = installer
        .community()
        .create_community(pb::CreateCommunityRequest {
            settings: Some(settings),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    let building = installer.create_building(community, "B1").await.id;
    let (resident_email, member_email, pm_email) = people;
    let apartment = installer
        .create_apartment(building, "101", Some(resident("Res", name, resident_email)))
        .await
        .unwrap()
        .id;
    if let Some(email) = member_email {
        installer
            .apartment()
            .add_family_member(pb::AddFamilyMemberRequest {
                apartment_id: apartment,
                first_name: "Fam".into(),
                last_name: name.into(),
                email: email.into(),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let pm = installer
        .pm()
        .create_property_manager(pb::CreatePropertyManagerRequest {
            first_name: "Pat".into(),
            last_name: name.into(),
            email: pm_email.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .property_manager
        .unwrap()
        .id;
    installer
        .pm()
        .assign_property_manager(pb::AssignPropertyManagerRequest {
            community_id: community,
            property_manager_id: pm,
            permissions: None,
        })
        .await
        .unwrap();
    let order = installer
        .subscriptions()
        .create_order(pb::CreateOrderRequest {
            kind: pb::OrderKind::Activation as i32,
            apartment_ids: vec![apartment],
            expires_at_ms: now_ms() + days * 86_400_000,
        })
        .await
        .unwrap()
        .into_inner();
    operator
        .subscriptions()
        .confirm_payment(pb::ConfirmPaymentRequest {
            order_id: order.id,
            payment_reference: format!("bank-{name}"),
        })
        .await
        .unwrap();
}

/// (recipient, kind, apartments named, state) of every expiration notice queued so far.
async fn notices(operator: &Client) -> Vec<(String, String, usize, String)> {
    let mut v: Vec<_> = outbox(operator)
        .await
        .into_iter()
        .filter(|m| m.kind.starts_with("expiration-"))
        .map(|m| (m.to, m.kind, m.apartments.len(), m.state))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn expiration_notices_go_out_on_the_manuals_days_through_the_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let (smtp, server) = common::smtp::server_with_mail(dir.path()).await;
    let operator = server.admin().await;
    operator
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
    // Both apartments expire two days from now; Maple sends expiration email, Oak not.
    let maple = (
        "lily@example.com",
        Some("max@example.com"),
        "pat@pm.example",
    );
    expiring_site(&ryan, &operator, "Maple", true, maple, 2).await;
    let oak = ("zoe@example.com", None, "sam@pm.example");
    expiring_site(&ryan, &operator, "Oak", false, oak, 2).await;
    assert!(notices(&operator).await.is_empty());
    server.stop().await;

    // The server comes back under a clock 1, 3, 5 and 15 days (and an hour) past the
    // expiry; each time exactly that day's notices go out.
    let flags = [
        "--smtp-url",
        &format!("smtp://127.0.0.1:{}", smtp.port),
        "--portal-url",
        "https://portal.example",
    ];
    let n = |to: &str, day: u32, apartments: usize| {
        let sent = "sent".to_owned();
        (
            to.to_owned(),
            format!("expiration-{day}d"),
            apartments,
            sent,
        )
    };
    let mut expected = Vec::new();
    for (day, new) in [
        (
            1,
            vec![n("lily@example.com", 1, 1), n("max@example.com", 1, 1)],
        ),
        (
            3,
            vec![n("lily@example.com", 3, 1), n("max@example.com", 3, 1)],
        ),
        (
            5,
            vec![n("pat@pm.example", 5, 1), n("ryan@example.com", 5, 2)],
        ),
        (15, vec![n("ryan@example.com", 15, 2)]),
    ] {
        let offset = format!("+{}h", (2 + day) * 24 + 1);
        let server = Server::start_faked(&dir.path().join("data"), &flags, &offset).await;
        let operator = server.admin().await;
        expected.extend(new);
        expected.sort();
        for _ in 0..200 {
            let sent = notices(&operator).await;
            if sent.iter().filter(|n| n.3 == "sent").count() >= expected.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Time for anything more the startup pass queued to go out too.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(notices(&operator).await, expected, "day {day}");
        server.stop().await;
    }
    // What the SMTP server holds agrees, once each; the installer's carry the link that
    // renews the service.
    let received: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject.contains("expired"))
        .collect();
    assert_eq!(received.len(), expected.len());
    for m in received.iter().filter(|m| m.to.contains("ryan@")) {
        let link = link_in(&m.text);
        assert!(
            link.starts_with("https://portal.example/communities/")
                && link.ends_with("/subscriptions"),
            "{link}"
        );
    }
    drop(smtp.child);
}
