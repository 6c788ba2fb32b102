// The manual's Payments: the orders (Order Number, Type, The number of apartments, Status,
// Created Time), searched by type, status and order number; Info with each apartment,
// cancel while unpaid, delete. The site operator also sees every installer's orders and
// confirms payments here.
import { useState } from "preact/hooks";
import { OrderKind, OrderStatus, SubscriptionService, type SubscriptionOrder } from "../../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../../api";
import { t } from "../../i18n";
import { navigate, useLocation } from "../../router";
import { currentSession } from "../../session";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { CheckField, SelectField, TextField } from "../../ui/fields";
import { InfoDialog } from "../../ui/InfoDialog";
import { LoadProblem } from "../../ui/LoadProblem";
import { announce } from "../../ui/Notice";
import { SearchForm } from "../../ui/SearchForm";
import { SortableTable } from "../../ui/SortableTable";
import { accountTimeStyle, formatCount, formatDateTime, type TimeStyle } from "../../ui/format";
import { useEditor } from "../../ui/useEditor";
import { useLoad } from "../../ui/useLoad";
import { ConfirmPayment } from "./ConfirmPayment";
import { OrderFacts } from "./OrderFacts";
import { KINDS, STATUSES, kindLabel, statusLabel } from "./labels";

export function PaymentsPage() {
  const { query } = useLocation();
  const kind = KINDS.find((k) => String(k) === query.get("type")) ?? OrderKind.UNSPECIFIED;
  const status = STATUSES.find((s) => String(s) === query.get("status")) ?? OrderStatus.UNSPECIFIED;
  const number = query.get("number") ?? "";
  const session = currentSession();
  const operator = session?.account.operator ?? false;
  const everyone = operator && query.get("all") === "1";
  const [typed, setTyped] = useState(number);
  const [shown, setShown] = useState<SubscriptionOrder>();
  const [paying, setPaying] = useState<SubscriptionOrder>();
  const [cancelling, setCancelling] = useState<SubscriptionOrder>();
  const time = accountTimeStyle();
  const list = useLoad(
    () => client(SubscriptionService).listOrders({ kind, orderStatus: status, number, allInstallers: everyone }),
    [kind, status, number, everyone],
  );
  const editor = useEditor<object, SubscriptionOrder>({
    changed: list.reload,
    remove: async (o) => {
      await client(SubscriptionService).deleteOrder({ orderId: o.id });
      return t("pay.deleted", { number: o.number });
    },
  });
  const go = (changes: { kind?: OrderKind; status?: OrderStatus; number?: string; all?: boolean }) => {
    const next = { kind, status, number, all: everyone, ...changes };
    const q = new URLSearchParams();
    if (next.kind !== OrderKind.UNSPECIFIED) q.set("type", String(next.kind));
    if (next.status !== OrderStatus.UNSPECIFIED) q.set("status", String(next.status));
    if (next.number) q.set("number", next.number);
    if (next.all) q.set("all", "1");
    navigate(`/payments${q.toString() ? `?${q}` : ""}`);
  };
  const cancel = async () => {
    const o = cancelling;
    if (!o) return;
    try {
      await client(SubscriptionService).cancelOrder({ orderId: o.id });
      announce(t("sub.cancelled", { number: o.number }));
      list.reload();
    } catch (err) {
      announce(problem(err).message, "error");
    }
    setCancelling(undefined);
  };
  const own = (o: SubscriptionOrder) => o.installerId === session?.account.installerId;

  return (
    <>
      <h1>{t("pay.title")}</h1>
      <p class="help">{t("pay.noPrice")}</p>
      <SearchForm onSearch={() => go({ number: typed.trim() })}>
        <SelectField
          name="type"
          label={t("pay.type")}
          value={String(kind)}
          onChange={(v) => go({ kind: Number(v) as OrderKind })}
          options={[{ value: "0", label: t("pay.all") }, ...KINDS.map((k) => ({ value: String(k), label: kindLabel(k) }))]}
        />
        <SelectField
          name="status"
          label={t("pay.status")}
          value={String(status)}
          onChange={(v) => go({ status: Number(v) as OrderStatus })}
          options={[{ value: "0", label: t("pay.all") }, ...STATUSES.map((s) => ({ value: String(s), label: statusLabel(s) }))]}
        />
        <TextField name="number" type="search" label={t("pay.number")} value={typed} onInput={setTyped} inputMode="numeric" />
      </SearchForm>
      {operator && <CheckField name="everyone" label={t("pay.everyInstaller")} checked={everyone} onChange={(all) => go({ all })} />}
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <SortableTable
          caption={t("pay.title")}
          rows={list.data.orders}
          rowKey={(o) => String(o.id)}
          initialSort={{ key: "created", descending: true }}
          empty={t("pay.empty")}
          columns={[
            { key: "number", label: t("sub.order.number"), cell: (o) => o.number, sortValue: (o) => o.number },
            { key: "type", label: t("sub.order.type"), cell: (o) => kindLabel(o.kind), sortValue: (o) => o.kind },
            { key: "count", label: t("sub.order.count"), cell: (o) => formatCount(o.apartmentIds.length), sortValue: (o) => o.apartmentIds.length },
            {
              key: "status",
              label: t("sub.order.status"),
              cell: (o) => <span data-status={OrderStatus[o.orderStatus].toLowerCase()}>{statusLabel(o.orderStatus)}</span>,
              sortValue: (o) => o.orderStatus,
            },
            { key: "created", label: t("sub.order.created"), cell: (o) => formatDateTime(o.createdAtMs, time), sortValue: (o) => Number(o.createdAtMs) },
            {
              key: "actions",
              label: t("common.actions"),
              className: "actions",
              cell: (o) => (
                <>
                  <button type="button" class="small" aria-label={t("pay.infoOne", { number: o.number })} onClick={() => setShown(o)}>
                    {t("common.details")}
                  </button>
                  {o.orderStatus === OrderStatus.PROCESSING && operator && (
                    <button type="button" class="small" aria-label={t("pay.confirmOne", { number: o.number })} onClick={() => setPaying(o)}>
                      {t("sub.confirmPayment")}
                    </button>
                  )}
                  {o.orderStatus === OrderStatus.PROCESSING && own(o) && (
                    <button type="button" class="small" aria-label={t("pay.cancelOne", { number: o.number })} onClick={() => setCancelling(o)}>
                      {t("sub.cancelOrder")}
                    </button>
                  )}
                  {own(o) && (
                    <button type="button" class="small danger" aria-label={t("pay.deleteOne", { number: o.number })} onClick={() => editor.askRemove(o)}>
                      {t("common.delete")}
                    </button>
                  )}
                </>
              ),
            },
          ]}
        />
      )}
      <OrderInfo order={shown} time={time} onClose={() => setShown(undefined)} />
      <InfoDialog open={paying !== undefined} title={t("pay.info", { number: paying?.number ?? "" })} onClose={() => setPaying(undefined)}>
        {paying && (
          <ConfirmPayment
            order={paying}
            onPaid={() => {
              setPaying(undefined);
              list.reload();
            }}
          />
        )}
      </InfoDialog>
      <ConfirmDialog
        open={cancelling !== undefined}
        message={t("sub.cancelConfirm", { number: cancelling?.number ?? "" })}
        confirmLabel={t("sub.cancelOrder")}
        onConfirm={cancel}
        onCancel={() => setCancelling(undefined)}
      />
      <ConfirmDialog
        {...editor.confirm}
        message={editor.doomed ? t("pay.deleteConfirm", { number: editor.doomed.number }) : ""}
        confirmLabel={t("common.delete")}
      />
    </>
  );
}

/** Info: the order and each of its apartments as they are now. */
function OrderInfo(props: { order?: SubscriptionOrder; time: TimeStyle; onClose: () => void }) {
  const id = props.order?.id;
  const full = useLoad(() => (id === undefined ? Promise.resolve(undefined) : client(SubscriptionService).getOrder({ orderId: id })), [String(id)]);
  const order = full.data ?? props.order;
  return (
    <InfoDialog open={props.order !== undefined} wide title={t("pay.info", { number: props.order?.number ?? "" })} onClose={props.onClose}>
      {order && <OrderFacts order={order} time={props.time} />}
      {full.error && <LoadProblem problem={full.error} retry={full.reload} />}
      {full.data && (
        <SortableTable
          caption={t("pay.items", { count: full.data.items.length })}
          rows={full.data.items}
          rowKey={(i) => String(i.apartmentId)}
          columns={[
            { key: "community", label: t("sub.col.community"), cell: (i) => i.apartment?.communityName ?? t("pay.itemGone", { id: String(i.apartmentId) }) },
            { key: "building", label: t("sub.col.building"), cell: (i) => i.apartment?.apartment?.buildingName ?? t("common.none") },
            { key: "apt", label: t("sub.col.apt"), cell: (i) => i.apartment?.apartment?.aptNumber ?? t("common.none") },
            { key: "aptName", label: t("sub.col.aptName"), cell: (i) => i.apartment?.apartment?.aptName || t("common.none") },
            { key: "expires", label: t("sub.col.expires"), cell: (i) => formatDateTime(i.apartment?.apartment?.expiresAtMs ?? 0n, props.time) },
          ]}
        />
      )}
    </InfoDialog>
  );
}
