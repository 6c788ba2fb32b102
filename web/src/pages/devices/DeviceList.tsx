// The Intercom Devices view: the public area's or one building's own devices, with
// Status and Last Connection, searched, sorted and paged by the server.
import { useState } from "preact/hooks";
import { DeviceService, DeviceSort, type Device } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { Link } from "../../router";
import { TextField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { Pager } from "../../ui/Pager";
import { SortableTable, type Column } from "../../ui/SortableTable";
import { formatDateTime, type TimeStyle } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { useLive } from "../../ui/useLive";
import { parseSort } from "../residents/ApartmentList";
import type { View } from "../residents/query";
import { deviceTypeLabel } from "./labels";
import { StatusDot } from "./StatusDot";
import { SearchForm } from "../../ui/SearchForm";
import { isPropertyManager } from "../../session";

const SORTS: Record<string, DeviceSort> = {
  name: DeviceSort.NAME_ASC,
  "-name": DeviceSort.NAME_DESC,
  created: DeviceSort.CREATED_ASC,
  "-created": DeviceSort.CREATED_DESC,
};

/** `scope` is "public" or a building id. */
export function DeviceList(props: { communityId: string; scope: string; view: View; time: TimeStyle; apply: (changes: Partial<View>) => void }) {
  const { view } = props;
  const [q, setQ] = useState(view.q);
  // Status as the live stream last said, over what the list loaded.
  const [live, setLive] = useState<Map<bigint, { online: boolean; atMs: bigint }>>(new Map());
  const list = useLoad(
    () =>
      client(DeviceService).listDevices({
        communityId: BigInt(props.communityId),
        publicOnly: props.scope === "public",
        buildingId: props.scope === "public" ? 0n : BigInt(props.scope),
        search: view.q,
        sort: SORTS[view.sort] ?? DeviceSort.NAME_ASC,
        page: { page: view.page, pageSize: view.size },
      }),
    [props.communityId, props.scope, view.q, view.sort, view.page, view.size],
  );
  useLive(
    BigInt(props.communityId),
    (u) => {
      if (u.update.case !== "deviceStatus") return;
      const s = u.update.value;
      setLive((m) => new Map(m).set(s.deviceId, { online: s.online, atMs: s.atMs }));
    },
    () => {
      setLive(new Map());
      list.reload();
    },
  );
  const online = (d: Device) => live.get(d.id)?.online ?? d.online;
  const lastConnection = (d: Device) => {
    const l = live.get(d.id);
    return l?.online ? l.atMs : d.lastConnectionMs;
  };
  return (
    <>
      <div class="list-head">
        <SearchForm onSearch={() => props.apply({ q, page: 1 })}>
          <TextField name="q" type="search" label={t("dev.search")} value={q} onInput={setQ} />
        </SearchForm>
        {!isPropertyManager() && (
          <Link href={`/communities/${props.communityId}/devices/new?scope=${props.scope}`} class="button primary">
            {t("dev.new")}
          </Link>
        )}
      </div>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <>
          <SortableTable
            caption={t("dev.tab")}
            rows={list.data.devices}
            rowKey={(d) => String(d.id)}
            serverSort={{
              sort: parseSort(view.sort) ?? { key: "name" },
              onSort: (s) => props.apply({ sort: `${s.descending ? "-" : ""}${s.key}`, page: 1 }),
            }}
            empty={t("dev.none")}
            columns={deviceColumns(props.communityId, props.time, online, lastConnection)}
          />
          <Pager page={view.page} size={view.size} total={list.data.total} onChange={(page, size) => props.apply({ page, size })} />
        </>
      )}
    </>
  );
}

/** The device list's columns (Device Name links to the device's page), for any list of devices. */
export function deviceColumns(
  communityId: string | bigint,
  time: TimeStyle,
  online: (d: Device) => boolean,
  lastConnection: (d: Device) => bigint,
): Column<Device>[] {
  return [
    {
      key: "name",
      label: t("dev.col.name"),
      sortValue: (d) => d.name,
      cell: (d) => <Link href={`/communities/${communityId}/devices/${d.id}`}>{d.name}</Link>,
    },
    { key: "mac", label: t("dev.col.mac"), cell: (d) => d.mac },
    { key: "type", label: t("dev.col.type"), cell: (d) => deviceTypeLabel(d.deviceType) },
    { key: "owner", label: t("dev.col.owner"), cell: (d) => d.owner },
    { key: "status", label: t("dev.col.status"), cell: (d) => <StatusDot online={online(d)} /> },
    {
      key: "last",
      label: t("dev.col.lastConnection"),
      cell: (d) => (lastConnection(d) ? formatDateTime(lastConnection(d), time) : t("dev.never")),
    },
    { key: "firmware", label: t("dev.col.firmware"), cell: (d) => d.firmwareVersion || t("common.none") },
    { key: "created", label: t("rd.col.created"), sortValue: (d) => Number(d.createdAtMs), cell: (d) => formatDateTime(d.createdAtMs, time) },
  ];
}
