// The site operator's Confirm payment of an unpaid order: the payment's reference, then
// the order is Succeed and its apartments activated or renewed.
import { useState } from "preact/hooks";
import { SubscriptionService, type SubscriptionOrder } from "../../gen/porter/admin/v1/admin_pb";
import { client, placeProblem } from "../../api";
import { t } from "../../i18n";
import { FormErrors, TextField } from "../../ui/fields";
import { announce } from "../../ui/Notice";

export function ConfirmPayment(props: { order: SubscriptionOrder; onPaid: (order: SubscriptionOrder, changed: number) => void }) {
  const [reference, setReference] = useState("");
  const [error, setError] = useState<{ field?: "reference"; message: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const paid = await client(SubscriptionService).confirmPayment({ orderId: props.order.id, paymentReference: reference });
      const order = paid.order ?? props.order;
      announce(t("sub.paid", { number: order.number, count: paid.apartmentsChanged }));
      props.onPaid(order, paid.apartmentsChanged);
    } catch (err) {
      setError(placeProblem(err, { payment_reference: "reference" as const }));
    }
    setBusy(false);
  };
  return (
    <form class="settings" onSubmit={submit} noValidate aria-busy={busy}>
      <h3>{t("sub.confirmPayment")}</h3>
      <FormErrors message={error?.field ? undefined : error?.message} />
      <TextField
        name="reference"
        required
        label={t("sub.reference")}
        help={t("sub.confirmPayment.help")}
        value={reference}
        onInput={setReference}
        maxLength={200}
        error={error?.field ? error.message : undefined}
      />
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {t("sub.confirmPayment")}
        </button>
      </div>
    </form>
  );
}
