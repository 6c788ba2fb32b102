// The Residents view: every resident of the community, whatever the building, searched,
// filtered, sorted and paged by the server.
import { ApartmentService, ResidentSort, type ResidentRow } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { Link } from "../../router";
import { LoadProblem } from "../../ui/LoadProblem";
import { Pager } from "../../ui/Pager";
import { SortableTable } from "../../ui/SortableTable";
import { formatDateTime, type TimeStyle } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { parseSort } from "./ApartmentList";
import { Filters, residentFilter } from "./Filters";
import { activeLabel, appStatusLabel, aptLabel } from "./labels";
import type { View } from "./query";

const SORTS: Record<string, ResidentSort> = {
  resident: ResidentSort.NAME_ASC,
  "-resident": ResidentSort.NAME_DESC,
  created: ResidentSort.CREATED_ASC,
  "-created": ResidentSort.CREATED_DESC,
};

export function ResidentSearch(props: { communityId: string; view: View; time: TimeStyle; apply: (changes: Partial<View>) => void }) {
  const { view } = props;
  const list = useLoad(
    () =>
      client(ApartmentService).searchResidents({
        communityId: BigInt(props.communityId),
        filter: residentFilter(view),
        sort: SORTS[view.sort] ?? ResidentSort.NAME_ASC,
        page: { page: view.page, pageSize: view.size },
      }),
    [props.communityId, view.page, view.size, view.app, view.active, view.q, view.sort],
  );
  const name = (r: ResidentRow) => `${r.firstName} ${r.lastName}`.trim();
  return (
    <>
      <div class="list-head">
        <Filters view={view} apply={props.apply} />
      </div>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <>
          <SortableTable
            caption={t("rd.tab.residents")}
            rows={list.data.residents}
            rowKey={(r) => `${r.apartmentId}`}
            serverSort={{
              sort: parseSort(view.sort) ?? { key: "resident" },
              onSort: (s) => props.apply({ sort: `${s.descending ? "-" : ""}${s.key}`, page: 1 }),
            }}
            empty={t("rd.noApartments")}
            columns={[
              { key: "resident", label: t("rd.col.resident"), sortValue: () => 0, cell: name },
              { key: "email", label: t("rd.col.email"), cell: (r) => r.email || t("common.none") },
              { key: "building", label: t("rd.col.building"), cell: (r) => r.buildingName },
              {
                key: "apt",
                label: t("rd.col.apt"),
                cell: (r) => (
                  <Link href={`/communities/${props.communityId}/buildings/${r.buildingId}/apartments/${r.apartmentId}`}>
                    {aptLabel(r.aptNumber, r.floor)}
                  </Link>
                ),
              },
              { key: "aptName", label: t("rd.col.aptName"), cell: (r) => r.aptName || t("common.none") },
              { key: "active", label: t("rd.col.active"), cell: (r) => activeLabel(r.active) },
              { key: "app", label: t("rd.col.appStatus"), cell: (r) => appStatusLabel(r.appStatus) },
              { key: "created", label: t("rd.col.created"), sortValue: () => 0, cell: (r) => formatDateTime(r.createdAtMs, props.time) },
              { key: "expires", label: t("rd.col.expires"), cell: (r) => formatDateTime(r.expiresAtMs, props.time) },
            ]}
          />
          <Pager page={view.page} size={view.size} total={list.data.total} onChange={(page, size) => props.apply({ page, size })} />
        </>
      )}
    </>
  );
}
