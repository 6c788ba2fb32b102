//! Subscription orders (see `model::subscription`): placed by the installer, confirmed as
//! paid by the site operator, which activates or renews the apartments.

use serde_json::json;

use super::{require_installer, require_staff};
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::subscription::MAX_PAYMENT_REFERENCE_LEN;
use crate::model::{
    ActiveStatus, Id, OrderFilter, OrderInput, OrderKind, OrderStatus, SubscriptionOrder,
};
use crate::record::{Record, RecordKey};
use crate::rules;
use crate::store::Store;

impl Store {
    /// Places an order (Processing). Activation takes apartments whose service was never
    /// active; renewal takes activated ones, to a time later than their expiration.
    pub async fn create_subscription_order(
        &self,
        actor: &Actor,
        input: OrderInput,
    ) -> Result<SubscriptionOrder> {
        require_installer(actor, "order subscriptions")?;
        self.write(|dir, txn| {
            let input = input.validated(txn.now_ms())?;
            for &id in &input.apartments {
                check_orderable(dir, actor, id, &input, txn.now_ms())?;
            }
            let id = txn.next_id();
            let order = SubscriptionOrder {
                id,
                installer_id: actor.installer_id,
                number: SubscriptionOrder::number_for(id, txn.now_ms()),
                kind: input.kind,
                apartments: input.apartments,
                expires_at_ms: input.expires_at_ms,
                status: OrderStatus::Processing,
                created_at_ms: txn.now_ms(),
                payer: actor.username.clone(),
                paid_at_ms: None,
                payment_reference: String::new(),
            };
            txn.put(Record::SubscriptionOrder(order.clone()));
            txn.audit(
                actor,
                "subscription.order",
                format!("order/{}", order.id),
                json!({"number": order.number, "kind": format!("{:?}", order.kind),
                       "apartments": order.apartments.len(), "expires_at_ms": order.expires_at_ms}),
            );
            Ok(order)
        })
        .await
    }

    /// The Payments list, newest first.
    pub fn list_subscription_orders(
        &self,
        actor: &Actor,
        filter: &OrderFilter,
    ) -> Result<Vec<SubscriptionOrder>> {
        require_staff(actor, "see subscription orders")?;
        if filter.all_installers && !actor.operator {
            return Err(StoreError::PermissionDenied(
                "only the site operator may list every installer's orders".into(),
            ));
        }
        let mut list: Vec<SubscriptionOrder> = self.read(|dir| {
            dir.orders()
                .filter(|o| filter.all_installers || o.installer_id == actor.installer_id)
                .filter(|o| filter.matches(o))
                .cloned()
                .collect()
        });
        list.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then(b.id.cmp(&a.id)));
        Ok(list)
    }

    pub fn subscription_order(&self, actor: &Actor, id: Id) -> Result<SubscriptionOrder> {
        require_staff(actor, "see subscription orders")?;
        self.read(|dir| dir.order_of(actor, id).cloned())
    }

    /// Gives up an unpaid order.
    pub async fn cancel_subscription_order(
        &self,
        actor: &Actor,
        id: Id,
    ) -> Result<SubscriptionOrder> {
        require_installer(actor, "cancel orders")?;
        self.write(|dir, txn| {
            let mut order = own_order(dir, actor, id)?.clone();
            if order.status != OrderStatus::Processing {
                return Err(StoreError::precondition(format!(
                    "order {} is {:?}; only an unpaid order can be cancelled",
                    order.number, order.status
                )));
            }
            order.status = OrderStatus::Cancelled;
            txn.put(Record::SubscriptionOrder(order.clone()));
            txn.audit(
                actor,
                "subscription.cancel",
                format!("order/{id}"),
                json!({"number": order.number}),
            );
            Ok(order)
        })
        .await
    }

    /// Removes an order from the Payments list. What a paid order did to the apartments
    /// stays, and the audit trail keeps its payment.
    pub async fn delete_subscription_order(&self, actor: &Actor, id: Id) -> Result<()> {
        require_installer(actor, "delete orders")?;
        self.write(|dir, txn| {
            let order = own_order(dir, actor, id)?;
            txn.delete(RecordKey::SubscriptionOrder(id));
            txn.audit(
                actor,
                "subscription.delete",
                format!("order/{id}"),
                json!({"number": order.number, "status": format!("{:?}", order.status)}),
            );
            Ok(())
        })
        .await
    }

    /// The site operator records that an order was paid: it becomes Succeed, and each of
    /// its apartments that still exists is activated or renewed to the order's time (never
    /// moved earlier). Returns the order and how many apartments it changed.
    pub async fn confirm_subscription_payment(
        &self,
        actor: &Actor,
        id: Id,
        reference: &str,
    ) -> Result<(SubscriptionOrder, usize)> {
        if !actor.operator {
            return Err(StoreError::PermissionDenied(
                "only the site operator may confirm payments".into(),
            ));
        }
        let reference =
            rules::required_name("payment_reference", reference, MAX_PAYMENT_REFERENCE_LEN)?;
        self.write(|dir, txn| {
            let mut order = dir.order_of(actor, id)?.clone();
            if order.status != OrderStatus::Processing {
                return Err(StoreError::precondition(format!(
                    "order {} is {:?}; only an unpaid order can be confirmed",
                    order.number, order.status
                )));
            }
            let mut changed = 0;
            for apt_id in &order.apartments {
                let Some(apartment) = dir.apartment(*apt_id) else {
                    continue;
                };
                let mut a = apartment.clone();
                a.activated = true;
                let expires_at_ms = a.expires_at_ms.map_or(order.expires_at_ms, |current| {
                    current.max(order.expires_at_ms)
                });
                a.expires_at_ms = Some(expires_at_ms);
                // A first activation is no renewal.
                if apartment.activated {
                    for m in super::mail::renewal_messages(dir, &a, expires_at_ms, txn.now_ms()) {
                        txn.queue_mail(m);
                    }
                }
                txn.put(Record::Apartment(a));
                changed += 1;
            }
            order.status = OrderStatus::Succeed;
            order.paid_at_ms = Some(txn.now_ms());
            order.payment_reference = reference;
            txn.put(Record::SubscriptionOrder(order.clone()));
            // The entry goes to the order's installer, whose trail shows the payment.
            let in_tenant = Actor {
                installer_id: order.installer_id,
                ..actor.clone()
            };
            txn.audit(
                &in_tenant,
                "subscription.paid",
                format!("order/{id}"),
                json!({"number": order.number, "reference": order.payment_reference,
                       "apartments_changed": changed}),
            );
            Ok((order, changed))
        })
        .await
    }
}

/// An order of the actor's own installer (the operator's reach over other installers is
/// for confirming payments only).
fn own_order<'d>(dir: &'d Directory, actor: &Actor, id: Id) -> Result<&'d SubscriptionOrder> {
    dir.order_of(actor, id)
        .ok()
        .filter(|o| o.installer_id == actor.installer_id)
        .ok_or_else(|| StoreError::not_found(format!("order {id}")))
}

fn check_orderable(
    dir: &Directory,
    actor: &Actor,
    id: Id,
    input: &OrderInput,
    now_ms: i64,
) -> Result<()> {
    let (a, _) = dir.apartment_of(actor, id)?;
    let name = || {
        let building = dir.building(a.building_id).map_or("", |b| b.name.as_str());
        format!("apartment {} in {building}", a.number)
    };
    match input.kind {
        OrderKind::Activation if a.activated => Err(StoreError::invalid(
            "apartment_ids",
            format!("{} is already activated; renew it instead", name()),
        )),
        OrderKind::Renewal if !a.activated => Err(StoreError::invalid(
            "apartment_ids",
            format!("{} was never activated; activate it first", name()),
        )),
        OrderKind::Renewal
            if a.active_status(now_ms) == ActiveStatus::Normal
                && a.expires_at_ms.is_some_and(|at| at >= input.expires_at_ms) =>
        {
            Err(StoreError::invalid(
                "expires_at_ms",
                format!("{} already runs until then; renew to a later time", name()),
            ))
        }
        _ => Ok(()),
    }
}
