//! Subscription orders: an installer orders activation or renewal, nothing changes until
//! the site operator confirms the payment, and then the apartment's apps ring.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::model::DeviceInput;
use porter_store::model::{ActiveStatus, OrderFilter, OrderInput, OrderKind, OrderStatus};
use porter_store::{CallDestination, ScopeRequest, StoreError};

const DAY_MS: i64 = 24 * 3600 * 1000;

#[tokio::test]
async fn an_order_activates_apartments_only_once_paid() {
    let (store, operator, clock) = common::operator_store().await;
    // The orders are another installer's; the operator only confirms the payment.
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    let community = common::community(&store, &installer, "C").await;
    let b1 = common::building(&store, &installer, community, "B1").await;
    let a101 = common::apartment(&store, &installer, b1, "101").await;
    let a102 = common::apartment(&store, &installer, b1, "102").await;
    store.add_mac(&installer, "0C1100000001").await.unwrap();
    let lobby = store
        .create_device(
            &installer,
            ScopeRequest::Building { building_id: b1 },
            DeviceInput {
                device_type: Some(0),
                mac: Some("0C1100000001".into()),
                name: Some("Lobby".into()),
                ..DeviceInput::default()
            },
        )
        .await
        .unwrap()
        .device
        .sip_number;
    let app_of_101 = || match store.call_destination(&lobby, "101") {
        Ok(CallDestination::Apartment(a)) => a.app,
        other => panic!("{other:?}"),
    };
    let now = common::START_MS;
    let year = now + 365 * DAY_MS;
    let order = |kind, apartments: Vec<u64>, expires_at_ms| OrderInput {
        kind,
        apartments,
        expires_at_ms,
    };

    // Renewing what was never activated names the apartment.
    let err = store
        .create_subscription_order(&installer, order(OrderKind::Renewal, vec![a101], year))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("apartment 101 in B1"), "{err}");
    let activation = store
        .create_subscription_order(
            &installer,
            order(OrderKind::Activation, vec![a101, a102, a101], year),
        )
        .await
        .unwrap();
    assert_eq!(activation.status, OrderStatus::Processing);
    assert_eq!(activation.apartments, vec![a101, a102]);
    assert_eq!(activation.number.len(), 16);
    assert_eq!(activation.payer, "ryan");
    // Unpaid: the apps are not rung yet.
    assert_eq!(app_of_101(), None);

    // Only the operator confirms, and other installers do not see the order.
    let err = store
        .confirm_subscription_payment(&installer, activation.id, "INV-1")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::PermissionDenied(_)), "{err}");
    assert!(matches!(
        store.subscription_order(&operator, activation.id),
        Ok(ref o) if o.id == activation.id
    ));
    assert!(
        store
            .list_subscription_orders(&operator, &OrderFilter::default())
            .unwrap()
            .is_empty(),
        "the operator's own list holds its own orders"
    );
    let all = OrderFilter {
        all_installers: true,
        status: Some(OrderStatus::Processing),
        ..OrderFilter::default()
    };
    assert_eq!(
        store
            .list_subscription_orders(&operator, &all)
            .unwrap()
            .len(),
        1
    );
    assert!(store.list_subscription_orders(&installer, &all).is_err());
    let err = store
        .confirm_subscription_payment(&operator, activation.id, "  ")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("payment_reference"));

    let (paid, changed) = store
        .confirm_subscription_payment(&operator, activation.id, "INV-1")
        .await
        .unwrap();
    assert_eq!((paid.status, changed), (OrderStatus::Succeed, 2));
    assert_eq!(paid.payment_reference, "INV-1");
    let apt = store.apartment(&installer, a101).unwrap();
    assert_eq!(apt.apartment.active_status(now), ActiveStatus::Normal);
    assert_eq!(apt.apartment.expires_at_ms, Some(year));
    let family = apt.apartment.family_sip_number.clone();
    assert_eq!(app_of_101(), Some(family));
    // The installer's audit trail shows the payment.
    let trail = store.audit_page(&installer, 0, 10).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "subscription.paid"));
    // Paid once only; an activated apartment is renewed, not activated again.
    assert!(matches!(
        store
            .confirm_subscription_payment(&operator, activation.id, "INV-1")
            .await,
        Err(StoreError::FailedPrecondition(_))
    ));
    let err = store
        .create_subscription_order(&installer, order(OrderKind::Activation, vec![a101], year))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("renew"), "{err}");

    // A renewal must move the expiration later.
    let err = store
        .create_subscription_order(&installer, order(OrderKind::Renewal, vec![a101], year))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("expires_at_ms"));
    // Once expired, the apps stop ringing until the renewal is paid.
    clock.advance_ms(366 * DAY_MS);
    assert_eq!(app_of_101(), None);
    let later = store.now_ms() + 30 * DAY_MS;
    let renewal = store
        .create_subscription_order(&installer, order(OrderKind::Renewal, vec![a101], later))
        .await
        .unwrap();
    store
        .confirm_subscription_payment(&operator, renewal.id, "INV-2")
        .await
        .unwrap();
    assert!(app_of_101().is_some());
    assert_eq!(
        store
            .apartment(&installer, a101)
            .unwrap()
            .apartment
            .expires_at_ms,
        Some(later)
    );

    // The Payments list: newest first, filtered by type, status and order number; unpaid
    // orders can be cancelled, and any can be deleted from the list.
    let third = store
        .create_subscription_order(
            &installer,
            order(OrderKind::Renewal, vec![a102], later + DAY_MS),
        )
        .await
        .unwrap();
    let list = store
        .list_subscription_orders(&installer, &OrderFilter::default())
        .unwrap();
    assert_eq!(
        list.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![third.id, renewal.id, activation.id]
    );
    let renewals = OrderFilter {
        kind: Some(OrderKind::Renewal),
        status: Some(OrderStatus::Succeed),
        ..OrderFilter::default()
    };
    let found = store
        .list_subscription_orders(&installer, &renewals)
        .unwrap();
    assert_eq!(
        found.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![renewal.id]
    );
    let by_number = OrderFilter {
        number: activation.number[6..].to_owned(),
        ..OrderFilter::default()
    };
    let found = store
        .list_subscription_orders(&installer, &by_number)
        .unwrap();
    assert_eq!(
        found.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![activation.id]
    );
    let cancelled = store
        .cancel_subscription_order(&installer, third.id)
        .await
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert!(
        store
            .confirm_subscription_payment(&operator, third.id, "INV-3")
            .await
            .is_err(),
        "a cancelled order cannot be paid"
    );
    assert!(
        store
            .cancel_subscription_order(&installer, renewal.id)
            .await
            .is_err()
    );
    store
        .delete_subscription_order(&installer, activation.id)
        .await
        .unwrap();
    assert!(matches!(
        store.subscription_order(&installer, activation.id),
        Err(StoreError::NotFound(_))
    ));
    // Deleting the record keeps what the payment did.
    assert_eq!(
        store
            .apartment(&installer, a102)
            .unwrap()
            .apartment
            .active_status(store.now_ms()),
        ActiveStatus::Expired
    );
}

/// Purchase Details: activation offers the apartments never activated, renewal the others
/// (those ending before a date when asked), across the installer's communities in name,
/// building and APT order; another installer's community is refused.
#[tokio::test]
async fn order_candidates_follow_the_kind_the_communities_and_the_text() {
    use porter_store::{CandidateFilter, PageRequest};
    let (store, operator, _clock) = common::operator_store().await;
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    let elm = common::community(&store, &installer, "Elm").await;
    let ash = common::community(&store, &installer, "Ash").await;
    let b10 = common::building(&store, &installer, elm, "B10").await;
    let b2 = common::building(&store, &installer, elm, "B2").await;
    let e1 = common::apartment(&store, &installer, b10, "1").await;
    let e2 = common::apartment(&store, &installer, b2, "20").await;
    let e3 = common::apartment(&store, &installer, b2, "3").await;
    let ash_b = common::building(&store, &installer, ash, "A").await;
    let a1 = common::apartment(&store, &installer, ash_b, "7").await;
    let now = common::START_MS;
    let order = store
        .create_subscription_order(
            &installer,
            OrderInput {
                kind: OrderKind::Activation,
                apartments: vec![e3],
                expires_at_ms: now + 30 * DAY_MS,
            },
        )
        .await
        .unwrap();
    store
        .confirm_subscription_payment(&operator, order.id, "INV-9")
        .await
        .unwrap();

    let find = |kind, communities: Vec<u64>, text: &str, before: Option<i64>| {
        let filter = CandidateFilter {
            kind,
            communities,
            text: text.into(),
            expires_before_ms: before,
        };
        let found = store
            .order_candidates(&installer, &filter, PageRequest::new(1, 2), true)
            .unwrap();
        let page: Vec<u64> = found
            .page
            .items
            .iter()
            .map(|c| c.view.apartment.id)
            .collect();
        (page, found.page.total, found.matching_ids)
    };
    // Ash before Elm; in Elm, B2 before B10, and 3 before 20.
    assert_eq!(
        find(OrderKind::Activation, vec![], "", None),
        (vec![a1, e2], 3, vec![a1, e2, e1])
    );
    assert_eq!(find(OrderKind::Renewal, vec![], "", None).2, vec![e3]);
    assert_eq!(
        find(OrderKind::Renewal, vec![], "", Some(now + 10 * DAY_MS)).1,
        0
    );
    assert_eq!(
        find(OrderKind::Activation, vec![elm], "", None).2,
        vec![e2, e1]
    );
    assert_eq!(find(OrderKind::Activation, vec![], "20", None).2, vec![e2]);

    let other = common::installer(&store, &operator, "mia", "password-3").await;
    let theirs = common::community(&store, &other, "Theirs").await;
    let err = store
        .order_candidates(
            &installer,
            &CandidateFilter {
                kind: OrderKind::Activation,
                communities: vec![theirs],
                text: String::new(),
                expires_before_ms: None,
            },
            PageRequest::new(1, 10),
            false,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");

    let items = store.order_apartments(&order);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].1.as_ref().unwrap().community_name, "Elm");
}
