// Step 2 of an order: the apartments it can take (never activated for Active, activated
// for Renew) across the chosen communities, searched and paged; a selection kept across
// pages (3000 at most), the date the service runs until, and Next, which places the order.
import { useState } from "preact/hooks";
import { ActiveStatus, OrderKind, SubscriptionService, type Community, type OrderCandidate, type SubscriptionOrder } from "../../gen/porter/admin/v1/admin_pb";
import { client, placeProblem } from "../../api";
import { t } from "../../i18n";
import { CheckField, FormErrors, TextField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { Pager } from "../../ui/Pager";
import { SearchForm } from "../../ui/SearchForm";
import { SortableTable } from "../../ui/SortableTable";
import { accountTimeStyle, dayEndMs, dayOf, formatCount, formatDateTime } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { activeLabel } from "../residents/labels";

/** "Please Select Items (3000 maximum at a time.)" */
const MAX_ITEMS = 3000;
const DAY_MS = 86_400_000;

interface Query {
  text: string;
  before: string;
  communities: string[];
  page: number;
  size: number;
}

export function PurchaseDetails(props: {
  kind: OrderKind;
  /** The communities to choose among; one means the page is that community's. */
  communities: Community[];
  onOrdered: (order: SubscriptionOrder) => void;
}) {
  const time = accountTimeStyle();
  const zone = time.timeZone;
  const single = props.communities.length === 1;
  const [query, setQuery] = useState<Query>({ text: "", before: "", communities: [], page: 1, size: 50 });
  const [typed, setTyped] = useState("");
  const [typedBefore, setTypedBefore] = useState("");
  const [selected, setSelected] = useState<Set<bigint>>(new Set());
  const [until, setUntil] = useState(dayOf(Date.now() + 365 * DAY_MS, zone));
  const [errors, setErrors] = useState<{ form?: string; until?: string }>({});
  const [busy, setBusy] = useState(false);
  const renewal = props.kind === OrderKind.RENEWAL;
  const request = (page: number, size: number, withIds: boolean) => ({
    kind: props.kind,
    communityIds: single ? [props.communities[0].id] : query.communities.map(BigInt),
    text: query.text,
    expiresBeforeMs: renewal && query.before ? BigInt(dayEndMs(query.before, zone)) : 0n,
    page: { page, pageSize: size },
    withIds,
  });
  const list = useLoad(() => client(SubscriptionService).listOrderCandidates(request(query.page, query.size, false)), [JSON.stringify(query)]);
  const rows = list.data?.candidates ?? [];
  const idOf = (c: OrderCandidate) => c.apartment?.id ?? 0n;
  const change = (ids: bigint[], on: boolean) => {
    setErrors({});
    setSelected((s) => {
      const next = new Set(s);
      for (const id of ids) if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  };
  const selectAll = async () => {
    const all = await client(SubscriptionService).listOrderCandidates(request(1, 1, true));
    change(all.matchingIds, true);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const expiresAtMs = dayEndMs(until, zone);
    if (selected.size === 0) return setErrors({ form: t("sub.nothingSelected") });
    if (selected.size > MAX_ITEMS) return setErrors({ form: t("sub.tooMany", { count: selected.size }) });
    if (Number.isNaN(expiresAtMs)) return setErrors({ until: t("sub.noDate") });
    setBusy(true);
    try {
      const order = await client(SubscriptionService).createOrder({ kind: props.kind, apartmentIds: [...selected], expiresAtMs: BigInt(expiresAtMs) });
      props.onOrdered(order);
    } catch (err) {
      const { field, message } = placeProblem(err, { expires_at_ms: "until" as const });
      setErrors(field ? { until: message } : { form: message });
      setBusy(false);
    }
  };

  const pageIds = rows.map(idOf);
  const pageChosen = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  return (
    <>
      <SearchForm onSearch={() => setQuery((q) => ({ ...q, text: typed.trim(), before: typedBefore, page: 1 }))}>
        <TextField name="search" type="search" label={t("sub.search")} value={typed} onInput={setTyped} />
        {renewal && <TextField name="before" type="date" label={t("sub.expiresBefore")} value={typedBefore} onInput={setTypedBefore} />}
      </SearchForm>
      {!single && (
        <fieldset class="group communities">
          <legend>{t("sub.communities")}</legend>
          <CheckField
            name="allCommunities"
            label={t("sub.communities.all")}
            checked={query.communities.length === 0}
            onChange={(on) => on && setQuery((q) => ({ ...q, communities: [], page: 1 }))}
          />
          {props.communities.map((c) => (
            <CheckField
              key={String(c.id)}
              name={`community-${c.id}`}
              label={c.name}
              checked={query.communities.includes(String(c.id))}
              onChange={(on) =>
                setQuery((q) => ({
                  ...q,
                  page: 1,
                  communities: on ? [...q.communities, String(c.id)] : q.communities.filter((x) => x !== String(c.id)),
                }))
              }
            />
          ))}
        </fieldset>
      )}
      <p class="help">{t("sub.select")}</p>
      <div class="list-head">
        <p aria-live="polite">{t("sub.selected", { count: formatCount(selected.size), total: formatCount(list.data?.total ?? 0) })}</p>
        <div class="buttons start">
          <CheckField name="selectPage" label={t("sub.selectPage")} checked={pageChosen} onChange={(on) => change(pageIds, on)} />
          {(list.data?.total ?? 0) > 0 && (
            <button type="button" class="small" onClick={selectAll}>
              {t("sub.selectAll", { count: Math.min(list.data?.total ?? 0, MAX_ITEMS) })}
            </button>
          )}
          {selected.size > 0 && (
            <button type="button" class="small" onClick={() => setSelected(new Set())}>
              {t("sub.clear")}
            </button>
          )}
        </div>
      </div>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      <SortableTable
        caption={t("sub.step.details")}
        rows={rows}
        rowKey={(c) => String(idOf(c))}
        empty={list.data ? t("sub.none") : t("app.loading")}
        columns={[
          {
            key: "pick",
            label: t("sub.col.pick"),
            className: "pick",
            cell: (c) => (
              <input
                type="checkbox"
                checked={selected.has(idOf(c))}
                aria-label={t("sub.choose", { apt: c.apartment?.aptNumber ?? "", building: c.apartment?.buildingName ?? "", community: c.communityName })}
                onChange={(e) => change([idOf(c)], (e.currentTarget as HTMLInputElement).checked)}
              />
            ),
          },
          ...(single ? [] : [{ key: "community", label: t("sub.col.community"), cell: (c: OrderCandidate) => c.communityName }]),
          { key: "building", label: t("sub.col.building"), cell: (c) => c.apartment?.buildingName },
          { key: "apt", label: t("sub.col.apt"), cell: (c) => c.apartment?.aptNumber },
          { key: "aptName", label: t("sub.col.aptName"), cell: (c) => c.apartment?.aptName || t("common.none") },
          { key: "email", label: t("sub.col.email"), cell: (c) => c.apartment?.resident?.email || t("common.none") },
          {
            key: "name",
            label: t("sub.col.name"),
            cell: (c) => (c.apartment?.resident ? `${c.apartment.resident.firstName} ${c.apartment.resident.lastName}` : t("common.none")),
          },
          { key: "status", label: t("sub.col.status"), cell: (c) => activeLabel(c.apartment?.active ?? ActiveStatus.UNSPECIFIED) },
          { key: "expires", label: t("sub.col.expires"), cell: (c) => formatDateTime(c.apartment?.expiresAtMs ?? 0n, time) },
        ]}
      />
      {list.data && <Pager page={query.page} size={query.size} total={list.data.total} onChange={(page, size) => setQuery((q) => ({ ...q, page, size }))} />}
      <form class="order-summary" onSubmit={submit} noValidate aria-busy={busy}>
        <TextField
          name="until"
          type="date"
          required
          label={renewal ? t("sub.renewTo") : t("sub.until")}
          help={renewal ? t("sub.renewTo.help") : t("sub.until.help")}
          value={until}
          min={dayOf(Date.now() + DAY_MS, zone)}
          max={dayOf(Date.now() + 5 * 365 * DAY_MS, zone)}
          onInput={(v) => {
            setUntil(v);
            setErrors({});
          }}
          error={errors.until}
        />
        <p>
          {t("sub.count")}: <strong>{formatCount(selected.size)}</strong>
        </p>
        <FormErrors message={errors.form} />
        <div class="buttons">
          <button type="submit" class="primary" disabled={busy}>
            {t("sub.next")}
          </button>
        </div>
      </form>
    </>
  );
}
