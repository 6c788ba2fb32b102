//! Tenancy of the residents' app through the real server: every call of `ResidentService`
//! that takes a token refuses no token and an installer's token, and, with one end user's
//! token, reaches that end user's own apartment and never another's (the probe table must
//! name every such RPC of admin.proto). The end user's token opens no call of the
//! installers' services.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::smtp::{SmtpServer, link_in, wait_for_mail};
use common::{Client, resident};
use porter_proto::admin::v1 as pb;
use tonic::{Code, Status};

/// RPCs a caller without a token makes (links and login); tests/mail.rs drives them.
const TOKEN_FREE: [&str; 3] = [
    "SetResidentPassword",
    "ResidentLogin",
    "ForgotResidentPassword",
];

/// What one end user's apartment holds, for probing from the other's token.
#[derive(Clone, Debug, Default)]
struct Home {
    apartment: u64,
    door: u64,
    family_member: u64,
    credential: u64,
    camera: u64,
}

fn rpcs_of(service: &str) -> Vec<String> {
    let proto = include_str!("../../proto/porter/admin/v1/admin.proto");
    let mut current = "";
    let mut out = Vec::new();
    for line in proto.lines() {
        if let Some(rest) = line.strip_prefix("service ") {
            current = rest.split_whitespace().next().unwrap_or("");
        } else if let Some(rest) = line.trim_start().strip_prefix("rpc ")
            && (current == service || service.is_empty())
        {
            let name = rest.split('(').next().unwrap_or("").trim();
            out.push(format!("{current}/{name}"));
        }
    }
    out
}

fn key_request(apartment_id: u64) -> pb::CreateCredentialRequest {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    pb::CreateCredentialRequest {
        apartment_id,
        holder: Some(pb::CredentialHolder {
            kind: pb::HolderKind::Visitor as i32,
            name: "Ada".into(),
            ..Default::default()
        }),
        method: pb::CredentialMethod::Key as i32,
        key_format: pb::KeyFormat::Qr as i32,
        validity: Some(pb::KeyValidity {
            from_ms: now,
            until_ms: now + 86_400_000,
            max_uses: 1,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Calls `rpc` as `app` on `target`'s things; `Ok` carries nothing.
async fn call(app: &Client, rpc: &str, target: &Home) -> Result<(), Status> {
    let mut r = app.resident();
    match rpc {
        "GetHome" => r.get_home(pb::Empty {}).await.map(drop),
        "ListDoors" => r.list_doors(pb::Empty {}).await.map(drop),
        "UnlockDoor" => r
            .unlock_door(pb::UnlockDoorRequest {
                device_id: target.door,
                relay: 1,
            })
            .await
            .map(drop),
        "GetSipAccount" => r.get_sip_account(pb::Empty {}).await.map(drop),
        "AddFamily" => r
            .add_family(pb::AddFamilyRequest {
                first_name: "Kim".into(),
                last_name: "Probe".into(),
                email: format!("kim{}@example.com", target.apartment),
                ..Default::default()
            })
            .await
            .map(drop),
        "RemoveFamily" => r
            .remove_family(pb::RemoveFamilyRequest {
                id: target.family_member,
            })
            .await
            .map(drop),
        "ListMyCredentials" => r.list_my_credentials(pb::Empty {}).await.map(drop),
        "CreateMyCredential" => r
            .create_my_credential(key_request(target.apartment))
            .await
            .map(drop),
        "DeleteMyCredential" => r
            .delete_my_credential(pb::CredentialRef {
                id: target.credential,
            })
            .await
            .map(drop),
        "ListMyEvents" => r
            .list_my_events(pb::ListMyEventsRequest {
                kind: "door_log".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "ListMyCameras" => r.list_my_cameras(pb::Empty {}).await.map(drop),
        "GetCameraStream" => r
            .get_camera_stream(pb::GetCameraRequest { id: target.camera })
            .await
            .map(drop),
        "ResidentLogout" => r.resident_logout(pb::Empty {}).await.map(drop),
        other => panic!("ResidentService.{other} has no probe in tests/resident_matrix.rs"),
    }
}

/// Calls that name a thing of `target` and must not reach another apartment's.
fn names_a_thing(rpc: &str) -> bool {
    matches!(
        rpc,
        "UnlockDoor"
            | "RemoveFamily"
            | "CreateMyCredential"
            | "DeleteMyCredential"
            | "GetCameraStream"
    )
}

async fn login_from_mail(anonymous: &Client, smtp: &SmtpServer, email: &str) -> Client {
    let mail = wait_for_mail(smtp, email, 1).await;
    let link = link_in(&mail[0].text);
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let mut r = anonymous.resident();
    r.set_resident_password(pb::SetResidentPasswordRequest {
        token,
        password: "resident-pw-1".into(),
    })
    .await
    .unwrap();
    let login = r
        .resident_login(pb::ResidentLoginRequest {
            email: email.into(),
            password: "resident-pw-1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    Client {
        token: login.token,
        ..anonymous.clone()
    }
}

/// An apartment in its own building with a resident `email`, a family member, a PIN, a
/// door and a camera of the building.
async fn home(
    admin: &Client,
    community: u64,
    building: &str,
    email: &str,
    (mac, pin): (&str, &str),
) -> Home {
    let b = admin.create_building(community, building).await.id;
    let apartment = admin
        .create_apartment(b, "101", Some(resident("Res", building, email)))
        .await
        .unwrap()
        .id;
    let family_member = admin
        .apartment()
        .add_family_member(pb::AddFamilyMemberRequest {
            apartment_id: apartment,
            first_name: "Fam".into(),
            last_name: building.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    let credential = admin
        .credentials()
        .create_credential(pb::CreateCredentialRequest {
            community_id: community,
            apartment_id: apartment,
            holder: Some(pb::CredentialHolder {
                kind: pb::HolderKind::Resident as i32,
                ..Default::default()
            }),
            method: pb::CredentialMethod::Pin as i32,
            value: pin.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    let door = common::building_door(admin, b, mac, &format!("{building} Lobby")).await;
    let camera = admin
        .cameras()
        .create_camera(pb::CreateCameraRequest {
            scope: Some(pb::create_camera_request::Scope::BuildingId(b)),
            camera: Some(pb::CameraInput {
                name: Some(format!("{building} hall")),
                rtsp_url: Some("rtsp://10.0.0.5:554/live".into()),
                username: Some("viewer".into()),
                password: Some(format!("{building}-secret")),
                linked_device_id: None,
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    Home {
        apartment,
        door,
        family_member,
        credential,
        camera,
    }
}

#[tokio::test]
async fn an_end_user_reaches_their_own_apartment_only() {
    let dir = tempfile::tempdir().unwrap();
    let (smtp, server) = common::smtp::server_with_mail(dir.path()).await;
    let admin = server.admin().await;
    let community = admin
        .create_community("Luna", pb::FeaturePlan::Premium)
        .await
        .id;
    let lily_home = home(
        &admin,
        community,
        "B1",
        "lily@example.com",
        ("0C1100000B01", "4711"),
    )
    .await;
    let zoe_home = home(
        &admin,
        community,
        "B2",
        "zoe@example.com",
        ("0C1100000B02", "4722"),
    )
    .await;
    let anonymous = Client {
        channel: server.channel().await,
        token: String::new(),
        account: pb::AccountInfo::default(),
    };
    let lily = login_from_mail(&anonymous, &smtp, "lily@example.com").await;
    let zoe = login_from_mail(&anonymous, &smtp, "zoe@example.com").await;

    // Zoe opens her door from the app: a door log of her apartment, none of Lily's.
    let door = common::sim_door::Door::start(&server, zoe_home.door).await;
    let mut opened = None;
    for _ in 0..100 {
        let reply = zoe
            .resident()
            .unlock_door(pb::UnlockDoorRequest {
                device_id: zoe_home.door,
                relay: 1,
            })
            .await;
        if let Ok(r) = reply {
            opened = Some(r.into_inner());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(opened.is_some_and(|r| r.ok));
    door.stop().await;
    let events = |c: &Client| {
        let c = c.clone();
        async move {
            c.resident()
                .list_my_events(pb::ListMyEventsRequest {
                    kind: "door_log".into(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .events
        }
    };
    assert_eq!(events(&zoe).await.len(), 1);
    assert!(events(&lily).await.is_empty());

    // Lists hold the end user's own things only.
    let creds = lily
        .resident()
        .list_my_credentials(pb::Empty {})
        .await
        .unwrap()
        .into_inner()
        .credentials;
    assert_eq!(
        creds.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![lily_home.credential]
    );
    let cams = lily
        .resident()
        .list_my_cameras(pb::Empty {})
        .await
        .unwrap()
        .into_inner()
        .cameras;
    assert_eq!(
        cams.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![lily_home.camera]
    );
    let stream = lily
        .resident()
        .get_camera_stream(pb::GetCameraRequest {
            id: lily_home.camera,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stream.url, "rtsp://viewer:B1-secret@10.0.0.5:554/live");

    // Every call that takes a token: none or an installer's is refused; Lily's token reaches
    // her own things, never Zoe's.
    let probed: Vec<String> = rpcs_of("ResidentService")
        .into_iter()
        .map(|r| r.rsplit('/').next().unwrap().to_owned())
        .filter(|r| !TOKEN_FREE.contains(&r.as_str()) && r != "ResidentLogout")
        .collect();
    assert!(probed.len() >= 12, "{probed:?}");
    for rpc in &probed {
        let none = call(&anonymous, rpc, &lily_home).await.unwrap_err();
        assert_eq!(none.code(), Code::Unauthenticated, "{rpc} without a token");
        let staff = call(&admin, rpc, &lily_home).await.unwrap_err();
        assert_eq!(
            staff.code(),
            Code::Unauthenticated,
            "{rpc} with an installer's token"
        );
        if names_a_thing(rpc) {
            let foreign = call(&lily, rpc, &zoe_home).await.unwrap_err();
            assert!(
                matches!(
                    foreign.code(),
                    Code::NotFound | Code::PermissionDenied | Code::InvalidArgument
                ),
                "{rpc} on another apartment's thing: {foreign:?}"
            );
        }
    }
    // Lily's own, with her door offline: the unlock is tried and says so.
    for rpc in probed.iter().filter(|r| *r != "UnlockDoor") {
        call(&lily, rpc, &lily_home)
            .await
            .unwrap_or_else(|s| panic!("{rpc} on Lily's own: {s:?}"));
    }
    let offline = call(&lily, "UnlockDoor", &lily_home).await.unwrap_err();
    assert_eq!(offline.code(), Code::FailedPrecondition, "{offline:?}");
    // Zoe's things are all still there.
    let zoe_creds = zoe
        .resident()
        .list_my_credentials(pb::Empty {})
        .await
        .unwrap()
        .into_inner()
        .credentials;
    assert!(zoe_creds.iter().any(|c| c.id == zoe_home.credential));
    let zoe_home_now = zoe
        .resident()
        .get_home(pb::Empty {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(zoe_home_now.family.len(), 2, "{zoe_home_now:?}");

    // The app's token opens no call of the installers' services.
    let mut grpc = tonic::client::Grpc::new(server.channel().await);
    for path in rpcs_of("") {
        if path.starts_with("ResidentService/") || path.starts_with("AuthService/") {
            continue;
        }
        grpc.ready().await.unwrap();
        let mut request = tonic::Request::new(pb::Empty {});
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {}", lily.token).parse().unwrap(),
        );
        let uri =
            tonic::codegen::http::uri::PathAndQuery::try_from(format!("/porter.admin.v1.{path}"))
                .unwrap();
        let codec = tonic_prost::ProstCodec::<pb::Empty, pb::Empty>::default();
        let answer = grpc.unary(request, uri, codec).await;
        assert_eq!(
            answer.map(drop).unwrap_err().code(),
            Code::Unauthenticated,
            "{path} with an end user's token"
        );
    }

    // Logging out ends the token.
    call(&lily, "ResidentLogout", &lily_home).await.unwrap();
    let gone = call(&lily, "GetHome", &lily_home).await.unwrap_err();
    assert_eq!(gone.code(), Code::Unauthenticated);
    server.stop().await;
    drop(smtp.child);
}
