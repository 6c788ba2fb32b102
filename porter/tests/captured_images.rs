//! Captured images end to end: a real `porter serve`, the real `porter-sim` door phone
//! uploading pictures with `POST /captures` (its own credential), and the admin API showing
//! them among the events, with their bytes, to the installer and to a property manager with
//! Log Access Control only. Bad uploads are refused with a reason and keep nothing.

#![allow(clippy::unwrap_used)]

mod common;

use common::sim_door::Door;
use common::{Client, Server, assert_status};
use porter_proto::admin::v1 as pb;
use tonic::Code;

async fn captures(client: &Client, community: u64) -> Result<Vec<pb::DeviceEvent>, tonic::Status> {
    Ok(client
        .events()
        .list_events(pb::ListEventsRequest {
            community_id: community,
            kind: "capture".into(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .events)
}

#[tokio::test]
async fn a_door_phone_uploads_pictures_that_log_access_may_see() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let community = admin
        .create_community("Fir", pb::FeaturePlan::Premium)
        .await;
    let gate = common::door_phone(&admin, community.id, "0C1100000C01").await;
    let secret = admin
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id: gate })
        .await
        .unwrap()
        .into_inner()
        .credential;

    // The door phone takes a picture of someone at the door and uploads it.
    let autop = format!("https://{}", server.https_addr);
    let mut door = Door::start_with(&server, gate, &["--autop-url", &autop]).await;
    let answer = door.answer("capture door_log", "capture").await;
    assert_eq!(answer["status"], 201, "{answer}");
    door.stop().await;

    let listed = captures(&admin, community.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    let event = &listed[0];
    assert_eq!((event.device_id, event.kind.as_str()), (gate, "capture"));
    let Some(pb::device_event::Detail::Capture(info)) = &event.detail else {
        panic!("a capture's detail: {event:?}");
    };
    assert_eq!(
        (
            info.reason.as_str(),
            info.content_type.as_str(),
            info.width,
            info.height
        ),
        ("door_log", "image/png", 640, 480)
    );
    let file = admin
        .events()
        .get_captured_image(pb::CapturedImageRef {
            community_id: community.id,
            seq: event.seq,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(file.content_type, "image/png");
    assert_eq!(file.data.len() as u32, info.size);
    assert!(file.data.starts_with(b"\x89PNG"));

    // Bad uploads say what is wrong and keep nothing.
    let picture = common::face_png(7);
    let (code, body) =
        common::upload_capture(&server, "0C1100000C01", &secret, "reason=selfie", &picture).await;
    assert_eq!(code, "400", "{body}");
    assert!(
        body.contains("reason: must be one of door_log, call, motion"),
        "{body}"
    );
    let (code, body) = common::upload_capture(
        &server,
        "0C1100000C01",
        &secret,
        "reason=call",
        b"not an image",
    )
    .await;
    assert_eq!(code, "400", "{body}");
    assert!(body.contains("image: is not a JPEG or PNG image"), "{body}");
    // Just over the limit (the server reads it all before answering).
    let big = [picture.clone(), vec![0; 512 * 1024 + 1 - picture.len()]].concat();
    let (code, body) =
        common::upload_capture(&server, "0C1100000C01", &secret, "reason=call", &big).await;
    assert_eq!(code, "413", "{body}");
    let (code, _) =
        common::upload_capture(&server, "0C1100000C01", "wrong", "reason=call", &picture).await;
    assert_eq!(code, "401");
    assert_eq!(captures(&admin, community.id).await.unwrap().len(), 1);

    // A property manager sees them with Log Access Control, and is refused without it.
    let made = admin
        .pm()
        .create_property_manager(pb::CreatePropertyManagerRequest {
            first_name: "Ines".into(),
            last_name: "Moreau".into(),
            email: "ines@example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let assign = |log_access| pb::AssignPropertyManagerRequest {
        community_id: community.id,
        property_manager_id: made.property_manager.as_ref().unwrap().id,
        permissions: Some(pb::PropertyManagerPermissions {
            log_access,
            ..Default::default()
        }),
    };
    admin
        .pm()
        .assign_property_manager(assign(false))
        .await
        .unwrap();
    let pm = server
        .login("ines@example.com", &made.generated_password)
        .await;
    let image = pb::CapturedImageRef {
        community_id: community.id,
        seq: event.seq,
    };
    assert_status(
        pm.events().get_captured_image(image).await,
        Code::PermissionDenied,
        "Log Access Control is off",
    );
    admin
        .pm()
        .assign_property_manager(assign(true))
        .await
        .unwrap();
    assert_eq!(captures(&pm, community.id).await.unwrap().len(), 1);
    let seen = pm
        .events()
        .get_captured_image(image)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen.data, file.data);
    // Another event's seq is no image.
    assert_status(
        admin
            .events()
            .get_captured_image(pb::CapturedImageRef {
                community_id: community.id,
                seq: event.seq + 1_000,
            })
            .await,
        Code::NotFound,
        "captured image",
    );
    server.stop().await;
}
