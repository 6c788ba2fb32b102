//! Subscription orders: the manual's Subscriptions (Active, Renew) and Payments pages. An
//! installer orders the SmartPlus service for apartments; the order stays Processing until
//! its payment is confirmed, and only then are the apartments activated or renewed.
//!
//! Porter takes no card payments itself. The site operator confirms an order once the money
//! has arrived (invoice, bank transfer, or a payment provider in front of Porter), giving the
//! payment's reference; that is what makes an apartment's app service Normal.

use serde::{Deserialize, Serialize};

use super::Id;
use crate::error::{Result, StoreError};

/// "Please Select Items (3000 maximum at a time.)"
pub const MAX_ORDER_APARTMENTS: usize = 3000;
/// "Select the renewal period with a maximum of 5 years."
pub const MAX_PERIOD_MS: i64 = 5 * 366 * 24 * 3600 * 1000;
/// The longest payment reference kept.
pub const MAX_PAYMENT_REFERENCE_LEN: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderKind {
    /// First activation of apartments whose service was never active.
    Activation,
    /// Moving the expiration time of active (or expired) apartments later.
    Renewal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Created, not paid yet.
    Processing,
    /// Paid: the apartments were activated or renewed.
    Succeed,
    /// Given up by the installer before payment.
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionOrder {
    pub id: Id,
    pub installer_id: Id,
    /// The order number shown on the Payments page and searched by.
    pub number: String,
    pub kind: OrderKind,
    pub apartments: Vec<Id>,
    /// Activation: the service runs until then. Renewal: "Renew To".
    pub expires_at_ms: i64,
    pub status: OrderStatus,
    pub created_at_ms: i64,
    /// The account that placed the order (the manual's Payer).
    pub payer: String,
    pub paid_at_ms: Option<i64>,
    /// The payment's reference as the operator recorded it (invoice or transfer number).
    pub payment_reference: String,
}

impl SubscriptionOrder {
    /// A 16-digit order number: the creation second, then the low digits of the record id,
    /// so two orders never share one.
    pub fn number_for(id: Id, created_at_ms: i64) -> String {
        format!(
            "{:010}{:06}",
            created_at_ms.div_euclid(1000).rem_euclid(10_000_000_000),
            id % 1_000_000
        )
    }
}

/// What an installer asks for: apartments, and the expiration time they get when paid.
#[derive(Clone, Debug)]
pub struct OrderInput {
    pub kind: OrderKind,
    pub apartments: Vec<Id>,
    pub expires_at_ms: i64,
}

impl OrderInput {
    /// The apartment list (duplicates dropped, 1 to 3000) and the period (after `now`, at
    /// most five years ahead); each error names its field.
    pub fn validated(mut self, now_ms: i64) -> Result<OrderInput> {
        let mut seen = std::collections::HashSet::new();
        self.apartments.retain(|id| seen.insert(*id));
        if self.apartments.is_empty() {
            return Err(StoreError::invalid(
                "apartment_ids",
                "select at least one apartment",
            ));
        }
        if self.apartments.len() > MAX_ORDER_APARTMENTS {
            return Err(StoreError::invalid(
                "apartment_ids",
                format!(
                    "{} apartments selected; an order takes at most {MAX_ORDER_APARTMENTS}",
                    self.apartments.len()
                ),
            ));
        }
        if self.expires_at_ms <= now_ms {
            return Err(StoreError::invalid(
                "expires_at_ms",
                "the expiration time must be in the future",
            ));
        }
        if self.expires_at_ms > now_ms + MAX_PERIOD_MS {
            return Err(StoreError::invalid(
                "expires_at_ms",
                "the expiration time may be at most 5 years ahead",
            ));
        }
        Ok(self)
    }
}

/// The Payments page's filters; empty ones match everything.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    pub kind: Option<OrderKind>,
    pub status: Option<OrderStatus>,
    /// Part of an order number.
    pub number: String,
    /// The site operator only: every installer's orders (to confirm payments).
    pub all_installers: bool,
}

impl OrderFilter {
    pub fn matches(&self, o: &SubscriptionOrder) -> bool {
        self.kind.is_none_or(|k| k == o.kind)
            && self.status.is_none_or(|s| s == o.status)
            && o.number.contains(self.number.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn input(apartments: Vec<Id>, expires_at_ms: i64) -> OrderInput {
        OrderInput {
            kind: OrderKind::Activation,
            apartments,
            expires_at_ms,
        }
    }

    #[test]
    fn apartments_are_deduplicated_and_bounded() {
        let v = input(vec![3, 1, 3, 2, 1], NOW + 1).validated(NOW).unwrap();
        assert_eq!(v.apartments, vec![3, 1, 2]);
        let e = input(vec![], NOW + 1).validated(NOW).unwrap_err();
        assert_eq!(e.field(), Some("apartment_ids"));
        let many = (0..=MAX_ORDER_APARTMENTS as Id).collect();
        let e = input(many, NOW + 1).validated(NOW).unwrap_err();
        assert!(e.to_string().contains("at most 3000"), "{e}");
    }

    #[test]
    fn period_is_future_and_at_most_five_years() {
        assert!(input(vec![1], NOW).validated(NOW).is_err());
        assert!(input(vec![1], NOW + MAX_PERIOD_MS).validated(NOW).is_ok());
        let e = input(vec![1], NOW + MAX_PERIOD_MS + 1)
            .validated(NOW)
            .unwrap_err();
        assert_eq!(e.field(), Some("expires_at_ms"));
    }

    #[test]
    fn order_numbers_have_sixteen_digits() {
        let n = SubscriptionOrder::number_for(1_234_567, NOW);
        assert_eq!(n, "1700000000234567");
        assert_ne!(n, SubscriptionOrder::number_for(1_234_568, NOW));
    }
}
