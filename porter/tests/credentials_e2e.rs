//! Access credentials end to end: a real `porter serve`, the real `porter-sim` binary as a
//! door phone (its list kept over the device protocol), and people at the door given on
//! its standard input. A PIN issued through the admin API opens the door; withdrawn, it is
//! refused; a key opens within its uses; a door that was offline during a change catches
//! up when it connects, and the entries it made offline reach the door log. A face opens
//! once the door phone has fetched its photo over HTTPS, which only the doors holding that
//! credential may.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::sim_door::Door;
use common::{Client, Server};
use porter_proto::admin::v1 as pb;

async fn pin(admin: &Client, community: u64, apartment: u64, code: &str) -> pb::Credential {
    admin
        .credentials()
        .create_credential(pb::CreateCredentialRequest {
            community_id: community,
            apartment_id: apartment,
            holder: Some(pb::CredentialHolder {
                kind: pb::HolderKind::Resident as i32,
                ..Default::default()
            }),
            method: pb::CredentialMethod::Pin as i32,
            value: code.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn apartment_with_resident(
    admin: &Client,
    building: u64,
    number: &str,
    first: &str,
    last: &str,
) -> pb::Apartment {
    admin
        .apartment()
        .create_apartment(pb::CreateApartmentRequest {
            building_id: building,
            apartment: Some(pb::ApartmentInput {
                apt_number: Some(number.into()),
                ..Default::default()
            }),
            resident: Some(pb::ResidentInput {
                first_name: Some(first.into()),
                last_name: Some(last.into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn door_logs(admin: &Client, community: u64) -> Vec<pb::DeviceEvent> {
    admin
        .events()
        .list_events(pb::ListEventsRequest {
            community_id: community,
            kind: "door_log".into(),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events
}

async fn online(admin: &Client, device: u64, want: bool) {
    for _ in 0..200 {
        if admin.device(device).await.online == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("device {device} never became online={want}");
}

#[tokio::test]
async fn a_door_phone_keeps_its_list_and_opens_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let community = admin
        .create_community("Elm", pb::FeaturePlan::Premium)
        .await;
    let building = admin.create_building(community.id, "A").await;
    let apartment = apartment_with_resident(&admin, building.id, "101", "Lily", "Zheng").await;
    let gate = common::door_phone(&admin, community.id, "0C1100000A01").await;
    let mut door = Door::start(&server, gate).await;
    online(&admin, gate, true).await;

    // Issued through the API, the PIN reaches the door and opens relay 1 for its holder.
    let lily = pin(&admin, community.id, apartment.id, "2580").await;
    let opened = door.until("pin 2580", true).await;
    assert_eq!(opened["credential_id"], lily.id);
    assert_eq!(opened["holder"], "Lily Zheng");
    assert_eq!(opened["relays"], serde_json::json!([1]));
    assert_eq!(door.present("pin 9999").await["opened"], false);

    // The door log names who opened, and how.
    let mut named = None;
    for _ in 0..100 {
        named = door_logs(&admin, community.id)
            .await
            .into_iter()
            .find_map(|e| match e.detail {
                Some(pb::device_event::Detail::DoorLog(l)) if l.success => Some(l),
                _ => None,
            });
        if named.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let named = named.expect("the opening is in the door log");
    assert_eq!(named.credential_id, lily.id);
    assert_eq!(named.who, "Lily Zheng (APT 101)");
    assert_eq!(
        named.method,
        porter_proto::device::v1::UnlockMethod::Pin as i32
    );

    // Withdrawn, it is refused.
    admin
        .credentials()
        .delete_credential(pb::CredentialRef { id: lily.id })
        .await
        .unwrap();
    door.until("pin 2580", false).await;

    // A visitor key with one use: scanned once, then refused.
    let now = chrono_now_ms();
    let key = admin
        .credentials()
        .create_credential(pb::CreateCredentialRequest {
            community_id: community.id,
            apartment_id: apartment.id,
            holder: Some(pb::CredentialHolder {
                kind: pb::HolderKind::Visitor as i32,
                name: "Ada".into(),
                ..Default::default()
            }),
            method: pb::CredentialMethod::Key as i32,
            key_format: pb::KeyFormat::Qr as i32,
            validity: Some(pb::KeyValidity {
                from_ms: now - 60_000,
                until_ms: now + 3_600_000,
                max_uses: 1,
                ..Default::default()
            }),
            doors: Some(pb::Doors {
                area: pb::DoorArea::Public as i32,
                chosen: vec![],
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let scanned = door.until(&format!("qr {}", key.value), true).await;
    assert_eq!(scanned["holder"], "Ada");
    assert_eq!(
        door.present(&format!("qr {}", key.value)).await["opened"],
        false
    );
    // The use reached the cloud's count.
    for _ in 0..100 {
        let k = admin
            .credentials()
            .get_credential(pb::CredentialRef { id: key.id })
            .await
            .unwrap()
            .into_inner();
        if k.uses == 1 {
            assert!(k.spent);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Offline during a change: the door works with what it has, and catches up on
    // connecting; what it logged offline reaches the door log.
    door.say("offline").await;
    online(&admin, gate, false).await;
    let late = pin(&admin, community.id, apartment.id, "1357").await;
    let refused = door.present("pin 1357").await;
    assert_eq!(
        (refused["opened"].clone(), refused["online"].clone()),
        (false.into(), false.into())
    );
    door.say("online").await;
    online(&admin, gate, true).await;
    let caught_up = door.until("pin 1357", true).await;
    assert_eq!(caught_up["credential_id"], late.id);
    let mut offline_logged = false;
    for _ in 0..100 {
        offline_logged = door_logs(&admin, community.id).await.iter().any(|e| {
            matches!(&e.detail, Some(pb::device_event::Detail::DoorLog(l)) if l.offline && !l.success)
        });
        if offline_logged {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        offline_logged,
        "the refusal made offline was reported on reconnecting"
    );
    door.stop().await;
    server.stop().await;
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// GET `path` on the HTTPS listener as device `mac` with `password`: (status, body bytes,
/// content type).
async fn fetch_as(
    server: &Server,
    path: &str,
    mac: &str,
    password: &str,
) -> (String, Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (body, headers) = (dir.path().join("b"), dir.path().join("h"));
    let ca = server.data_dir.join("gateway-cert.pem");
    let auth = format!("{mac}:{password}");
    let url = format!("https://{}{path}", server.https_addr);
    let (code, _) = common::curl(&[
        "--cacert",
        ca.to_str().unwrap(),
        "-u",
        &auth,
        "-o",
        body.to_str().unwrap(),
        "-D",
        headers.to_str().unwrap(),
        &url,
    ])
    .await;
    let content_type = std::fs::read_to_string(&headers)
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    (code, std::fs::read(&body).unwrap_or_default(), content_type)
}

async fn credential_of_device(admin: &Client, device: u64) -> String {
    admin
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id: device })
        .await
        .unwrap()
        .into_inner()
        .credential
}

#[tokio::test]
async fn a_face_opens_once_the_door_phone_has_its_photo() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let community = admin
        .create_community("Ash", pb::FeaturePlan::Premium)
        .await;
    let building = admin.create_building(community.id, "A").await;
    let apartment = apartment_with_resident(&admin, building.id, "301", "Noor", "Haddad").await;
    let gate = common::door_phone(&admin, community.id, "0C1100000B01").await;
    let other = admin
        .create_community("Elsewhere", pb::FeaturePlan::Premium)
        .await;
    let stranger = common::door_phone(&admin, other.id, "0C1100000B02").await;
    let autop = format!("https://{}", server.https_addr);
    let mut door = Door::start_with(&server, gate, &["--autop-url", &autop]).await;
    online(&admin, gate, true).await;

    let photo = common::face_png(1);
    let face = admin
        .credentials()
        .create_credential(pb::CreateCredentialRequest {
            community_id: community.id,
            apartment_id: apartment.id,
            holder: Some(pb::CredentialHolder {
                kind: pb::HolderKind::Resident as i32,
                ..Default::default()
            }),
            method: pb::CredentialMethod::Face as i32,
            face_photo: photo.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let sha = face.face.as_ref().unwrap().sha256.clone();
    // The door phone fetched the photo its list names, checked it, and now knows the face.
    let opened = door.until(&format!("face {sha}"), true).await;
    assert_eq!(opened["credential_id"], face.id);
    assert_eq!(opened["holder"], "Noor Haddad");

    // The photo is the door's to fetch, with its own credential, and nobody else's.
    let path = format!("/faces/{}/{sha}", face.id);
    let gate_secret = credential_of_device(&admin, gate).await;
    let (code, bytes, content_type) = fetch_as(&server, &path, "0C1100000B01", &gate_secret).await;
    assert_eq!((code.as_str(), content_type.as_str()), ("200", "image/png"));
    assert_eq!(bytes, photo);
    let (code, ..) = fetch_as(&server, &path, "0C1100000B01", "not-the-credential").await;
    assert_eq!(code, "401", "a wrong credential");
    let stranger_secret = credential_of_device(&admin, stranger).await;
    let (code, ..) = fetch_as(&server, &path, "0C1100000B02", &stranger_secret).await;
    assert_eq!(code, "404", "another community's door phone");
    let wrong = format!("/faces/{}/{}", face.id, "0".repeat(64));
    let (code, ..) = fetch_as(&server, &wrong, "0C1100000B01", &gate_secret).await;
    assert_eq!(code, "404", "a photo the list does not name");

    // Withdrawn, the face is refused and its photo is gone from the door's reach.
    admin
        .credentials()
        .delete_credential(pb::CredentialRef { id: face.id })
        .await
        .unwrap();
    door.until(&format!("face {sha}"), false).await;
    let (code, ..) = fetch_as(&server, &path, "0C1100000B01", &gate_secret).await;
    assert_eq!(code, "404", "a withdrawn credential's photo");
    door.stop().await;
    server.stop().await;
}
