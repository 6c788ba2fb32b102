// The APT view: one building's apartments with their residents, filtered, sorted and
// paged by the server (a building of thousands of apartments stays fast).
import { ApartmentService, ApartmentSort, type Apartment } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { Link } from "../../router";
import { LoadProblem } from "../../ui/LoadProblem";
import { Pager } from "../../ui/Pager";
import { SortableTable, type Sort } from "../../ui/SortableTable";
import { formatDateTime, type TimeStyle } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { Filters, residentFilter } from "./Filters";
import { activeLabel, appStatusLabel, aptLabel } from "./labels";
import type { View } from "./query";
import { isPropertyManager } from "../../session";

const SORTS: Record<string, ApartmentSort> = {
  apt: ApartmentSort.APT_ASC,
  "-apt": ApartmentSort.APT_DESC,
  aptName: ApartmentSort.APT_NAME_ASC,
  "-aptName": ApartmentSort.APT_NAME_DESC,
  created: ApartmentSort.CREATED_ASC,
  "-created": ApartmentSort.CREATED_DESC,
};

export function parseSort(s: string): Sort | undefined {
  if (!s) return undefined;
  return s.startsWith("-") ? { key: s.slice(1), descending: true } : { key: s };
}

export function ApartmentList(props: {
  communityId: string;
  buildingId: string;
  view: View;
  time: TimeStyle;
  apply: (changes: Partial<View>) => void;
}) {
  const { view } = props;
  const list = useLoad(
    () =>
      client(ApartmentService).listApartments({
        buildingId: BigInt(props.buildingId),
        filter: residentFilter(view),
        sort: SORTS[view.sort] ?? ApartmentSort.APT_ASC,
        page: { page: view.page, pageSize: view.size },
      }),
    [props.buildingId, view.page, view.size, view.app, view.active, view.q, view.sort],
  );
  const base = `/communities/${props.communityId}/buildings/${props.buildingId}/apartments`;
  const name = (a: Apartment) => (a.resident ? `${a.resident.firstName} ${a.resident.lastName}`.trim() : t("common.none"));
  return (
    <>
      <div class="list-head">
        <Filters view={view} apply={props.apply} />
        {!isPropertyManager() && (
          <Link href={`${base}/new`} class="button primary">
            {t("rd.newApt")}
          </Link>
        )}
      </div>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <>
          <SortableTable
            caption={t("rd.tab.apt")}
            rows={list.data.apartments}
            rowKey={(a) => String(a.id)}
            serverSort={{
              sort: parseSort(view.sort) ?? { key: "apt" },
              onSort: (s) => props.apply({ sort: `${s.descending ? "-" : ""}${s.key}`, page: 1 }),
            }}
            empty={t("rd.noApartments")}
            columns={[
              {
                key: "apt",
                label: t("rd.col.apt"),
                sortValue: () => 0,
                cell: (a) => (
                  <Link href={`${base}/${a.id}`} aria-label={t("rd.editApt", { apt: a.aptNumber })}>
                    {aptLabel(a.aptNumber, a.floor)}
                  </Link>
                ),
              },
              { key: "aptName", label: t("rd.col.aptName"), sortValue: () => 0, cell: (a) => a.aptName || t("common.none") },
              { key: "resident", label: t("rd.col.resident"), cell: name },
              { key: "email", label: t("rd.col.email"), cell: (a) => a.resident?.email || t("common.none") },
              {
                key: "mobile",
                label: t("rd.col.mobile"),
                cell: (a) => (a.resident?.mobile ? `${a.resident.callingCode} ${a.resident.mobile}`.trim() : t("common.none")),
              },
              { key: "active", label: t("rd.col.active"), cell: (a) => activeLabel(a.active) },
              { key: "app", label: t("rd.col.appStatus"), cell: (a) => (a.resident ? appStatusLabel(a.resident.appStatus) : t("common.none")) },
              { key: "created", label: t("rd.col.created"), sortValue: () => 0, cell: (a) => formatDateTime(a.createdAtMs, props.time) },
              { key: "expires", label: t("rd.col.expires"), cell: (a) => formatDateTime(a.expiresAtMs, props.time) },
            ]}
          />
          <Pager page={view.page} size={view.size} total={list.data.total} onChange={(page, size) => props.apply({ page, size })} />
        </>
      )}
    </>
  );
}
