// What an order is: number, type, apartments, expiration, status, times, payer and the
// payment's reference (the manual's transaction details).
import { OrderStatus, type SubscriptionOrder } from "../../gen/porter/admin/v1/admin_pb";
import { t } from "../../i18n";
import { formatCount, formatDateTime, type TimeStyle } from "../../ui/format";
import { kindLabel, statusLabel } from "./labels";

export function OrderFacts(props: { order: SubscriptionOrder; time: TimeStyle }) {
  const o = props.order;
  return (
    <dl class="facts">
      <dt>{t("sub.order.number")}</dt>
      <dd>{o.number}</dd>
      <dt>{t("sub.order.created")}</dt>
      <dd>{formatDateTime(o.createdAtMs, props.time)}</dd>
      <dt>{t("sub.order.status")}</dt>
      <dd data-status={OrderStatus[o.orderStatus].toLowerCase()}>{statusLabel(o.orderStatus)}</dd>
      <dt>{t("sub.order.type")}</dt>
      <dd>{kindLabel(o.kind)}</dd>
      <dt>{t("sub.order.count")}</dt>
      <dd>{formatCount(o.apartmentIds.length)}</dd>
      <dt>{t("sub.order.expires")}</dt>
      <dd>{formatDateTime(o.expiresAtMs, props.time)}</dd>
      <dt>{t("sub.order.payer")}</dt>
      <dd>{o.payer}</dd>
      {o.paidAtMs > 0n && (
        <>
          <dt>{t("sub.order.paid")}</dt>
          <dd>{formatDateTime(o.paidAtMs, props.time)}</dd>
          <dt>{t("sub.order.reference")}</dt>
          <dd>{o.paymentReference}</dd>
        </>
      )}
    </dl>
  );
}
