//! SubscriptionService: the Subscriptions and Payments pages.

use porter_proto::admin::v1::{self as pb, subscription_service_server::SubscriptionService};
use porter_store::model::{OrderFilter, OrderInput, SubscriptionOrder};
use porter_store::{CandidateFilter, OrderCandidate};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

fn order_pb(o: &SubscriptionOrder) -> pb::SubscriptionOrder {
    pb::SubscriptionOrder {
        id: o.id,
        number: o.number.clone(),
        kind: convert::order_kind_pb(o.kind),
        apartment_ids: o.apartments.clone(),
        expires_at_ms: o.expires_at_ms,
        order_status: convert::order_status_pb(o.status),
        created_at_ms: o.created_at_ms,
        payer: o.payer.clone(),
        paid_at_ms: o.paid_at_ms.unwrap_or(0),
        payment_reference: o.payment_reference.clone(),
        installer_id: o.installer_id,
        items: Vec::new(),
    }
}

fn candidate_pb(c: &OrderCandidate) -> pb::OrderCandidate {
    pb::OrderCandidate {
        apartment: Some(convert::apartment(&c.view)),
        community_name: c.community_name.clone(),
    }
}

#[tonic::async_trait]
impl SubscriptionService for AdminApi {
    async fn create_order(
        &self,
        request: Request<pb::CreateOrderRequest>,
    ) -> ApiResult<pb::SubscriptionOrder> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let kind = convert::order_kind("kind", r.kind)?
            .ok_or_else(|| invalid("kind", "choose activation or renewal"))?;
        let order = self
            .store
            .create_subscription_order(
                &actor,
                OrderInput {
                    kind,
                    apartments: r.apartment_ids,
                    expires_at_ms: r.expires_at_ms,
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(order_pb(&order)))
    }

    async fn list_orders(
        &self,
        request: Request<pb::ListOrdersRequest>,
    ) -> ApiResult<pb::ListOrdersResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let filter = OrderFilter {
            kind: convert::order_kind("kind", r.kind)?,
            status: convert::order_status("order_status", r.order_status)?,
            number: r.number,
            all_installers: r.all_installers,
        };
        let orders = self
            .store
            .list_subscription_orders(&actor, &filter)
            .map_err(status)?;
        Ok(Response::new(pb::ListOrdersResponse {
            orders: orders.iter().map(order_pb).collect(),
        }))
    }

    async fn get_order(&self, request: Request<pb::OrderRef>) -> ApiResult<pb::SubscriptionOrder> {
        let actor = self.actor(&request)?;
        let order = self
            .store
            .subscription_order(&actor, request.get_ref().order_id)
            .map_err(status)?;
        let mut answer = order_pb(&order);
        answer.items = self
            .store
            .order_apartments(&order)
            .iter()
            .map(|(id, row)| pb::OrderItem {
                apartment_id: *id,
                apartment: row.as_ref().map(candidate_pb),
            })
            .collect();
        Ok(Response::new(answer))
    }

    async fn cancel_order(
        &self,
        request: Request<pb::OrderRef>,
    ) -> ApiResult<pb::SubscriptionOrder> {
        let actor = self.actor(&request)?;
        let order = self
            .store
            .cancel_subscription_order(&actor, request.get_ref().order_id)
            .await
            .map_err(status)?;
        Ok(Response::new(order_pb(&order)))
    }

    async fn delete_order(&self, request: Request<pb::OrderRef>) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_subscription_order(&actor, request.get_ref().order_id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn confirm_payment(
        &self,
        request: Request<pb::ConfirmPaymentRequest>,
    ) -> ApiResult<pb::ConfirmPaymentResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let (order, changed) = self
            .store
            .confirm_subscription_payment(&actor, r.order_id, &r.payment_reference)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ConfirmPaymentResponse {
            order: Some(order_pb(&order)),
            apartments_changed: u32::try_from(changed).unwrap_or(u32::MAX),
        }))
    }

    async fn list_order_candidates(
        &self,
        request: Request<pb::ListOrderCandidatesRequest>,
    ) -> ApiResult<pb::ListOrderCandidatesResponse> {
        let actor = self.actor(&request)?;
        self.store
            .require_staff(&actor, "order subscriptions")
            .map_err(status)?;
        let r = request.into_inner();
        let kind = convert::order_kind("kind", r.kind)?
            .ok_or_else(|| invalid("kind", "choose activation or renewal"))?;
        let filter = CandidateFilter {
            kind,
            communities: r.community_ids,
            text: r.text,
            expires_before_ms: (r.expires_before_ms > 0).then_some(r.expires_before_ms),
        };
        let found = self
            .store
            .order_candidates(&actor, &filter, convert::page(r.page)?, r.with_ids)
            .map_err(status)?;
        Ok(Response::new(pb::ListOrderCandidatesResponse {
            candidates: found.page.items.iter().map(candidate_pb).collect(),
            total: found.page.total,
            matching_ids: found.matching_ids,
        }))
    }
}
