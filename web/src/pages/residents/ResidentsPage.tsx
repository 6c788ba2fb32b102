// The manual's Resident and Device module for one community: the building tree on the
// left, and the APT (one building's apartments) or Residents (the whole community) view.
import { Code } from "@connectrpc/connect";
import { BuildingService, CommunityService } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { Link, navigate, useLocation } from "../../router";
import { LoadProblem } from "../../ui/LoadProblem";
import { communityTimeStyle } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { NotFound } from "../NotFound";
import { ApartmentList } from "./ApartmentList";
import { BuildingTree } from "./BuildingTree";
import { ResidentSearch } from "./ResidentSearch";
import { DeviceList } from "../devices/DeviceList";
import { CameraList } from "../devices/CameraList";
import { CommunityEvents } from "../devices/CommunityEvents";
import { CommunityNav } from "../community/CommunityNav";
import { mayReadLogs } from "../../session";
import { go, readView, viewUrl, type View } from "./query";

export function ResidentsPage(props: { id: string }) {
  const { query } = useLocation();
  const view = readView(query);
  const community = useLoad(() => client(CommunityService).getCommunity({ id: BigInt(props.id) }), [props.id]);
  const buildings = useLoad(() => client(BuildingService).listBuildings({ communityId: BigInt(props.id) }), [props.id]);
  if (community.error?.code === Code.NotFound) return <NotFound />;
  if (community.error) return <LoadProblem problem={community.error} retry={community.reload} />;
  if (!community.data) return <p aria-busy="true">{t("app.loading")}</p>;

  const apply = (changes: Partial<View>) => go(props.id, view, changes);
  const list = buildings.data?.buildings ?? [];
  const selected =
    view.building === "public" || (view.building && list.some((b) => String(b.id) === view.building)) ? view.building : undefined;
  const time = communityTimeStyle(community.data);
  const logs = mayReadLogs(community.data.id);
  const tab = (name: View["tab"], label: string) => (
    <Link
      href={viewUrl(props.id, { ...view, tab: name, page: 1, sort: "" })}
      role="tab"
      aria-selected={view.tab === name ? "true" : "false"}
      class={`tab${view.tab === name ? " active" : ""}`}
    >
      {label}
    </Link>
  );
  return (
    <>
      <CommunityNav communityId={props.id} name={community.data.name} current="residents" />
      <h1>{t("rd.title")}</h1>
      <div class="module">
        {buildings.data && (
          <BuildingTree
            communityId={community.data.id}
            buildings={list}
            selected={selected}
            hrefOf={(b) =>
              viewUrl(props.id, {
                ...view,
                building: b,
                tab: view.tab === "devices" || view.tab === "cameras" ? view.tab : b === "public" ? "devices" : "apt",
                page: 1,
              })
            }
            changed={(b) => {
              buildings.reload();
              navigate(viewUrl(props.id, { ...view, building: b, tab: "apt", page: 1 }), true);
            }}
          />
        )}
        <section class="module-main" aria-label={t("rd.title")}>
          <div class="tabs" role="tablist" aria-label={t("rd.tabs")}>
            {tab("apt", t("rd.tab.apt"))}
            {tab("devices", t("dev.tab"))}
            {tab("cameras", t("cam.tab"))}
            {tab("residents", t("rd.tab.residents"))}
            {logs && tab("events", t("evp.tab"))}
          </div>
          {buildings.error && <LoadProblem problem={buildings.error} retry={buildings.reload} />}
          {view.tab === "events" && logs ? (
            <CommunityEvents communityId={community.data.id} time={time} />
          ) : view.tab === "residents" ? (
            <ResidentSearch communityId={props.id} view={view} time={time} apply={apply} />
          ) : view.tab === "cameras" ? (
            selected ? (
              <CameraList
                key={selected}
                communityId={community.data.id}
                scope={selected === "public" ? { kind: "public" } : { kind: "building", id: BigInt(selected) }}
                time={time}
              />
            ) : (
              <p class="empty-note">{t("dev.choose")}</p>
            )
          ) : view.tab === "devices" ? (
            selected ? (
              <DeviceList key={selected} communityId={props.id} scope={selected} view={view} time={time} apply={apply} />
            ) : (
              <p class="empty-note">{t("dev.choose")}</p>
            )
          ) : selected && selected !== "public" ? (
            <ApartmentList key={selected} communityId={props.id} buildingId={selected} view={view} time={time} apply={apply} />
          ) : (
            <p class="empty-note">{list.length ? t("rd.chooseBuilding") : t("rd.noBuilding")}</p>
          )}
        </section>
      </div>
    </>
  );
}
