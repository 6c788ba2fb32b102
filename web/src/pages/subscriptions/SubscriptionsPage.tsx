// The manual's Subscriptions: Active or Renew (Purchase Types), the apartments and the date
// (Purchase Details), the placed order waiting for its payment (Payment Information), and
// the paid order (Confirmation). For every community from the top menu, or for one from
// its module menu.
import { Code } from "@connectrpc/connect";
import { useState } from "preact/hooks";
import { CommunityService, OrderKind, OrderStatus, SubscriptionService, type Community, type SubscriptionOrder } from "../../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../../api";
import { t } from "../../i18n";
import { Link } from "../../router";
import { currentSession } from "../../session";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { LoadProblem } from "../../ui/LoadProblem";
import { announce } from "../../ui/Notice";
import { accountTimeStyle, type TimeStyle } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { NotFound } from "../NotFound";
import { CommunityNav } from "../community/CommunityNav";
import { ConfirmPayment } from "./ConfirmPayment";
import { OrderFacts } from "./OrderFacts";
import { OrderSteps } from "./OrderSteps";
import { PurchaseDetails } from "./PurchaseDetails";

export function SubscriptionsPage(props: { communityId?: string }) {
  const communities = useLoad(async () => {
    if (props.communityId) return [await client(CommunityService).getCommunity({ id: BigInt(props.communityId) })];
    return (await client(CommunityService).listCommunities({})).communities;
  }, [props.communityId]);
  if (communities.error?.code === Code.NotFound) return <NotFound />;
  if (communities.error) return <LoadProblem problem={communities.error} retry={communities.reload} />;
  if (!communities.data) return <p aria-busy="true">{t("app.loading")}</p>;
  const one = props.communityId ? communities.data[0] : undefined;
  return (
    <>
      {one && <CommunityNav communityId={one.id} name={one.name} current="subscriptions" />}
      <h1>{one ? t("sub.titleOf", { name: one.name }) : t("sub.title")}</h1>
      <Order key={props.communityId ?? "all"} communities={communities.data} />
    </>
  );
}

function Order(props: { communities: Community[] }) {
  const [kind, setKind] = useState<OrderKind>();
  const [order, setOrder] = useState<SubscriptionOrder>();
  const time = accountTimeStyle();
  const restart = () => {
    setKind(undefined);
    setOrder(undefined);
  };
  if (!kind) {
    return (
      <>
        <OrderSteps current={1} />
        <p>{t("sub.intro")}</p>
        <div class="choices">
          <button type="button" class="choice-card" aria-describedby="sub-active-help" onClick={() => setKind(OrderKind.ACTIVATION)}>
            {t("sub.active")}
          </button>
          <p class="help" id="sub-active-help">
            {t("sub.active.help")}
          </p>
          <button type="button" class="choice-card" aria-describedby="sub-renew-help" onClick={() => setKind(OrderKind.RENEWAL)}>
            {t("sub.renew")}
          </button>
          <p class="help" id="sub-renew-help">
            {t("sub.renew.help")}
          </p>
        </div>
      </>
    );
  }
  if (!order) {
    return (
      <>
        <OrderSteps current={2} />
        <button type="button" onClick={restart}>
          <span class="chevron" aria-hidden="true">‹</span>{" "}
          {t("sub.back")}
        </button>
        <h2>{kind === OrderKind.ACTIVATION ? t("sub.active") : t("sub.renew")}</h2>
        <PurchaseDetails
          kind={kind}
          communities={props.communities}
          onOrdered={(o) => {
            announce(t("sub.ordered", { number: o.number }));
            setOrder(o);
          }}
        />
      </>
    );
  }
  return <PlacedOrder order={order} time={time} changed={setOrder} restart={restart} />;
}

/** Steps 3 and 4: the order waiting for its payment, then paid. */
function PlacedOrder(props: { order: SubscriptionOrder; time: TimeStyle; changed: (o: SubscriptionOrder) => void; restart: () => void }) {
  const { order } = props;
  const [cancelling, setCancelling] = useState(false);
  const [busy, setBusy] = useState(false);
  const operator = currentSession()?.account.operator ?? false;
  const cancel = async () => {
    setBusy(true);
    try {
      props.changed(await client(SubscriptionService).cancelOrder({ orderId: order.id }));
      announce(t("sub.cancelled", { number: order.number }));
    } catch (err) {
      announce(problem(err).message, "error");
    }
    setBusy(false);
    setCancelling(false);
  };
  const pending = order.orderStatus === OrderStatus.PROCESSING;
  return (
    <>
      <OrderSteps current={order.orderStatus === OrderStatus.SUCCEED ? 4 : 3} />
      <h2>{order.orderStatus === OrderStatus.SUCCEED ? t("sub.step.confirmation") : t("sub.step.payment")}</h2>
      <OrderFacts order={order} time={props.time} />
      {pending && <p class="notice">{t("sub.pending")}</p>}
      <div class="buttons start">
        {pending && (
          <button type="button" class="danger" onClick={() => setCancelling(true)}>
            {t("sub.cancelOrder")}
          </button>
        )}
        <Link href="/payments" class="button">
          {t("sub.toPayments")}
        </Link>
        <button type="button" onClick={props.restart}>
          {t("sub.newOrder")}
        </button>
      </div>
      {pending && operator && <ConfirmPayment order={order} onPaid={(o) => props.changed(o)} />}
      <ConfirmDialog
        open={cancelling}
        message={t("sub.cancelConfirm", { number: order.number })}
        confirmLabel={t("sub.cancelOrder")}
        busy={busy}
        onConfirm={cancel}
        onCancel={() => setCancelling(false)}
      />
    </>
  );
}
