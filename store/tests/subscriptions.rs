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
    let trail = store.audit_page(&installer, 0, 10).unwrap();
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
