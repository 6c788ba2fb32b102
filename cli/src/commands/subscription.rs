//! `porter admin subscription`: subscription orders and the operator's payment confirmation.

use clap::{Subcommand, ValueEnum};
use porter_proto::admin::v1 as pb;

use crate::commands::shared::parse_time_ms;
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrderKindArg {
    Activation,
    Renewal,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrderStatusArg {
    Processing,
    Succeed,
    Cancelled,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionCmd {
    /// Order the SmartPlus service for apartments; they change once the payment is confirmed.
    Order {
        #[arg(long, value_enum)]
        kind: OrderKindArg,
        /// Apartment ids (up to 3000).
        #[arg(long = "apartment", required = true)]
        apartments: Vec<u64>,
        /// The new expiration time: a date (YYYY-MM-DD, midnight UTC) or RFC 3339.
        #[arg(long, value_parser = parse_time_ms, allow_hyphen_values = true)]
        until: i64,
    },
    /// The Payments list, newest first.
    List {
        #[arg(long, value_enum)]
        kind: Option<OrderKindArg>,
        #[arg(long, value_enum)]
        status: Option<OrderStatusArg>,
        /// Part of an order number.
        #[arg(long)]
        number: Option<String>,
        /// Site operator: every installer's orders.
        #[arg(long)]
        all_installers: bool,
    },
    /// Show one order.
    Get { id: u64 },
    /// Cancel an order that is not paid yet.
    Cancel { id: u64 },
    /// Delete an order from the transaction history.
    Delete { id: u64 },
    /// Site operator: the order was paid (give the invoice or transfer number).
    Confirm {
        id: u64,
        #[arg(long)]
        reference: String,
    },
}

impl SubscriptionCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.subscriptions();
        let kind_pb = |k: OrderKindArg| match k {
            OrderKindArg::Activation => pb::OrderKind::Activation as i32,
            OrderKindArg::Renewal => pb::OrderKind::Renewal as i32,
        };
        match self {
            SubscriptionCmd::Order {
                kind,
                apartments,
                until,
            } => {
                ctx.print(c.create_order(pb::CreateOrderRequest {
                    kind: kind_pb(kind),
                    apartment_ids: apartments,
                    expires_at_ms: until,
                }))
                .await?
            }
            SubscriptionCmd::List {
                kind,
                status,
                number,
                all_installers,
            } => {
                ctx.print(c.list_orders(pb::ListOrdersRequest {
                    kind: kind.map_or(0, kind_pb),
                    order_status: status.map_or(0, |s| match s {
                        OrderStatusArg::Processing => pb::OrderStatus::Processing as i32,
                        OrderStatusArg::Succeed => pb::OrderStatus::Succeed as i32,
                        OrderStatusArg::Cancelled => pb::OrderStatus::Cancelled as i32,
                    }),
                    number: number.unwrap_or_default(),
                    all_installers,
                }))
                .await?
            }
            SubscriptionCmd::Get { id } => {
                ctx.print(c.get_order(pb::OrderRef { order_id: id }))
                    .await?
            }
            SubscriptionCmd::Cancel { id } => {
                ctx.print(c.cancel_order(pb::OrderRef { order_id: id }))
                    .await?
            }
            SubscriptionCmd::Delete { id } => {
                ctx.print(c.delete_order(pb::OrderRef { order_id: id }))
                    .await?
            }
            SubscriptionCmd::Confirm { id, reference } => {
                ctx.print(c.confirm_payment(pb::ConfirmPaymentRequest {
                    order_id: id,
                    payment_reference: reference,
                }))
                .await?
            }
        }

        Ok(())
    }
}
