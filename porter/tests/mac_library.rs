//! The MAC library through the admin API: normalisation, ownership, imports, search.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Client, Server, assert_status};
use porter_proto::admin::v1 as pb;
use tonic::Code;

async fn add(client: &Client, mac: &str) -> Result<pb::MacEntry, tonic::Status> {
    client
        .macs()
        .add_mac(pb::AddMacRequest { mac: mac.into() })
        .await
        .map(|r| r.into_inner())
}

async fn import(client: &Client, file: Vec<u8>) -> pb::ImportMacsResponse {
    client
        .macs()
        .import_macs(pb::ImportMacsRequest { file })
        .await
        .unwrap()
        .into_inner()
}

async fn list(client: &Client, search: &str) -> pb::ListMacsResponse {
    client
        .macs()
        .list_macs(pb::ListMacsRequest {
            search: search.into(),
            page: Some(pb::Page {
                page: 1,
                page_size: 100,
            }),
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn macs_are_normalised_owned_by_one_installer_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;

    let e = add(&admin, "0c:11:05:0b:98:14").await.unwrap();
    assert_eq!(e.mac, "0C11050B9814");
    assert_eq!(e.installer, "admin");
    assert_eq!(e.owner, "");
    assert!(e.created_at_ms > 0);
    assert_eq!(
        add(&admin, "0C-11-05-0B-98-15").await.unwrap().mac,
        "0C11050B9815"
    );
    for bad in ["0C11050B981", "0C11050B98ZZ", "", "0C11050B9814FF"] {
        assert_status(add(&admin, bad).await, Code::InvalidArgument, "mac");
    }
    assert_status(
        add(&admin, "0C11050B9814").await,
        Code::AlreadyExists,
        "already in your MAC library",
    );

    // Another installer can neither register nor see nor delete it.
    let bob = server.other_installer(&admin, "bob").await;
    assert_status(
        add(&bob, "0c11050b9814").await,
        Code::AlreadyExists,
        "another installer",
    );
    assert_eq!(list(&bob, "").await.total, 0);
    assert_status(
        bob.macs()
            .delete_mac(pb::DeleteMacRequest {
                mac: "0C11050B9814".into(),
            })
            .await,
        Code::NotFound,
        "0C11050B9814",
    );

    // Search by any part, with or without separators; newest first.
    assert_eq!(
        list(&admin, "98:15")
            .await
            .entries
            .iter()
            .map(|e| e.mac.as_str())
            .collect::<Vec<_>>(),
        ["0C11050B9815"]
    );
    let all = list(&admin, "").await;
    assert_eq!(
        all.entries
            .iter()
            .map(|e| e.mac.as_str())
            .collect::<Vec<_>>(),
        ["0C11050B9815", "0C11050B9814"]
    );

    admin
        .macs()
        .delete_mac(pb::DeleteMacRequest {
            mac: "0c-11-05-0b-98-15".into(),
        })
        .await
        .unwrap();
    assert_eq!(list(&admin, "").await.total, 1);
    assert_status(
        admin
            .macs()
            .delete_mac(pb::DeleteMacRequest {
                mac: "0C11050B9815".into(),
            })
            .await,
        Code::NotFound,
        "0C11050B9815",
    );
    // Now free for Bob.
    add(&bob, "0C11050B9815").await.unwrap();
}

#[tokio::test]
async fn imports_are_all_or_nothing_and_report_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    add(&admin, "0C11050893CA").await.unwrap();
    let audit_before = admin.audit_count().await;

    let bad = b"MAC\n0C11050893CB\nnot-a-mac\n0c:11:05:08:93:cb\n\n0C11050893CC\n12345\n".to_vec();
    let report = import(&admin, bad).await;
    assert!(!report.committed);
    let rows: Vec<u32> = report.errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, [3, 4, 7], "{:?}", report.errors);
    assert!(report.errors.iter().all(|e| e.column == "MAC"));
    assert!(report.errors[1].rule.contains("more than once"));
    assert_eq!(list(&admin, "").await.total, 1, "nothing written");
    assert_eq!(admin.audit_count().await, audit_before);

    // No MAC column; not a spreadsheet at all.
    assert_status(
        admin
            .macs()
            .import_macs(pb::ImportMacsRequest {
                file: b"Serial\n123\n".to_vec(),
            })
            .await,
        Code::InvalidArgument,
        "MAC column",
    );
    assert_status(
        admin
            .macs()
            .import_macs(pb::ImportMacsRequest {
                file: b"PK\x03\x04 broken zip".to_vec(),
            })
            .await,
        Code::InvalidArgument,
        "XLSX",
    );

    // A good CSV: the MAC already there is left alone.
    let good = b"MAC\r\n0C11050893CA\r\n0c-11-05-08-93-cb\r\n0C11050893CC\r\n".to_vec();
    let report = import(&admin, good).await;
    assert!(report.committed, "{:?}", report.errors);
    assert_eq!(report.added, ["0C11050893CB", "0C11050893CC"]);
    assert_eq!(report.already_present, ["0C11050893CA"]);
    assert_eq!(list(&admin, "").await.total, 3);

    // XLSX, as a spreadsheet program writes it (MAC column not first, a title row above).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "MAC template").unwrap();
    sheet.write_string(1, 0, "Note").unwrap();
    sheet.write_string(1, 1, "mac").unwrap();
    for (i, mac) in ["0C:11:05:08:93:D0", "0c11050893d1"].iter().enumerate() {
        sheet.write_string(2 + i as u32, 0, "device").unwrap();
        sheet.write_string(2 + i as u32, 1, *mac).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let report = import(&admin, bytes).await;
    // The title row above the header is passed over.
    assert!(report.committed, "{:?}", report.errors);
    assert_eq!(report.added, ["0C11050893D0", "0C11050893D1"]);

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Note").unwrap();
    sheet.write_string(0, 1, "MAC").unwrap();
    sheet.write_string(1, 1, "0C:11:05:08:93:E0").unwrap();
    sheet.write_string(2, 1, "0c11050893e1").unwrap();
    sheet.write_string(4, 1, "0C11050893ZZ").unwrap();
    let report = import(&admin, book.save_to_buffer().unwrap()).await;
    assert!(!report.committed);
    assert_eq!(
        report.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        [5],
        "spreadsheet row numbers"
    );
}

#[tokio::test]
async fn a_large_import_goes_in_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let mut csv = String::from("MAC\n");
    for i in 0..5_000u64 {
        csv.push_str(&format!("0C11{:08X}\n", i));
    }
    let report = import(&admin, csv.into_bytes()).await;
    assert!(report.committed);
    assert_eq!(report.added.len(), 5_000);
    assert_eq!(list(&admin, "0C1100001387").await.total, 1);
}

/// Adding MACs of another installer's library is refused as before, but each try is audited
/// (in both trails) and counted: past the budget even a free MAC waits, so a loop cannot
/// watch for the moment another installer frees one.
#[tokio::test]
async fn tries_at_other_installers_macs_are_audited_and_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    add(&admin, "0C11050B9814").await.unwrap();
    let bob = server.other_installer(&admin, "bob").await;
    for _ in 0..10 {
        assert_status(
            add(&bob, "0C11050B9814").await,
            Code::AlreadyExists,
            "another installer",
        );
    }
    assert_status(
        add(&bob, "0C11050B9899").await,
        Code::ResourceExhausted,
        "try again in",
    );
    let trail = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .audit()
                .list_audit(pb::ListAuditRequest {
                    before_seq: 0,
                    limit: 100,
                })
                .await
                .unwrap()
                .into_inner()
                .entries
        }
    };
    let bobs = trail(&bob).await;
    assert_eq!(
        bobs.iter()
            .filter(|e| e.action == "mac.add_refused")
            .count(),
        10,
        "{bobs:?}"
    );
    let owners = trail(&admin).await;
    assert!(
        owners
            .iter()
            .any(|e| e.action == "mac.claimed_by_another_installer"
                && e.target == "mac/0C11050B9814"
                && e.username == "bob"),
        "{owners:?}"
    );
}
