//! AutoP over HTTPS against a real `porter serve`, fetched by curl the way a device's
//! provisioning client does: Basic authentication with MAC and credential, ETag and 304,
//! the installer's commands and one-time commands through the Settings dialog's API, the
//! per-model file, refusals that teach nothing, and the change notice to a connected device.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Server, SimDevice, assert_status, curl};
use porter_proto::admin::v1 as pb;
use tonic::Code;

struct Fetch {
    code: String,
    body: String,
    etag: String,
}

/// GET `path` with Basic credentials, optionally with If-None-Match.
async fn fetch(
    server: &Server,
    path: &str,
    user: &str,
    password: &str,
    etag: Option<&str>,
) -> Fetch {
    let dir = tempfile::tempdir().unwrap();
    let headers = dir.path().join("h");
    let ca = server.data_dir.join("gateway-cert.pem");
    let url = format!("https://{}{path}", server.https_addr);
    let auth = format!("{user}:{password}");
    let mut args = vec![
        "--cacert",
        ca.to_str().unwrap(),
        "-u",
        &auth,
        "-D",
        headers.to_str().unwrap(),
    ];
    let if_none = etag.map(|e| format!("If-None-Match: {e}"));
    if let Some(h) = &if_none {
        args.extend(["-H", h]);
    }
    args.push(&url);
    let (code, body) = curl(&args).await;
    let head = std::fs::read_to_string(&headers).unwrap_or_default();
    let etag = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("etag").then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    Fetch { code, body, etag }
}

#[tokio::test]
async fn a_device_fetches_its_autop_file_and_only_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let site = admin.lakeside().await;
    let secrets = admin
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id: site.door_id })
        .await
        .unwrap()
        .into_inner();
    let mac = admin.device(site.door_id).await.mac;
    let path = format!("/autop/{mac}.cfg");

    let first = fetch(&server, &path, &mac, &secrets.credential, None).await;
    assert_eq!(first.code, "200", "{}", first.body);
    let lines: Vec<&str> = first.body.lines().collect();
    assert!(
        lines.contains(
            &format!("Config.Account1.GENERAL.UserName = {}", secrets.sip_number).as_str()
        )
    );
    assert!(
        lines.contains(&format!("Config.Account1.GENERAL.Pwd = {}", secrets.sip_password).as_str())
    );
    let sip_port = server.sip_addr.rsplit_once(':').unwrap().1;
    assert!(lines.contains(&format!("Config.Account1.SIP.Port = {sip_port}").as_str()));
    assert!(lines.contains(&"Config.Account1.SIP.TransType = 1"));
    assert!(
        lines.contains(&"Config.Porter.Contact.1.Number = 101"),
        "{}",
        first.body
    );
    assert!(!first.etag.is_empty());
    // Lower-case MAC with separators is the same device.
    let dashed = mac
        .to_ascii_lowercase()
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("-");
    let again = fetch(
        &server,
        &format!("/autop/{dashed}.cfg"),
        &mac,
        &secrets.credential,
        Some(&first.etag),
    )
    .await;
    assert_eq!(again.code, "304", "unchanged: not modified");

    // Wrong credential, unknown MAC, another device's MAC: all the same 401.
    let monitor_mac = "0C11050B9901";
    for (path, user, password) in [
        (path.clone(), mac.clone(), "dc_wrong".to_owned()),
        (
            "/autop/0C11FFFFFFFF.cfg".to_owned(),
            "0C11FFFFFFFF".to_owned(),
            secrets.credential.clone(),
        ),
        (
            format!("/autop/{monitor_mac}.cfg"),
            mac.clone(),
            secrets.credential.clone(),
        ),
    ] {
        let refused = fetch(&server, &path, &user, &password, None).await;
        assert_eq!(
            (refused.code.as_str(), refused.body.as_str()),
            ("401", "authentication required\n"),
            "{path}"
        );
    }
    let (code, _) = curl(&[
        "--cacert",
        server.data_dir.join("gateway-cert.pem").to_str().unwrap(),
        &format!("https://{}{path}", server.https_addr),
    ])
    .await;
    assert_eq!(code, "401", "no credentials");

    // The Settings dialog: connection type and commands (duplicates merged).
    let mut settings = admin.device_settings();
    assert_status(
        settings
            .update_device_settings(pb::UpdateDeviceSettingsRequest {
                device_id: site.door_id,
                autop_commands: Some("Config.A = 1\nthis is not a command\n".into()),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        "line 2",
    );
    let saved = settings
        .update_device_settings(pb::UpdateDeviceSettingsRequest {
            device_id: site.door_id,
            connection_type: pb::SipTransportType::Tls as i32,
            autop_commands: Some(
                "Config.Settings.LCD.Brightness = 40\nConfig.Settings.LCD.Brightness = 70\n".into(),
            ),
            client_certificate_pem: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        saved.autop_commands,
        "Config.Settings.LCD.Brightness = 70\n"
    );
    assert_eq!(saved.connection_type, pb::SipTransportType::Tls as i32);
    let changed = fetch(&server, &path, &mac, &secrets.credential, Some(&first.etag)).await;
    assert_eq!(
        changed.code, "200",
        "changed: the old ETag no longer matches"
    );
    assert_ne!(changed.etag, first.etag);
    let tls_port = server.sip_tls_addr.rsplit_once(':').unwrap().1;
    assert!(
        changed
            .body
            .contains(&format!("Config.Account1.SIP.Port = {tls_port}\n"))
    );
    assert!(changed.body.contains("Config.Account1.SIP.TransType = 2\n"));
    assert!(
        changed
            .body
            .contains("Config.Settings.LCD.Brightness = 70\n")
    );
    assert!(!changed.body.contains("Brightness = 40"));

    // One-time AutoP: in the next file only.
    let pending = settings
        .add_one_time_autop(pb::AddOneTimeAutopRequest {
            device_id: site.door_id,
            commands: "Config.Settings.Reboot.Now = 1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        pending.pending_one_time_autop,
        "Config.Settings.Reboot.Now = 1\n"
    );
    let once = fetch(&server, &path, &mac, &secrets.credential, None).await;
    assert!(
        once.body.ends_with("Config.Settings.Reboot.Now = 1\n"),
        "{}",
        once.body
    );
    let after = fetch(&server, &path, &mac, &secrets.credential, None).await;
    assert!(!after.body.contains("Reboot.Now"), "served once");
    let shown = settings
        .get_device_settings(pb::GetDeviceRequest { id: site.door_id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shown.pending_one_time_autop, "");

    // The model's common file: shared settings, no secrets, same authentication.
    let common = fetch(&server, "/autop/R29.cfg", &mac, &secrets.credential, None).await;
    assert_eq!(common.code, "200");
    assert!(common.body.contains("Config.Autoprovision.Url = https://"));
    assert!(!common.body.contains(&secrets.sip_password));
    let refused = fetch(&server, "/autop/R29.cfg", &mac, "dc_wrong", None).await;
    assert_eq!(refused.code, "401");
    server.stop().await;
}

#[tokio::test]
async fn a_connected_device_is_told_when_its_file_changed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let site = admin.lakeside().await;
    let other = admin
        .create_community("Elsewhere", pb::FeaturePlan::Premium)
        .await;
    let door = SimDevice::connect_with(
        &server,
        &admin,
        site.door_id,
        "R29",
        porter_sim::device::Behaviour {
            autop_base: Some(format!("https://{}", server.https_addr)),
            ..Default::default()
        },
    )
    .await;
    let commands = || door.counters.commands.load(Ordering::Relaxed);
    let fetched = || door.counters.autop_fetched.load(Ordering::Relaxed);
    let wait_for = |want: u64| async move {
        for _ in 0..100 {
            if commands() >= want && fetched() > want {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    // porter-sim fetches its file when it connects (HTTPS, Basic authentication).
    assert!(wait_for(0).await, "the first AutoP fetch");
    admin
        .device_settings()
        .update_device_settings(pb::UpdateDeviceSettingsRequest {
            device_id: site.door_id,
            autop_commands: Some("Config.Settings.LCD.Brightness = 70".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        wait_for(1).await,
        "the door phone got a ConfigChanged command"
    );
    // A change elsewhere, or one that leaves its file as it is, sends nothing.
    admin
        .community()
        .update_community(pb::UpdateCommunityRequest {
            id: other.id,
            settings: Some(pb::CommunitySettings {
                time_zone: Some("Asia/Tokyo".into()),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    admin
        .device_settings()
        .update_device_settings(pb::UpdateDeviceSettingsRequest {
            device_id: site.door_id,
            autop_commands: Some("Config.Settings.LCD.Brightness = 70".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(commands(), 1, "no notice without a change to its file");
    assert_eq!(fetched(), 2);
    assert_eq!(door.counters.autop_failures.load(Ordering::Relaxed), 0);
    // A new apartment changes the lobby door phone's contact list.
    admin
        .create_apartment(
            admin
                .building()
                .list_buildings(pb::ListBuildingsRequest {
                    community_id: site.community_id,
                })
                .await
                .unwrap()
                .into_inner()
                .buildings[0]
                .id,
            "102",
            None,
        )
        .await
        .unwrap();
    assert!(wait_for(2).await, "a new contact is a change");
    door.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn a_device_with_a_registered_certificate_needs_no_credential() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--autop-mtls-listen", "127.0.0.1:0"]).await;
    let mtls = server
        .autop_mtls_addr
        .clone()
        .expect("the listener is announced");
    let admin = server.admin().await;
    let site = admin.lakeside().await;
    let mac = admin.device(site.door_id).await.mac;
    // Certificates as a device would carry them (rcgen, self-signed).
    let write_cert = |name: &str| {
        let c = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        let cert = dir.path().join(format!("{name}.pem"));
        let key = dir.path().join(format!("{name}.key"));
        std::fs::write(&cert, c.cert.pem()).unwrap();
        std::fs::write(&key, c.signing_key.serialize_pem()).unwrap();
        (cert, key, c.cert.pem())
    };
    let (door_cert, door_key, door_pem) = write_cert("door");
    let (other_cert, other_key, _) = write_cert("other");
    let saved = admin
        .device_settings()
        .update_device_settings(pb::UpdateDeviceSettingsRequest {
            device_id: site.door_id,
            client_certificate_pem: Some(door_pem.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(saved.client_cert_sha256.len(), 64);
    assert_status(
        admin
            .device_settings()
            .update_device_settings(pb::UpdateDeviceSettingsRequest {
                device_id: site.door_id,
                client_certificate_pem: Some("not a certificate".into()),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        "client_certificate_pem",
    );

    let ca = server.data_dir.join("gateway-cert.pem");
    let get = |cert: Option<(&std::path::Path, &std::path::Path)>, mac: &str| {
        let mut args = vec!["--cacert".to_owned(), ca.to_str().unwrap().to_owned()];
        if let Some((c, k)) = cert {
            args.extend([
                "--cert".to_owned(),
                c.to_str().unwrap().to_owned(),
                "--key".to_owned(),
                k.to_str().unwrap().to_owned(),
            ]);
        }
        args.push(format!("https://{mtls}/autop/{mac}.cfg"));
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            curl(&args).await
        }
    };
    let (code, body) = get(Some((&door_cert, &door_key)), &mac).await;
    assert_eq!(code, "200", "{body}");
    assert!(body.contains("Config.Account1.GENERAL.Pwd = "));
    // Another certificate, or this one for another device's MAC: the same 401.
    let (code, _) = get(Some((&other_cert, &other_key)), &mac).await;
    assert_eq!(code, "401");
    let (code, _) = get(Some((&door_cert, &door_key)), "0C11050B9901").await;
    assert_eq!(code, "401");
    // Without a certificate there is no connection at all.
    let (code, _) = get(None, &mac).await;
    assert_eq!(code, "000");
    // Removing it ends its access.
    admin
        .device_settings()
        .update_device_settings(pb::UpdateDeviceSettingsRequest {
            device_id: site.door_id,
            client_certificate_pem: Some(String::new()),
            ..Default::default()
        })
        .await
        .unwrap();
    let (code, _) = get(Some((&door_cert, &door_key)), &mac).await;
    assert_eq!(code, "401");
    server.stop().await;
}
