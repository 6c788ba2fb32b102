//! Third-party cameras through the admin API.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, assert_status};
use porter_proto::admin::v1 as pb;
use tonic::Code;

fn cam(name: &str, url: &str, password: Option<&str>, linked: Option<u64>) -> pb::CameraInput {
    pb::CameraInput {
        name: Some(name.into()),
        rtsp_url: Some(url.into()),
        username: Some("viewer".into()),
        password: password.map(Into::into),
        linked_device_id: linked,
    }
}

#[tokio::test]
async fn cameras_validate_link_and_never_echo_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let c = admin.create_community("C", pb::FeaturePlan::Premium).await;
    let b = admin.create_building(c.id, "B1").await;
    let apt = admin.create_apartment(b.id, "101", None).await.unwrap();
    for mac in ["0C1100000001", "0C1100000002", "0C1100000003"] {
        admin
            .macs()
            .add_mac(pb::AddMacRequest { mac: mac.into() })
            .await
            .unwrap();
    }
    let device = |scope, t: u32, mac: &str, name: &str| pb::CreateDeviceRequest {
        scope: Some(scope),
        device: Some(pb::DeviceInput {
            device_type: Some(t),
            mac: Some(mac.into()),
            name: Some(name.into()),
            ..Default::default()
        }),
    };
    use pb::create_device_request::Scope as DScope;
    let gate = admin
        .devices()
        .create_device(device(
            DScope::PublicArea(pb::PublicArea {
                community_id: c.id,
                building_ids: vec![],
            }),
            0,
            "0C1100000001",
            "Gate",
        ))
        .await
        .unwrap()
        .into_inner();
    let lobby = admin
        .devices()
        .create_device(device(DScope::BuildingId(b.id), 0, "0C1100000002", "Lobby"))
        .await
        .unwrap()
        .into_inner();
    let monitor = admin
        .devices()
        .create_device(device(
            DScope::ApartmentId(apt.id),
            2,
            "0C1100000003",
            "Monitor",
        ))
        .await
        .unwrap()
        .into_inner();

    use pb::create_camera_request::Scope;
    let public = || {
        Some(Scope::PublicArea(pb::PublicArea {
            community_id: c.id,
            building_ids: vec![],
        }))
    };
    let mut svc = admin.cameras();
    let secret = "s3cret-Camera-pw";
    let created = svc
        .create_camera(pb::CreateCameraRequest {
            scope: public(),
            camera: Some(cam(
                "Parking",
                "rtsp://192.168.1.50:554/stream1",
                Some(secret),
                Some(gate.id),
            )),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(created.has_password);
    assert_eq!(created.linked_device_name, "Gate");
    assert!(!format!("{created:?}").contains(secret));

    for (scope, input, field) in [
        (
            public(),
            cam("X", "http://1.2.3.4:554", Some("p"), None),
            "rtsp_url",
        ),
        (
            public(),
            cam("X", "rtsp://1.2.3.4", Some("p"), None),
            "rtsp_url",
        ),
        (
            public(),
            cam("X", "rtsp://admin:pw@1.2.3.4:554", Some("p"), None),
            "rtsp_url",
        ),
        (
            public(),
            cam("", "rtsp://1.2.3.4:554", Some("p"), None),
            "name",
        ),
        (
            public(),
            cam("X", "rtsp://1.2.3.4:554", None, None),
            "password",
        ),
        (
            public(),
            cam("X", "rtsp://1.2.3.4:554", Some("p"), Some(lobby.id)),
            "linked_device_id",
        ),
        (
            public(),
            cam("X", "rtsp://1.2.3.4:554", Some("p"), Some(999_999)),
            "linked_device_id",
        ),
        (
            Some(Scope::ApartmentId(apt.id)),
            cam("X", "rtsp://cam.local:554", Some("p"), Some(monitor.id)),
            "linked_device_id",
        ),
    ] {
        assert_status(
            svc.create_camera(pb::CreateCameraRequest {
                scope,
                camera: Some(input),
            })
            .await,
            Code::InvalidArgument,
            field,
        );
    }
    let bcam = svc
        .create_camera(pb::CreateCameraRequest {
            scope: Some(Scope::BuildingId(b.id)),
            camera: Some(cam(
                "Hall",
                "rtsp://cam.example.com:8554",
                Some("pw2"),
                Some(lobby.id),
            )),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bcam.building_name, "B1");

    // Edit without a password keeps it; the list never shows it.
    let edited = svc
        .update_camera(pb::UpdateCameraRequest {
            id: created.id,
            camera: Some(pb::CameraInput {
                name: Some("Parking A".into()),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (edited.name.as_str(), edited.has_password),
        ("Parking A", true)
    );
    let listed = svc
        .list_cameras(pb::ListCamerasRequest {
            community_id: c.id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.cameras.len(), 2);
    let only_public = svc
        .list_cameras(pb::ListCamerasRequest {
            community_id: c.id,
            public_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        only_public
            .cameras
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Parking A"]
    );

    // Deleting the linked door phone unlinks; deleting the building takes its camera.
    admin
        .devices()
        .delete_device(pb::DeleteDeviceRequest { id: gate.id })
        .await
        .unwrap();
    let after = svc
        .get_camera(pb::GetCameraRequest { id: created.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.linked_device_id, 0);
    admin
        .building()
        .delete_building(pb::DeleteBuildingRequest {
            id: b.id,
            cascade: true,
        })
        .await
        .unwrap();
    assert_status(
        svc.get_camera(pb::GetCameraRequest { id: bcam.id }).await,
        Code::NotFound,
        "camera",
    );

    // Another installer sees nothing.
    let bob = server.other_installer(&admin, "bob").await;
    assert_status(
        bob.cameras()
            .get_camera(pb::GetCameraRequest { id: created.id })
            .await,
        Code::NotFound,
        "camera",
    );

    // The password is not on disk in clear.
    server.stop().await;
    assert!(common::assert_no_file_contains(&dir.path().join("data"), &[secret]) > 0);
}
