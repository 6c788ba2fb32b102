//! Calls through Porter's SIP proxy between real sipp peers: a building door phone dials an
//! apartment number; the apartment's indoor monitor (a sipp UAS registered with the
//! monitor's account) answers, is busy or rings out; the door phone cancels; the call type
//! moves an unanswered call on to the resident's phone through the landline trunk (another
//! sipp UAS).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::sipp::{Sipp, account_row, free_port, uas};
use common::{Server, SipSite};
use porter_proto::admin::v1 as pb;

/// A community with landline service: building B1, apartment 101 (its monitor and a
/// resident with a landline) and a lobby door phone.
async fn site(server: &Server) -> SipSite {
    let mut settings = common::community_settings("Call Court", pb::FeaturePlan::Premium);
    settings.landline_service = Some(true);
    let mut resident = common::resident("Ada", "Lovelace", "ada@example.com");
    resident.landlines = Some(pb::Landlines {
        numbers: vec!["5551234".into()],
    });
    server
        .admin()
        .await
        .sip_site(settings, Some(resident))
        .await
}

async fn set_call_type(server: &Server, apartment_id: u64, call_type: u32) {
    server
        .admin()
        .await
        .set_call_type(apartment_id, call_type)
        .await;
}

async fn family_account(server: &Server, apartment_id: u64) -> (String, String) {
    server.admin().await.family_sip_account(apartment_id).await
}

async fn pay_subscription(server: &Server, apartment_id: u64) {
    server.admin().await.pay_subscription(apartment_id).await;
}

/// Registers `account` with its contact at `port` (where a UAS will listen next).
async fn register(server: &Server, dir: &Path, account: &(String, String), port: u16) {
    register_over(server, dir, account, port, "u1").await;
}

async fn register_over(
    server: &Server,
    dir: &Path,
    account: &(String, String),
    port: u16,
    transport: &str,
) {
    let registered = common::sipp::register(&server.sip_addr, dir, account, port, transport).await;
    assert!(registered, "{} registers", account.0);
}

/// The door phone dials `dialed` and expects `scenario`'s outcome.
async fn door_calls(
    server: &Server,
    dir: &Path,
    site: &SipSite,
    dialed: &str,
    scenario: &str,
) -> bool {
    door_calls_over(server, dir, site, dialed, scenario, "u1").await
}

async fn door_calls_over(
    server: &Server,
    dir: &Path,
    site: &SipSite,
    dialed: &str,
    scenario: &str,
    transport: &str,
) -> bool {
    calls(server, dir, &site.door, dialed, scenario, transport).await
}

/// `caller` (number, password) dials `dialed` and expects `scenario`'s outcome.
async fn calls(
    server: &Server,
    dir: &Path,
    caller: &(String, String),
    dialed: &str,
    scenario: &str,
    transport: &str,
) -> bool {
    common::sipp::call(&server.sip_addr, dir, caller, dialed, scenario, transport).await
}

#[tokio::test]
async fn a_door_phone_calls_an_apartment_and_the_monitor_answers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let site = site(&server).await;
    let port = free_port();
    register(&server, dir.path(), &site.monitor, port).await;
    let monitor = uas("monitor_answer.xml", port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(
        door,
        "the door phone's call is answered, acknowledged and hung up"
    );
    assert!(
        monitor.passed().await,
        "the monitor got INVITE, ACK and BYE"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_call_over_tcp_reaches_a_monitor_whose_registering_connection_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let site = site(&server).await;
    let port = free_port();
    // The REGISTER's connection closes with its sipp: Porter connects to the Contact.
    register_over(&server, dir.path(), &site.monitor, port, "t1").await;
    let mut monitor = uas("monitor_answer.xml", port);
    monitor.transport = "t1";
    let monitor = monitor.spawn(dir.path());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let door = door_calls_over(
        &server,
        dir.path(),
        &site,
        "101",
        "door_call_answered.xml",
        "t1",
    )
    .await;
    assert!(door, "the call over TCP is answered and hung up");
    assert!(
        monitor.passed().await,
        "the monitor got INVITE, ACK and BYE over TCP"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_family_account_registers_and_an_unpaid_app_may_not_call() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let site = site(&server).await;
    let family = family_account(&server, site.apartment_id).await;
    register(&server, dir.path(), &family, free_port()).await;
    let app = calls(
        &server,
        dir.path(),
        &family,
        "101",
        "door_call_forbidden.xml",
        "u1",
    )
    .await;
    assert!(app, "an app without an active subscription gets 403");
    let door = door_calls(
        &server,
        dir.path(),
        &site,
        &family.0,
        "door_call_forbidden.xml",
    )
    .await;
    assert!(door, "nor is it rung");
    server.stop().await;
}

#[tokio::test]
async fn a_paid_subscription_rings_the_smartplus_app_and_lets_it_call() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--sip-ring-timeout-secs", "2"]).await;
    let site = site(&server).await;
    let family = family_account(&server, site.apartment_id).await;
    let (monitor_port, app_port) = (free_port(), free_port());
    register(&server, dir.path(), &site.monitor, monitor_port).await;
    register(&server, dir.path(), &family, app_port).await;
    pay_subscription(&server, site.apartment_id).await;

    // 0: the monitors and the app ring together; the app answers, the monitor is cancelled.
    set_call_type(&server, site.apartment_id, 0).await;
    let monitor = uas("monitor_ring.xml", monitor_port).spawn(dir.path());
    let app = uas("monitor_answer.xml", app_port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(door, "type 0: answered by the app");
    assert!(monitor.passed().await, "type 0: the monitor is cancelled");
    assert!(app.passed().await, "type 0: the app answers");

    // 3: the monitors first; they ring out, then the app answers.
    set_call_type(&server, site.apartment_id, 3).await;
    let monitor = uas("monitor_ring.xml", monitor_port).spawn(dir.path());
    let app = uas("monitor_answer.xml", app_port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(door, "type 3: answered by the app after the ring timeout");
    assert!(
        monitor.passed().await && app.passed().await,
        "type 3 branches"
    );

    // A paid app may call too: it dials the lobby door phone.
    let door_port = free_port();
    register(&server, dir.path(), &site.door, door_port).await;
    let lobby = uas("monitor_answer.xml", door_port).spawn(dir.path());
    let app_calls = calls(
        &server,
        dir.path(),
        &family,
        &site.door.0,
        "door_call_answered.xml",
        "u1",
    )
    .await;
    assert!(app_calls, "the paid app calls the door phone");
    assert!(lobby.passed().await, "the door phone answers the app");
    server.stop().await;
}

#[tokio::test]
async fn porter_authenticates_to_a_trunk_that_asks() {
    let dir = tempfile::tempdir().unwrap();
    let trunk_port = free_port();
    let trunk = format!("127.0.0.1:{trunk_port}");
    let server = Server::start_with(
        dir.path(),
        &[
            "--sip-trunk",
            &trunk,
            "--sip-trunk-user",
            "porter-trunk",
            "--sip-trunk-password",
            "trunk-secret-1",
        ],
    )
    .await;
    let site = site(&server).await;
    // Call type 1 rings the monitor and the phone together; no monitor is registered here.
    set_call_type(&server, site.apartment_id, 1).await;
    let phone = uas("trunk_auth.xml", trunk_port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(door, "the call is answered behind the trunk and hung up");
    assert!(
        phone.passed().await,
        "the trunk got valid credentials and consistent CSeqs"
    );
    server.stop().await;
}

#[tokio::test]
async fn busy_unknown_and_cancelled_calls() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let site = site(&server).await;
    let door = door_calls(
        &server,
        dir.path(),
        &site,
        "101",
        "door_call_unavailable.xml",
    )
    .await;
    assert!(
        door,
        "with no monitor registered the caller gets 480 at once"
    );

    let port = free_port();
    register(&server, dir.path(), &site.monitor, port).await;
    let monitor = uas("monitor_busy.xml", port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_busy.xml").await;
    assert!(door, "the caller gets 486");
    assert!(monitor.passed().await, "the monitor's 486 is acknowledged");

    let door = door_calls(&server, dir.path(), &site, "909", "door_call_not_found.xml").await;
    assert!(door, "an apartment number not in the building gets 404");

    let monitor = uas("monitor_ring.xml", port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_cancel.xml").await;
    assert!(door, "the caller's CANCEL ends the call with 487");
    assert!(monitor.passed().await, "the monitor is cancelled");
    server.stop().await;
}

#[tokio::test]
async fn call_type_4_moves_on_to_the_phone_when_the_monitor_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let trunk_port = free_port();
    let trunk = format!("127.0.0.1:{trunk_port}");
    let server = Server::start_with(
        dir.path(),
        &["--sip-trunk", &trunk, "--sip-ring-timeout-secs", "2"],
    )
    .await;
    let site = site(&server).await;
    set_call_type(&server, site.apartment_id, 4).await;
    let port = free_port();
    register(&server, dir.path(), &site.monitor, port).await;

    // Nobody at the monitor: after the ring timeout the phone rings and answers.
    let monitor = uas("monitor_ring.xml", port).spawn(dir.path());
    let phone = uas("monitor_answer.xml", trunk_port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(door, "the call is answered on the phone");
    assert!(
        monitor.passed().await,
        "the monitor is cancelled at the ring timeout"
    );
    assert!(phone.passed().await, "the trunk got the call");

    // A busy monitor moves the call on at once.
    let monitor = uas("monitor_busy.xml", port).spawn(dir.path());
    let phone = uas("monitor_answer.xml", trunk_port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(door, "the call is answered on the phone");
    assert!(monitor.passed().await, "the monitor said busy");
    assert!(phone.passed().await, "the trunk got the call");
    server.stop().await;
}

#[tokio::test]
async fn dtmf_info_from_the_monitor_unlocks_the_door_and_logs_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let site = site(&server).await;
    let admin = server.admin().await;

    // The door phone is online on the gateway (a porter-sim device with its credential).
    let sim = common::SimDevice::connect(&server, &admin, site.door_id, "R29").await;

    let port = free_port();
    register(&server, dir.path(), &site.monitor, port).await;
    let monitor = uas("monitor_dtmf.xml", port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_dtmf.xml").await;
    assert!(door, "the door phone gets the INFO and hangs up");
    assert!(monitor.passed().await, "the monitor's INFO is answered");

    let mut entry = None;
    for _ in 0..100 {
        entry = admin
            .dtmf_door_log(site.community_id, site.door_id)
            .await
            .into_iter()
            .next();
        if entry.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let entry = entry.expect("a DTMF door-log entry");
    assert_eq!(entry.relay, 1);
    assert!(entry.success, "the door phone opened relay 1: {entry:?}");
    assert_eq!(entry.who, format!("DTMF from {}", site.monitor.0));
    sim.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn call_types_2_3_and_5_fall_back_in_the_manuals_order() {
    let dir = tempfile::tempdir().unwrap();
    let trunk_port = free_port();
    let trunk = format!("127.0.0.1:{trunk_port}");
    let server = Server::start_with(
        dir.path(),
        &["--sip-trunk", &trunk, "--sip-ring-timeout-secs", "2"],
    )
    .await;
    let site = site(&server).await;
    let port = free_port();
    register(&server, dir.path(), &site.monitor, port).await;
    // The apartment has no active subscription, so its SmartPlus stage has nobody to ring
    // and is passed over at once.

    // 2: SmartPlus and monitors, then the phone: the monitor is busy, the phone answers.
    set_call_type(&server, site.apartment_id, 2).await;
    let monitor = uas("monitor_busy.xml", port).spawn(dir.path());
    let phone = uas("monitor_answer.xml", trunk_port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(door, "type 2: answered on the phone");
    assert!(
        monitor.passed().await && phone.passed().await,
        "type 2 branches"
    );

    // 3: monitors, then SmartPlus: nobody answers the monitor, and no app is there: 480.
    set_call_type(&server, site.apartment_id, 3).await;
    let monitor = uas("monitor_ring.xml", port).spawn(dir.path());
    let door = door_calls(
        &server,
        dir.path(),
        &site,
        "101",
        "door_call_unavailable.xml",
    )
    .await;
    assert!(door, "type 3: no answer anywhere gives 480");
    assert!(
        monitor.passed().await,
        "type 3: the monitor is cancelled at the ring timeout"
    );

    // 5: monitors, then SmartPlus, then the phone: the monitor rings out, the phone answers.
    set_call_type(&server, site.apartment_id, 5).await;
    let monitor = uas("monitor_ring.xml", port).spawn(dir.path());
    let phone = uas("monitor_answer.xml", trunk_port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(door, "type 5: answered on the phone");
    assert!(
        monitor.passed().await && phone.passed().await,
        "type 5 branches"
    );
    server.stop().await;
}

/// Resetting an apartment gives its family account a new password: the apps registered with
/// the old one stop ringing at once, and the old password no longer registers.
#[tokio::test]
async fn a_reset_apartment_s_apps_stop_ringing_with_the_old_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--sip-ring-timeout-secs", "2"]).await;
    let site = site(&server).await;
    let family = family_account(&server, site.apartment_id).await;
    let app_port = free_port();
    register(&server, dir.path(), &family, app_port).await;
    pay_subscription(&server, site.apartment_id).await;
    set_call_type(&server, site.apartment_id, 0).await;
    let app = uas("monitor_answer.xml", app_port).spawn(dir.path());
    let door = door_calls(&server, dir.path(), &site, "101", "door_call_answered.xml").await;
    assert!(
        door && app.passed().await,
        "before the reset the app answers"
    );

    server
        .admin()
        .await
        .apartment()
        .reset_apartment(pb::ResetApartmentRequest {
            id: site.apartment_id,
        })
        .await
        .expect("reset");
    // An app still listening with the old registration would answer this call.
    let stale = uas("monitor_answer.xml", app_port).spawn(dir.path());
    let door = door_calls(
        &server,
        dir.path(),
        &site,
        "101",
        "door_call_unavailable.xml",
    )
    .await;
    assert!(door, "nobody is registered any more: 480 at once");
    drop(stale);
    let row = account_row(&family.0, &family.1, &[]);
    let old_password = Sipp {
        scenario: "register_auth.xml",
        transport: "u1",
        local_port: free_port(),
        remote: Some(&server.sip_addr),
        users: Some(&row),
        timeout_secs: 5,
    }
    .run(dir.path())
    .await;
    assert!(!old_password, "the old password is refused");
    let renewed = family_account(&server, site.apartment_id).await;
    assert_eq!(renewed.0, family.0, "the number stays");
    register(&server, dir.path(), &renewed, free_port()).await;
    server.stop().await;
}
