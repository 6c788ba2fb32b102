//! The import template through the admin API: download, fill, import; all or nothing.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Client, Server, assert_status};
use porter_proto::admin::v1 as pb;
use tonic::Code;

const HEADER: &str = "Building,Apt,AptName,Device,FirstName,LastName,Email,MobileNumber,TelephoneCallingCode,1stPhone,2ndPhone,3rdPhone,CallType,WebRelayID";

async fn import(client: &Client, community_id: u64, file: Vec<u8>) -> pb::ImportTemplateResponse {
    client
        .templates()
        .import_template(pb::ImportTemplateRequest { community_id, file })
        .await
        .unwrap()
        .into_inner()
}

async fn import_macs(client: &Client, macs: impl Iterator<Item = String>) {
    let mut csv = String::from("MAC\n");
    for m in macs {
        csv.push_str(&m);
        csv.push('\n');
    }
    let r = client
        .macs()
        .import_macs(pb::ImportMacsRequest {
            file: csv.into_bytes(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.committed, "{:?}", r.errors);
}

/// Every file under `dir` and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.insert(p.display().to_string(), std::fs::read(&p).unwrap());
        }
    }
    out
}

#[tokio::test]
async fn template_downloads_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let csv = admin
        .templates()
        .download_template(pb::DownloadTemplateRequest {
            format: pb::TemplateFormat::Csv as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(String::from_utf8(csv.content).unwrap().trim_end(), HEADER);
    assert_eq!(csv.content_type, "text/csv");
    let xlsx = admin
        .templates()
        .download_template(pb::DownloadTemplateRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(xlsx.content.starts_with(b"PK\x03\x04"));
    assert!(xlsx.filename.ends_with(".xlsx"));
}

#[tokio::test]
async fn a_good_file_creates_buildings_apartments_residents_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = admin
        .create_community("Basic", pb::FeaturePlan::Basic)
        .await;
    let existing = admin.create_building(c.id, "Building#1").await;
    import_macs(
        &admin,
        [
            "0C11050B9814",
            "0C11050893C6",
            "0C11050893C7",
            "0C11050893C8",
        ]
        .map(String::from)
        .into_iter(),
    )
    .await;
    let file = format!(
        "{HEADER}\n\
         Building#2,403,Ryan,\"Gate2,0,0C11050B9814; Living Room,2,0C11050893C6\",Ryan,Chen,ryan@example.com,555 0100,1,555 0101,555 0102,,5,3\n\
         Building#1,2#101,,\"Monitor,2,0c:11:05:08:93:c7\",,,,,,,,,,\n\
         Building#2,404,,\"Villa door,1,0C11050893C8; Kitchen,2,0C11050893C6X\",A,B,,,,,,,,\n"
    );
    // The last row has a bad MAC: nothing is written.
    let report = import(&admin, c.id, file.clone().into_bytes()).await;
    assert!(!report.committed);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(
        (report.errors[0].row, report.errors[0].column.as_str()),
        (4, "Device")
    );
    let buildings = admin
        .building()
        .list_buildings(pb::ListBuildingsRequest { community_id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(buildings.buildings.len(), 1);

    let file = file
        .replace("0C11050893C6X", "0C11050893C9")
        .replace("Villa door,1,0C11050893C8; ", "");
    let file = file.replace("Kitchen,2,0C11050893C9", "Kitchen,2,0C11050893C8");
    let report = import(&admin, c.id, file.into_bytes()).await;
    assert!(report.committed, "{:?}", report.errors);
    assert_eq!(
        (
            report.buildings_created,
            report.apartments,
            report.residents,
            report.devices
        ),
        (1, 3, 2, 4)
    );

    let community = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            community.building_count,
            community.apartments_used,
            community.device_count,
            community.end_user_count
        ),
        (2, 3, 4, 2)
    );
    let found = admin
        .apartment()
        .search_residents(pb::SearchResidentsRequest {
            community_id: c.id,
            filter: Some(pb::ResidentFilter {
                text: "ryan@".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let row = &found.residents[0];
    assert_eq!(
        (
            row.building_name.as_str(),
            row.apt_number.as_str(),
            row.apt_name.as_str()
        ),
        ("Building#2", "403", "Ryan")
    );
    let apt = admin
        .apartment()
        .get_apartment(pb::GetApartmentRequest {
            id: row.apartment_id,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((apt.call_type, apt.web_relay_id), (5, 3));
    let r = apt.resident.unwrap();
    assert_eq!(
        (r.mobile.as_str(), r.calling_code.as_str()),
        ("5550100", "+1")
    );
    assert_eq!(r.landlines, ["5550101", "5550102"]);
    // The multi-tenant door phone went to the building, the monitor to the apartment.
    let devices = admin
        .devices()
        .list_devices(pb::ListDevicesRequest {
            community_id: c.id,
            sort: pb::DeviceSort::NameAsc as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let owners: Vec<(&str, &str)> = devices
        .devices
        .iter()
        .map(|d| (d.name.as_str(), d.owner.as_str()))
        .collect();
    assert_eq!(
        owners,
        [
            ("Gate2", "Building#2"),
            ("Kitchen", "Building#2-404"),
            ("Living Room", "Building#2-403"),
            ("Monitor", "Building#1-2#101")
        ]
    );
    let _ = existing;
}

#[tokio::test]
async fn bad_rows_are_all_reported_and_the_store_is_unchanged_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data).await;
    let admin = server.admin().await;
    let c = admin
        .create_community("Basic", pb::FeaturePlan::Basic)
        .await;
    let b = admin.create_building(c.id, "B1").await;
    admin
        .create_apartment_with_monitor(
            b.id,
            "101",
            Some(common::resident("Lily", "Zheng", "lily@example.com")),
            "0C1100000001",
        )
        .await
        .unwrap();
    import_macs(
        &admin,
        ["0C1100000002", "0C1100000003"]
            .map(String::from)
            .into_iter(),
    )
    .await;

    let file = format!(
        "{HEADER}\n\
         B1,101,,\"M,2,0C1100000002\",,,,,,,,,,\n\
         B1,#5,,\"M,2,0C1100000003\",,,,,,,,,,\n\
         ,102,,\"M,2,0C1100000003\",,,,,,,,,,\n\
         B1,103,,\"M,2,0C11000000FF\",,,,,,,,,,\n\
         B1,104,,\"M,2,0C1100000001\",,,,,,,,,,\n\
         B1,105,,\"M,9,0C1100000003\",,,,,,,,,,\n\
         B1,106,,,A,B,,,,,,,,\n\
         B1,107,,\"M,2,0C1100000003\",{},B,,,,,,,,\n\
         B1,108,,\"M,2,0C1100000003\",A,B,LILY@example.com,,,,,,,\n\
         B1,109,,\"M,2,0C1100000003\",A,B,,,,,,,7,\n\
         B1,110,,\"M,2,0C1100000003\",A,B,,,,,,,,x\n\
         B1,111,,\"M 2 0C1100000003\",A,B,,,,,,,,\n",
        "F".repeat(65)
    );
    // Let any timed flush of earlier writes happen before the snapshot.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let before = snapshot(&data);
    let audit_before = admin.audit_count().await;
    let report = import(&admin, c.id, file.into_bytes()).await;
    assert!(!report.committed);
    let got: Vec<(u32, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "Apt"),
            (3, "Apt"),
            (4, "Building"),
            (5, "Device"),
            (6, "Device"),
            (7, "Device"),
            (8, "Device"),
            (9, "FirstName"),
            (10, "Email"),
            (11, "CallType"),
            (12, "WebRelayID"),
            (13, "Device"),
        ],
        "{:#?}",
        report.errors
    );
    assert!(report.errors.iter().all(|e| !e.rule.is_empty()));
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(admin.audit_count().await, audit_before);
    let after = snapshot(&data);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{path} changed");
    }
    // Not a template at all.
    assert_status(
        admin
            .templates()
            .import_template(pb::ImportTemplateRequest {
                community_id: c.id,
                file: b"Name,Number\nx,1\n".to_vec(),
            })
            .await,
        Code::InvalidArgument,
        "Apt",
    );
    assert_status(
        admin
            .templates()
            .import_template(pb::ImportTemplateRequest {
                community_id: 999_999,
                file: format!("{HEADER}\n").into_bytes(),
            })
            .await,
        Code::NotFound,
        "community",
    );
}

#[tokio::test]
async fn three_thousand_rows_with_three_thousand_devices() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let mut settings = common::community_settings("Big", pb::FeaturePlan::Basic);
    settings.apartment_count = Some(5_000);
    let c = admin
        .community()
        .create_community(pb::CreateCommunityRequest {
            settings: Some(settings),
        })
        .await
        .unwrap()
        .into_inner();
    import_macs(&admin, (0..3_000u32).map(|i| format!("0C12{i:08X}"))).await;
    let mut file = format!("{HEADER}\n");
    for i in 0..3_000u32 {
        file.push_str(&format!(
            "Tower {},{},Flat {i},\"Monitor {i},2,0C12{i:08X}\",First{i},Last{i},r{i}@example.com,+1 555 {i:04},1,,,,2,0\n",
            i % 10,
            100 + i / 10,
        ));
    }
    let report = import(&admin, c.id, file.into_bytes()).await;
    assert!(
        report.committed,
        "{:?}",
        &report.errors[..report.errors.len().min(5)]
    );
    assert_eq!(
        (
            report.buildings_created,
            report.apartments,
            report.residents,
            report.devices
        ),
        (10, 3_000, 3_000, 3_000)
    );
    let community = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            community.apartments_used,
            community.device_count,
            community.end_user_count
        ),
        (3_000, 3_000, 3_000)
    );
    // SIP numbers are all distinct.
    let devices = admin
        .devices()
        .list_devices(pb::ListDevicesRequest {
            community_id: c.id,
            page: Some(pb::Page {
                page: 1,
                page_size: 100,
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut sips: Vec<&str> = devices
        .devices
        .iter()
        .map(|d| d.sip_number.as_str())
        .collect();
    sips.sort_unstable();
    sips.dedup();
    assert_eq!(sips.len(), 100);
}
