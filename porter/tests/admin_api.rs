//! The admin API driven through a real gRPC client against a real `porter serve`.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ADMIN_PASSWORD, Server, assert_status, community_settings, resident};
use porter_proto::admin::v1 as pb;
use tonic::Code;

#[tokio::test]
async fn communities_create_edit_delete_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let mut svc = admin.community();

    // Defaults from the manual.
    let c = svc
        .create_community(pb::CreateCommunityRequest {
            settings: Some(pb::CommunitySettings {
                name: Some("Lakeside".into()),
                feature_plan: Some(pb::FeaturePlan::Premium as i32),
                address: Some(pb::Address {
                    country: "Canada".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.apartment_count, 50);
    assert_eq!(c.time_zone, "UTC");
    assert_eq!(c.time_format, pb::TimeFormat::Hours24 as i32);
    assert_eq!(c.date_format, pb::DateFormat::Ymd as i32);
    assert_eq!(
        c.access_control,
        pb::AccessControlPermission::PublicAndPrivate as i32
    );
    assert_eq!(c.pin_mode, pb::PinMode::Pin as i32);
    assert_eq!(c.charge_mode, pb::ChargeMode::Installer as i32);
    assert!(!c.home_automation && !c.landline_service && !c.send_expiration_email);

    // Every rule of the form.
    let bad = |f: fn(&mut pb::CommunitySettings)| {
        let mut s = community_settings("X", pb::FeaturePlan::Premium);
        f(&mut s);
        pb::CreateCommunityRequest { settings: Some(s) }
    };
    let cases: Vec<(pb::CreateCommunityRequest, &str)> = vec![
        (bad(|s| s.name = Some("n".repeat(129))), "name"),
        (bad(|s| s.name = Some("   ".into())), "name"),
        (bad(|s| s.feature_plan = None), "feature_plan"),
        (bad(|s| s.feature_plan = Some(9)), "feature_plan"),
        (
            bad(|s| s.address.as_mut().unwrap().post_code = "10-115".into()),
            "address.post_code",
        ),
        (
            bad(|s| s.address.as_mut().unwrap().country = String::new()),
            "address.country",
        ),
        (bad(|s| s.time_zone = Some("Mars/Base".into())), "time_zone"),
        (bad(|s| s.apartment_count = Some(0)), "apartment_count"),
        (
            bad(|s| {
                s.feature_plan = Some(pb::FeaturePlan::Basic as i32);
                s.landline_service = Some(true);
            }),
            "landline_service",
        ),
        (
            bad(|s| {
                s.home_automation = Some(true);
                s.landline_service = Some(true);
            }),
            "landline_service",
        ),
    ];
    for (req, field) in cases {
        let r = svc.create_community(req).await;
        if let Err(s) = &r {
            assert_eq!(
                s.metadata()
                    .get("porter-field")
                    .and_then(|v| v.to_str().ok()),
                Some(field)
            );
        }
        assert_status(r, Code::InvalidArgument, field);
    }
    let list = svc
        .list_communities(pb::ListCommunitiesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.communities.len(), 1, "rejected creates wrote nothing");

    // Edits: allowed fields change, fixed ones are refused.
    let mut s = community_settings("Lakeside", pb::FeaturePlan::Basic);
    s.home_automation = Some(true);
    let basic = svc
        .create_community(pb::CreateCommunityRequest { settings: Some(s) })
        .await
        .unwrap()
        .into_inner();
    let edit = |settings: pb::CommunitySettings| pb::UpdateCommunityRequest {
        id: basic.id,
        settings: Some(settings),
    };
    let updated = svc
        .update_community(edit(pb::CommunitySettings {
            name: Some("Lakeside North".into()),
            time_format: Some(pb::TimeFormat::Hours12 as i32),
            pin_mode: Some(pb::PinMode::AptPin as i32),
            send_renew_email: Some(true),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.name, "Lakeside North");
    assert_eq!(updated.time_format, pb::TimeFormat::Hours12 as i32);
    assert!(updated.send_renew_email);
    assert_eq!(
        updated.address.unwrap().city,
        "Berlin",
        "unset fields are kept"
    );
    for (settings, field) in [
        (
            pb::CommunitySettings {
                feature_plan: Some(pb::FeaturePlan::Premium as i32),
                ..Default::default()
            },
            "feature_plan",
        ),
        (
            pb::CommunitySettings {
                access_control: Some(pb::AccessControlPermission::PublicOnly as i32),
                ..Default::default()
            },
            "access_control",
        ),
        (
            pb::CommunitySettings {
                home_automation: Some(false),
                ..Default::default()
            },
            "home_automation",
        ),
    ] {
        assert_status(
            svc.update_community(edit(settings)).await,
            Code::InvalidArgument,
            field,
        );
    }
    let after = svc
        .get_community(pb::GetCommunityRequest { id: basic.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.feature_plan, pb::FeaturePlan::Basic as i32);
    assert!(after.home_automation);

    // Sorted list with counts.
    let b = admin.create_building(basic.id, "B1").await;
    admin
        .create_apartment_with_monitor(
            b.id,
            "101",
            Some(resident("Lily", "Zheng", "lily@example.com")),
            "0C1105000101",
        )
        .await
        .unwrap();
    let list = svc
        .list_communities(pb::ListCommunitiesRequest {
            sort: pb::CommunitySort::NameDesc as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = list.communities.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Lakeside North", "Lakeside"]);
    assert_eq!(list.communities[0].end_user_count, 1);
    assert_eq!(list.communities[0].building_count, 1);
    assert_eq!(list.communities[0].apartments_used, 1);
    assert_eq!(
        list.communities[0].device_count, 1,
        "the Basic apartment's indoor monitor"
    );

    // Delete takes everything in it.
    svc.delete_community(pb::DeleteCommunityRequest { id: basic.id })
        .await
        .unwrap();
    assert_status(
        svc.get_community(pb::GetCommunityRequest { id: basic.id })
            .await,
        Code::NotFound,
        "community",
    );
    assert_status(
        admin
            .apartment()
            .list_apartments(pb::ListApartmentsRequest {
                building_id: b.id,
                ..Default::default()
            })
            .await,
        Code::NotFound,
        "building",
    );
    // The email of the deleted resident is free again.
    let b2 = admin.create_building(c.id, "B1").await;
    admin
        .create_apartment(
            b2.id,
            "101",
            Some(resident("Lily", "Zheng", "lily@example.com")),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn buildings_names_and_delete_rules() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = admin.create_community("C", pb::FeaturePlan::Premium).await;
    let mut svc = admin.building();

    let b = admin.create_building(c.id, &"b".repeat(128)).await;
    assert_status(
        svc.create_building(pb::CreateBuildingRequest {
            community_id: c.id,
            name: "x".repeat(129),
        })
        .await,
        Code::InvalidArgument,
        "name",
    );
    assert_status(
        svc.create_building(pb::CreateBuildingRequest {
            community_id: c.id,
            name: "b".repeat(128),
        })
        .await,
        Code::AlreadyExists,
        "name",
    );
    let renamed = svc
        .rename_building(pb::RenameBuildingRequest {
            id: b.id,
            name: "Building 1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(renamed.name, "Building 1");
    let other = admin.create_building(c.id, "Building 2").await;
    assert_status(
        svc.rename_building(pb::RenameBuildingRequest {
            id: other.id,
            name: "Building 1".into(),
        })
        .await,
        Code::AlreadyExists,
        "name",
    );

    let apt = admin.create_apartment(b.id, "101", None).await.unwrap();
    assert_status(
        svc.delete_building(pb::DeleteBuildingRequest {
            id: b.id,
            cascade: false,
        })
        .await,
        Code::FailedPrecondition,
        "apartment",
    );
    let listed = svc
        .list_buildings(pb::ListBuildingsRequest { community_id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.buildings.len(), 2);
    assert_eq!(listed.buildings[0].apartment_count, 1);

    svc.delete_building(pb::DeleteBuildingRequest {
        id: b.id,
        cascade: true,
    })
    .await
    .unwrap();
    assert_status(
        admin
            .apartment()
            .get_apartment(pb::GetApartmentRequest { id: apt.id })
            .await,
        Code::NotFound,
        "apartment",
    );
    svc.delete_building(pb::DeleteBuildingRequest {
        id: other.id,
        cascade: false,
    })
    .await
    .unwrap();
    let c = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((c.building_count, c.apartments_used), (0, 0));
}

#[tokio::test]
async fn apartments_residents_and_family_members() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = admin.create_community("C", pb::FeaturePlan::Premium).await;
    let b1 = admin.create_building(c.id, "B1").await;
    let b2 = admin.create_building(c.id, "B2").await;
    let mut svc = admin.apartment();

    let created = svc
        .create_apartment(pb::CreateApartmentRequest {
            building_id: b1.id,
            apartment: Some(pb::ApartmentInput {
                floor: Some(12),
                apt_number: Some("2#123".into()),
                apt_name: Some("Corner flat".into()),
                web_relay_id: Some(3),
                call_type: Some(5),
                call_mode: Some(pb::CallMode::Sip as i32),
                accessible_floors: Some(pb::Floors {
                    floors: vec![12, 1, 12],
                }),
            }),
            resident: Some(pb::ResidentInput {
                first_name: Some("Lily".into()),
                last_name: Some("Zheng".into()),
                email: Some("Lily@Example.com".into()),
                language: Some(pb::Language::French as i32),
                calling_code: Some("86".into()),
                mobile: Some("138 0000 0000".into()),
                landlines: Some(pb::Landlines {
                    numbers: vec!["0592 1234567".into()],
                }),
            }),
            indoor_monitor: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.apt_number, "2#123");
    assert_eq!(created.floor, 12);
    assert_eq!(created.accessible_floors, [1, 12]);
    assert_eq!(created.call_type, 5);
    assert_eq!(
        created.family_sip_number.len(),
        10,
        "{}",
        created.family_sip_number
    );
    assert_eq!(created.active, pb::ActiveStatus::Inactivated as i32);
    let r = created.resident.clone().unwrap();
    assert_eq!(
        (r.calling_code.as_str(), r.mobile.as_str()),
        ("+86", "13800000000")
    );
    assert_eq!(r.app_status, pb::AppStatus::Unregistered as i32);
    assert_eq!(
        (r.moved_in_by.as_str(), r.moved_in_by_property_manager),
        ("admin", false),
        "who moved the resident in"
    );
    assert!(r.moved_in_at_ms > 0);

    // APT number rules and uniqueness in the building.
    for bad in ["#2#123", "1234567", "12a", "2#", "", "2##3"] {
        assert_status(
            admin.create_apartment(b1.id, bad, None).await,
            Code::InvalidArgument,
            "apt_number",
        );
    }
    assert_status(
        admin.create_apartment(b1.id, "2#123", None).await,
        Code::AlreadyExists,
        "apt_number",
    );
    let twin = admin.create_apartment(b2.id, "2#123", None).await.unwrap();
    assert_ne!(twin.family_sip_number, created.family_sip_number);

    // Resident rules; duplicate email across end users (case-insensitive).
    assert_status(
        admin
            .create_apartment(b1.id, "102", Some(resident("A", "B", "lily@example.COM")))
            .await,
        Code::AlreadyExists,
        "resident.email",
    );
    assert_status(
        admin
            .create_apartment(b1.id, "102", Some(resident(&"A".repeat(65), "B", "")))
            .await,
        Code::InvalidArgument,
        "resident.first_name",
    );
    assert_status(
        admin
            .create_apartment(b1.id, "102", Some(resident("A", "", "")))
            .await,
        Code::InvalidArgument,
        "resident.last_name",
    );
    assert_status(
        admin
            .create_apartment(b1.id, "102", Some(resident("A", "B", "not-an-email")))
            .await,
        Code::InvalidArgument,
        "resident.email",
    );
    let mut four = resident("A", "B", "");
    four.landlines = Some(pb::Landlines {
        numbers: vec!["111".into(), "222".into(), "333".into(), "444".into()],
    });
    assert_status(
        admin.create_apartment(b1.id, "102", Some(four)).await,
        Code::InvalidArgument,
        "landlines",
    );
    assert_status(
        svc.create_apartment(pb::CreateApartmentRequest {
            building_id: b1.id,
            apartment: Some(pb::ApartmentInput {
                apt_number: Some("103".into()),
                call_type: Some(6),
                ..Default::default()
            }),
            resident: None,
            indoor_monitor: None,
        })
        .await,
        Code::InvalidArgument,
        "call_type",
    );

    // Add the resident later through an edit; the SIP number never changes.
    let edited = svc
        .update_apartment(pb::UpdateApartmentRequest {
            id: twin.id,
            apartment: Some(pb::ApartmentInput {
                apt_name: Some("Twin".into()),
                ..Default::default()
            }),
            resident: Some(resident("Ryan", "Chen", "ryan@example.com")),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(edited.resident.unwrap().first_name, "Ryan");
    assert_eq!(edited.family_sip_number, twin.family_sip_number);
    assert_status(
        svc.update_apartment(pb::UpdateApartmentRequest {
            id: twin.id,
            apartment: None,
            resident: Some(pb::ResidentInput {
                email: Some("lily@example.com".into()),
                ..Default::default()
            }),
        })
        .await,
        Code::AlreadyExists,
        "resident.email",
    );

    // Family members.
    let member = svc
        .add_family_member(pb::AddFamilyMemberRequest {
            apartment_id: created.id,
            first_name: "Jim".into(),
            last_name: "Wang".into(),
            email: "jim@example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_status(
        svc.add_family_member(pb::AddFamilyMemberRequest {
            apartment_id: twin.id,
            first_name: "X".into(),
            last_name: "Y".into(),
            email: "JIM@example.com".into(),
            ..Default::default()
        })
        .await,
        Code::AlreadyExists,
        "email",
    );
    let m2 = svc
        .update_family_member(pb::UpdateFamilyMemberRequest {
            id: member.id,
            first_name: Some("James".into()),
            mobile: Some("+1 555 0100".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (m2.first_name.as_str(), m2.email.as_str()),
        ("James", "jim@example.com")
    );
    assert_eq!(m2.apartment_id, created.id);
    assert_status(
        svc.update_family_member(pb::UpdateFamilyMemberRequest {
            id: member.id,
            email: Some("other@example.com".into()),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "email",
    );
    let m3 = svc
        .add_family_member(pb::AddFamilyMemberRequest {
            apartment_id: created.id,
            first_name: "Ann".into(),
            last_name: "Wang".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    svc.delete_family_member(pb::DeleteFamilyMemberRequest { id: m3.id })
        .await
        .unwrap();
    let got = svc
        .get_apartment(pb::GetApartmentRequest { id: created.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.family_members.len(), 1);
    let community = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        community.end_user_count, 3,
        "two residents and one family member"
    );

    // Reset: family members, contacts, app login go; settings, subscription, SIP stay.
    let reset = svc
        .reset_apartment(pb::ResetApartmentRequest { id: created.id })
        .await
        .unwrap()
        .into_inner();
    assert!(reset.family_members.is_empty());
    let rr = reset.resident.clone().unwrap();
    assert_eq!(
        (
            rr.email.as_str(),
            rr.mobile.as_str(),
            rr.calling_code.as_str()
        ),
        ("", "", "")
    );
    assert!(rr.landlines.is_empty());
    assert_eq!(rr.app_status, pb::AppStatus::Unregistered as i32);
    assert_eq!(
        rr.language,
        pb::Language::French as i32,
        "language is a kept setting"
    );
    assert_eq!(reset.family_sip_number, created.family_sip_number);
    assert_eq!(reset.call_mode, pb::CallMode::Sip as i32);
    assert_eq!(
        (reset.call_type, reset.floor, reset.web_relay_id),
        (5, 12, 3)
    );
    assert_eq!(reset.apt_name, "Corner flat");
    // The freed emails can be used again.
    svc.add_family_member(pb::AddFamilyMemberRequest {
        apartment_id: twin.id,
        first_name: "Jim".into(),
        last_name: "Wang".into(),
        email: "jim@example.com".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    admin
        .create_apartment(b1.id, "104", Some(resident("L", "Z", "lily@example.com")))
        .await
        .unwrap();
    let entries = admin
        .audit()
        .list_audit(pb::ListAuditRequest {
            before_seq: 0,
            limit: 100,
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert!(
        entries
            .iter()
            .any(|e| e.action == "apartment.reset"
                && e.target == format!("apartment/{}", created.id))
    );

    // Delete.
    svc.delete_apartment(pb::DeleteApartmentRequest { id: twin.id })
        .await
        .unwrap();
    assert_status(
        svc.get_apartment(pb::GetApartmentRequest { id: twin.id })
            .await,
        Code::NotFound,
        "apartment",
    );
}

#[tokio::test]
async fn rejected_requests_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = admin.create_community("C", pb::FeaturePlan::Premium).await;
    let b = admin.create_building(c.id, "B1").await;
    let a = admin
        .create_apartment(b.id, "101", Some(resident("A", "B", "a@example.com")))
        .await
        .unwrap();
    let audit_before = admin.audit_count().await;
    let before = admin
        .apartment()
        .get_apartment(pb::GetApartmentRequest { id: a.id })
        .await
        .unwrap()
        .into_inner();

    // An edit that is valid in part and invalid in part changes nothing.
    let r = admin
        .apartment()
        .update_apartment(pb::UpdateApartmentRequest {
            id: a.id,
            apartment: Some(pb::ApartmentInput {
                apt_name: Some("changed".into()),
                floor: Some(500),
                ..Default::default()
            }),
            resident: Some(resident("New", "Name", "")),
        })
        .await;
    assert_status(r, Code::InvalidArgument, "floor");
    let after = admin
        .apartment()
        .get_apartment(pb::GetApartmentRequest { id: a.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(before, after);
    assert_eq!(admin.audit_count().await, audit_before);
    let community = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(community.apartments_used, 1);
}

#[tokio::test]
async fn resident_search_filters_sorts_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = admin.create_community("C", pb::FeaturePlan::Premium).await;
    let b1 = admin.create_building(c.id, "B1").await;
    let b2 = admin.create_building(c.id, "B2").await;
    let names = ["Zoe", "Adam", "Mia", "Bob", "Lily", "Ella", "Noah"];
    for (i, first) in names.iter().enumerate() {
        let building = if i % 2 == 0 { b1.id } else { b2.id };
        admin
            .create_apartment(
                building,
                &format!("{}", 101 + i),
                Some(resident(
                    first,
                    "Smith",
                    &format!("{}@example.com", first.to_lowercase()),
                )),
            )
            .await
            .unwrap();
    }
    admin.create_apartment(b1.id, "900", None).await.unwrap(); // no resident: not listed

    let search = |filter: pb::ResidentFilter, sort: pb::ResidentSort, page: u32, size: u32| {
        pb::SearchResidentsRequest {
            community_id: c.id,
            filter: Some(filter),
            sort: sort as i32,
            page: Some(pb::Page {
                page,
                page_size: size,
            }),
        }
    };
    let mut svc = admin.apartment();
    let all = svc
        .search_residents(search(Default::default(), pb::ResidentSort::NameAsc, 1, 3))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.total, 7);
    let firsts: Vec<_> = all
        .residents
        .iter()
        .map(|r| r.first_name.as_str())
        .collect();
    assert_eq!(firsts, ["Adam", "Bob", "Ella"]);
    let page3 = svc
        .search_residents(search(Default::default(), pb::ResidentSort::NameAsc, 3, 3))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        page3
            .residents
            .iter()
            .map(|r| r.first_name.as_str())
            .collect::<Vec<_>>(),
        ["Zoe"]
    );
    let desc = svc
        .search_residents(search(Default::default(), pb::ResidentSort::NameDesc, 1, 2))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(desc.residents[0].first_name, "Zoe");
    let newest = svc
        .search_residents(search(
            Default::default(),
            pb::ResidentSort::CreatedDesc,
            1,
            1,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(newest.residents[0].first_name, "Noah");
    assert_eq!(newest.residents[0].building_name, "B1");

    let text = svc
        .search_residents(search(
            pb::ResidentFilter {
                text: "LIL".into(),
                ..Default::default()
            },
            pb::ResidentSort::NameAsc,
            1,
            10,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(text.total, 1);
    assert_eq!(text.residents[0].email, "lily@example.com");
    let by_email = svc
        .search_residents(search(
            pb::ResidentFilter {
                text: "noah@".into(),
                ..Default::default()
            },
            pb::ResidentSort::NameAsc,
            1,
            10,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_email.total, 1);
    let registered = svc
        .search_residents(search(
            pb::ResidentFilter {
                app_status: pb::AppStatus::Registered as i32,
                ..Default::default()
            },
            pb::ResidentSort::NameAsc,
            1,
            10,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(registered.total, 0);
    let inactive = svc
        .search_residents(search(
            pb::ResidentFilter {
                active: pb::ActiveStatus::Inactivated as i32,
                ..Default::default()
            },
            pb::ResidentSort::NameAsc,
            1,
            10,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(inactive.total, 7);
    assert_status(
        svc.search_residents(search(
            Default::default(),
            pb::ResidentSort::NameAsc,
            1,
            1000,
        ))
        .await,
        Code::InvalidArgument,
        "page.page_size",
    );

    // The building's APT list sorts numbers naturally.
    let list = svc
        .list_apartments(pb::ListApartmentsRequest {
            building_id: b1.id,
            sort: pb::ApartmentSort::AptDesc as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let numbers: Vec<_> = list
        .apartments
        .iter()
        .map(|a| a.apt_number.as_str())
        .collect();
    assert_eq!(numbers, ["900", "107", "105", "103", "101"]);
}

#[tokio::test]
async fn tenancy_between_installers_and_sub_installers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let operator = server.admin().await;
    let a_community = operator
        .create_community("A's", pb::FeaturePlan::Premium)
        .await;
    let a_building = operator.create_building(a_community.id, "B1").await;
    let a_apartment = operator
        .create_apartment(
            a_building.id,
            "101",
            Some(resident("A", "A", "a@example.com")),
        )
        .await
        .unwrap();

    // A second installer, created by the operator.
    let created = operator
        .account()
        .create_installer(pb::CreateInstallerRequest {
            username: "bob".into(),
            email: "bob@example.com".into(),
            phone: String::new(),
            password: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.generated_password.len(), 16);
    let bob = server.login("bob", &created.generated_password).await;
    assert!(!bob.account.operator);

    // Bob sees nothing of A and cannot touch it.
    let list = bob
        .community()
        .list_communities(pb::ListCommunitiesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(list.communities.is_empty());
    assert_status(
        bob.community()
            .get_community(pb::GetCommunityRequest { id: a_community.id })
            .await,
        Code::NotFound,
        "community",
    );
    assert_status(
        bob.community()
            .update_community(pb::UpdateCommunityRequest {
                id: a_community.id,
                settings: Some(pb::CommunitySettings {
                    name: Some("pwned".into()),
                    ..Default::default()
                }),
            })
            .await,
        Code::NotFound,
        "community",
    );
    assert_status(
        bob.community()
            .delete_community(pb::DeleteCommunityRequest { id: a_community.id })
            .await,
        Code::NotFound,
        "community",
    );
    assert_status(
        bob.building()
            .create_building(pb::CreateBuildingRequest {
                community_id: a_community.id,
                name: "x".into(),
            })
            .await,
        Code::NotFound,
        "community",
    );
    assert_status(
        bob.create_apartment(a_building.id, "102", None).await,
        Code::NotFound,
        "building",
    );
    assert_status(
        bob.apartment()
            .get_apartment(pb::GetApartmentRequest { id: a_apartment.id })
            .await,
        Code::NotFound,
        "apartment",
    );
    assert_status(
        bob.apartment()
            .reset_apartment(pb::ResetApartmentRequest { id: a_apartment.id })
            .await,
        Code::NotFound,
        "apartment",
    );
    assert_status(
        bob.apartment()
            .search_residents(pb::SearchResidentsRequest {
                community_id: a_community.id,
                ..Default::default()
            })
            .await,
        Code::NotFound,
        "community",
    );
    let bob_audit = bob
        .audit()
        .list_audit(pb::ListAuditRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        bob_audit
            .entries
            .iter()
            .all(|e| e.account_id == bob.account.id),
        "{bob_audit:?}"
    );
    // Not an operator: cannot create installers.
    assert_status(
        bob.account()
            .create_installer(pb::CreateInstallerRequest {
                username: "eve".into(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "operator",
    );
    // Bob's own data is his; SIP numbers do not collide with A's.
    let bc = bob
        .create_community("Bob's", pb::FeaturePlan::Premium)
        .await;
    let bb = bob.create_building(bc.id, "B1").await;
    let ba = bob.create_apartment(bb.id, "101", None).await.unwrap();
    assert_ne!(ba.family_sip_number, a_apartment.family_sip_number);

    // A sub-installer of the operator sees exactly the operator's data.
    let sub = operator
        .account()
        .create_sub_installer(pb::CreateSubInstallerRequest {
            username: "helper".into(),
            email: "helper@example.com".into(),
            phone: "+1 555 0100".into(),
            password: "helper-password".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sub.generated_password, "");
    let helper = server.login("helper", "helper-password").await;
    assert_eq!(helper.account.role, pb::AccountRole::SubInstaller as i32);
    assert_eq!(helper.account.installer_id, operator.account.id);
    let seen = helper
        .community()
        .list_communities(pb::ListCommunitiesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        seen.communities.iter().map(|c| c.id).collect::<Vec<_>>(),
        [a_community.id]
    );
    helper
        .create_apartment(a_building.id, "102", None)
        .await
        .unwrap();
    assert_status(
        helper
            .community()
            .get_community(pb::GetCommunityRequest { id: bc.id })
            .await,
        Code::NotFound,
        "community",
    );
    // Sub-accounts may not manage sub-accounts or the account setting.
    assert_status(
        helper
            .account()
            .create_sub_installer(pb::CreateSubInstallerRequest {
                username: "x1".into(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "installer",
    );
    assert_status(
        helper
            .account()
            .set_account_setting(pb::AccountSetting {
                distributor_access: true,
            })
            .await,
        Code::PermissionDenied,
        "installer",
    );
    // The operator's audit log shows who did it.
    let entries = operator
        .audit()
        .list_audit(pb::ListAuditRequest::default())
        .await
        .unwrap()
        .into_inner()
        .entries;
    let by_helper = entries
        .iter()
        .find(|e| e.action == "apartment.create" && e.username == "helper")
        .expect("helper's change audited");
    assert_eq!(by_helper.account_id, helper.account.id);
    assert!(
        entries
            .iter()
            .all(|e| !e.target.contains(&format!("community/{}", bc.id)))
    );

    // Editing the sub-account: contact fields change; a new password ends its sessions.
    let helper2 = server.login("helper", "helper-password").await;
    let edited = operator
        .account()
        .update_sub_installer(pb::UpdateSubInstallerRequest {
            id: helper.account.id,
            email: Some("helper2@example.com".into()),
            phone: None,
            password: Some("helper-password-2".into()),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (edited.email.as_str(), edited.phone.as_str()),
        ("helper2@example.com", "+15550100")
    );
    assert_status(
        helper2.auth().who_am_i(pb::Empty {}).await,
        Code::Unauthenticated,
        "",
    );
    let helper = server.login("helper", "helper-password-2").await;
    let subs = operator
        .account()
        .list_sub_installers(pb::Empty {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        subs.accounts
            .iter()
            .map(|a| a.username.as_str())
            .collect::<Vec<_>>(),
        ["helper"]
    );
    assert_status(
        operator
            .account()
            .update_sub_installer(pb::UpdateSubInstallerRequest {
                id: helper.account.id,
                email: Some("bad".into()),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        "email",
    );

    // Bob cannot edit or delete the operator's sub-account.
    assert_status(
        bob.account()
            .delete_sub_installer(pb::DeleteSubInstallerRequest {
                id: helper.account.id,
            })
            .await,
        Code::NotFound,
        "sub-account",
    );
    // Deleting the sub-account ends its sessions.
    operator
        .account()
        .delete_sub_installer(pb::DeleteSubInstallerRequest {
            id: helper.account.id,
        })
        .await
        .unwrap();
    assert_status(
        helper
            .community()
            .list_communities(pb::ListCommunitiesRequest::default())
            .await,
        Code::Unauthenticated,
        "",
    );
}

#[tokio::test]
async fn login_tokens_passwords_and_profile() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    assert_status(
        server.try_login("admin", "wrong").await,
        Code::Unauthenticated,
        "invalid username or password",
    );
    assert_status(
        server.try_login("nobody", "wrong").await,
        Code::Unauthenticated,
        "invalid username or password",
    );

    // No token, a bad token.
    let channel = server.channel().await;
    let mut anon =
        porter_proto::admin::v1::community_service_client::CommunityServiceClient::new(channel);
    assert_status(
        anon.list_communities(pb::ListCommunitiesRequest::default())
            .await,
        Code::Unauthenticated,
        "authorization",
    );
    let admin = server.admin().await;
    let mut forged = admin.clone();
    forged.token = "pt_0000".into();
    assert_status(
        forged
            .community()
            .list_communities(pb::ListCommunitiesRequest::default())
            .await,
        Code::Unauthenticated,
        "token",
    );

    // Change password: the old one is checked, other sessions end, this one stays.
    let other = server.admin().await;
    assert_status(
        admin
            .auth()
            .change_password(pb::ChangePasswordRequest {
                old_password: "nope".into(),
                new_password: "new-password-1".into(),
            })
            .await,
        Code::InvalidArgument,
        "old_password",
    );
    assert_status(
        admin
            .auth()
            .change_password(pb::ChangePasswordRequest {
                old_password: ADMIN_PASSWORD.into(),
                new_password: "short".into(),
            })
            .await,
        Code::InvalidArgument,
        "new_password",
    );
    admin
        .auth()
        .change_password(pb::ChangePasswordRequest {
            old_password: ADMIN_PASSWORD.into(),
            new_password: "new-password-1".into(),
        })
        .await
        .unwrap();
    admin.auth().who_am_i(pb::Empty {}).await.unwrap();
    assert_status(
        other.auth().who_am_i(pb::Empty {}).await,
        Code::Unauthenticated,
        "",
    );
    assert_status(
        server.try_login("admin", ADMIN_PASSWORD).await,
        Code::Unauthenticated,
        "invalid",
    );
    let again = server.login("admin", "new-password-1").await;

    // Logout ends the session.
    again.auth().logout(pb::LogoutRequest {}).await.unwrap();
    assert_status(
        again.auth().who_am_i(pb::Empty {}).await,
        Code::Unauthenticated,
        "",
    );

    // Profile: time zone, customer service, billing, account setting.
    let mut acct = admin.account();
    let info = acct
        .set_time_zone(pb::SetTimeZoneRequest {
            time_zone: "Asia/Shanghai".into(),
            time_format: pb::TimeFormat::Hours12 as i32,
            date_format: pb::DateFormat::Dmy as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.time_zone, "Asia/Shanghai");
    assert_eq!(info.time_format, pb::TimeFormat::Hours12 as i32);
    // A format not given stays as it was.
    let info = acct
        .set_time_zone(pb::SetTimeZoneRequest {
            time_zone: "Asia/Shanghai".into(),
            time_format: pb::TimeFormat::Hours24 as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.time_format, pb::TimeFormat::Hours24 as i32);
    assert_eq!(info.date_format, pb::DateFormat::Dmy as i32);
    assert_status(
        acct.set_time_zone(pb::SetTimeZoneRequest {
            time_zone: "GMT+8 Shanghai".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "time_zone",
    );
    assert_status(
        acct.set_customer_service(pb::CustomerService {
            phone: String::new(),
            email: "cs@example.com".into(),
            receive_feedback: true,
        })
        .await,
        Code::InvalidArgument,
        "phone",
    );
    let cs = acct
        .set_customer_service(pb::CustomerService {
            phone: "+1 555 0199".into(),
            email: "cs@example.com".into(),
            receive_feedback: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        acct.get_customer_service(pb::Empty {})
            .await
            .unwrap()
            .into_inner(),
        cs
    );
    let billing = pb::BillingInfo {
        company: "Acme Installers".into(),
        attn: "Ryan Chen".into(),
        street: "1 Main St".into(),
        city: "Springfield".into(),
        post_code: "12345".into(),
        country: "United States".into(),
        tel: "+1 555 0100".into(),
        fax: String::new(),
        email: "billing@example.com".into(),
    };
    acct.set_billing_info(billing.clone()).await.unwrap();
    let got = acct
        .get_billing_info(pb::Empty {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (got.company.as_str(), got.tel.as_str()),
        ("Acme Installers", "+15550100")
    );
    assert_status(
        acct.set_billing_info(pb::BillingInfo {
            company: String::new(),
            ..billing
        })
        .await,
        Code::InvalidArgument,
        "company",
    );
    assert!(
        !acct
            .get_account_setting(pb::Empty {})
            .await
            .unwrap()
            .into_inner()
            .distributor_access,
        "off by default"
    );
    acct.set_account_setting(pb::AccountSetting {
        distributor_access: true,
    })
    .await
    .unwrap();
    assert!(
        acct.get_account_setting(pb::Empty {})
            .await
            .unwrap()
            .into_inner()
            .distributor_access
    );
}

#[tokio::test]
async fn failed_logins_are_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    for _ in 0..5 {
        assert_status(
            server.try_login("admin", "wrong").await,
            Code::Unauthenticated,
            "invalid",
        );
    }
    // Even the right password waits now.
    assert_status(
        server.try_login("admin", ADMIN_PASSWORD).await,
        Code::ResourceExhausted,
        "too many failed logins",
    );
}

#[tokio::test]
async fn guesses_of_the_old_password_are_throttled_like_logins() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let change = |old: &str| pb::ChangePasswordRequest {
        old_password: old.into(),
        new_password: "new-password-1".into(),
    };
    for _ in 0..5 {
        assert_status(
            admin.auth().change_password(change("guess")).await,
            Code::InvalidArgument,
            "old_password",
        );
    }
    // A session that guessed too often waits, even with the right password, and so does
    // a login to the account.
    assert_status(
        admin.auth().change_password(change(ADMIN_PASSWORD)).await,
        Code::ResourceExhausted,
        "too many failed",
    );
    assert_status(
        server.try_login("admin", ADMIN_PASSWORD).await,
        Code::ResourceExhausted,
        "too many failed",
    );
}

/// A 10,000-character value is refused as INVALID_ARGUMENT naming the field, with a short
/// quoted prefix instead of the whole value (past 8 KiB a client saw RESOURCE_EXHAUSTED).
#[tokio::test]
async fn long_bad_values_are_quoted_short() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let long = "x".repeat(10_000);
    let short = |r: Result<tonic::Response<_>, tonic::Status>, field: &str| {
        let e = r.map(|_: tonic::Response<()>| ()).unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
        assert!(e.message().contains(field), "{field}: {}", e.message());
        assert!(
            e.message().len() < 300 && e.message().contains("10000 characters"),
            "{field}: {} bytes: {}",
            e.message().len(),
            &e.message()[..e.message().len().min(200)]
        );
    };
    let unit = |r: Result<tonic::Response<pb::MacEntry>, tonic::Status>| {
        r.map(|_| tonic::Response::new(()))
    };
    short(
        unit(
            admin
                .macs()
                .add_mac(pb::AddMacRequest { mac: long.clone() })
                .await,
        ),
        "mac",
    );
    let mut settings = community_settings("Long", pb::FeaturePlan::Premium);
    settings.time_zone = Some(long.clone());
    short(
        admin
            .community()
            .create_community(pb::CreateCommunityRequest {
                settings: Some(settings),
            })
            .await
            .map(|_| tonic::Response::new(())),
        "time_zone",
    );
    let c = admin
        .create_community("Short", pb::FeaturePlan::Premium)
        .await;
    admin
        .macs()
        .add_mac(pb::AddMacRequest {
            mac: "0C11050C0001".into(),
        })
        .await
        .unwrap();
    short(
        admin
            .devices()
            .create_device(pb::CreateDeviceRequest {
                scope: Some(pb::create_device_request::Scope::PublicArea(
                    pb::PublicArea {
                        community_id: c.id,
                        building_ids: vec![],
                    },
                )),
                device: Some(pb::DeviceInput {
                    device_type: Some(0),
                    mac: Some("0C11050C0001".into()),
                    name: Some("Gate".into()),
                    internet_access: Some(false),
                    transfer_monitor_ip: Some(long.clone()),
                    ..Default::default()
                }),
            })
            .await
            .map(|_| tonic::Response::new(())),
        "transfer_monitor_ip",
    );
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = admin
        .create_community("Persistent", pb::FeaturePlan::Premium)
        .await;
    let b = admin.create_building(c.id, "B1").await;
    let a = admin
        .create_apartment(b.id, "101", Some(resident("A", "B", "a@example.com")))
        .await
        .unwrap();
    let token = admin.token.clone();
    server.stop().await;

    let server = Server::start(dir.path()).await;
    let mut admin = server.admin().await;
    let got = admin
        .apartment()
        .get_apartment(pb::GetApartmentRequest { id: a.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, a);
    // The old session is still valid after a restart.
    admin.token = token;
    admin.auth().who_am_i(pb::Empty {}).await.unwrap();
    // Ids and SIP numbers continue, never reused.
    let a2 = admin.create_apartment(b.id, "102", None).await.unwrap();
    assert!(a2.id > a.id);
    assert_ne!(a2.family_sip_number, a.family_sip_number);
    // The bootstrap password is not applied again.
    assert!(admin.audit_count().await >= 4);
    server.stop().await;
}

#[tokio::test]
async fn subscription_orders_are_the_installers_and_payments_the_operators() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let operator = server.admin().await;
    let ryan = server.other_installer(&operator, "ryan").await;
    let community = ryan
        .create_community("Lakeside", pb::FeaturePlan::Premium)
        .await;
    let building = ryan.create_building(community.id, "B1").await;
    let apartment = ryan
        .create_apartment(building.id, "101", None)
        .await
        .unwrap();
    let in_a_year = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        + 365 * 24 * 3600 * 1000;
    let order =
        |kind: pb::OrderKind, apartment_ids: Vec<u64>, expires_at_ms| pb::CreateOrderRequest {
            kind: kind as i32,
            apartment_ids,
            expires_at_ms,
        };
    let mut orders = ryan.subscriptions();

    // Bad requests name what is wrong and write nothing.
    let audit_before = ryan.audit_count().await;
    assert_status(
        orders
            .create_order(order(
                pb::OrderKind::Unspecified,
                vec![apartment.id],
                in_a_year,
            ))
            .await,
        Code::InvalidArgument,
        "kind",
    );
    assert_status(
        orders
            .create_order(order(pb::OrderKind::Activation, vec![], in_a_year))
            .await,
        Code::InvalidArgument,
        "apartment_ids",
    );
    assert_status(
        orders
            .create_order(order(
                pb::OrderKind::Activation,
                vec![apartment.id],
                in_a_year * 2,
            ))
            .await,
        Code::InvalidArgument,
        "expires_at_ms",
    );
    assert_status(
        orders
            .create_order(order(pb::OrderKind::Renewal, vec![apartment.id], in_a_year))
            .await,
        Code::InvalidArgument,
        "activate it first",
    );
    assert_eq!(ryan.audit_count().await, audit_before);

    let placed = orders
        .create_order(order(
            pb::OrderKind::Activation,
            vec![apartment.id],
            in_a_year,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(placed.order_status, pb::OrderStatus::Processing as i32);
    // The installer cannot pay it himself; the operator sees it among everyone's.
    assert_status(
        orders
            .confirm_payment(pb::ConfirmPaymentRequest {
                order_id: placed.id,
                payment_reference: "INV-9".into(),
            })
            .await,
        Code::PermissionDenied,
        "site operator",
    );
    let mut operator_orders = operator.subscriptions();
    let pending = operator_orders
        .list_orders(pb::ListOrdersRequest {
            order_status: pb::OrderStatus::Processing as i32,
            all_installers: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pending.orders.len(), 1);
    assert_eq!(pending.orders[0].number, placed.number);
    // Another installer neither sees nor lists it.
    let other = server.other_installer(&operator, "other").await;
    assert_status(
        other
            .subscriptions()
            .get_order(pb::OrderRef {
                order_id: placed.id,
            })
            .await,
        Code::NotFound,
        "order",
    );
    assert_status(
        other
            .subscriptions()
            .list_orders(pb::ListOrdersRequest {
                all_installers: true,
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "site operator",
    );
    let paid = operator_orders
        .confirm_payment(pb::ConfirmPaymentRequest {
            order_id: placed.id,
            payment_reference: "INV-9".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.apartments_changed, 1);
    let after = ryan
        .apartment()
        .get_apartment(pb::GetApartmentRequest { id: apartment.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.active, pb::ActiveStatus::Normal as i32);
    assert_eq!(after.expires_at_ms, in_a_year);
    // What was paid survives a restart.
    server.stop().await;
    let server = Server::start(dir.path()).await;
    let kept = server
        .admin()
        .await
        .subscriptions()
        .get_order(pb::OrderRef {
            order_id: placed.id,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(kept.order_status, pb::OrderStatus::Succeed as i32);
    assert_eq!(kept.payment_reference, "INV-9");
    server.stop().await;
}
