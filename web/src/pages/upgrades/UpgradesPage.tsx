// The manual's Upgrade module of one community: its upgrade strategies (Version, Device,
// Status, Upgrade Time, Created Time), searched by status and version, each with its
// devices' progress; new, edit while nothing has started, delete. Refresh reloads, as the
// manual says to after starting one.
import { Code } from "@connectrpc/connect";
import { useState } from "preact/hooks";
import { CommunityService, UpgradeService, UpgradeStatus, type UpgradeStrategy } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { navigate, useLocation } from "../../router";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { SelectField, TextField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { SortableTable } from "../../ui/SortableTable";
import { communityTimeStyle, formatDateTime, type TimeStyle } from "../../ui/format";
import { useEditor } from "../../ui/useEditor";
import { useLoad } from "../../ui/useLoad";
import { NotFound } from "../NotFound";
import { CommunityNav } from "../community/CommunityNav";
import { UpgradeDetails } from "./UpgradeDetails";
import { UpgradeDialog } from "./UpgradeDialog";
import { statusLabel, STATUS_FILTERS } from "./labels";
import { SearchForm } from "../../ui/SearchForm";

export function UpgradesPage(props: { id: string }) {
  const { query } = useLocation();
  const status = STATUS_FILTERS.find((s) => String(s) === query.get("status")) ?? UpgradeStatus.UNSPECIFIED;
  const version = query.get("version") ?? "";
  const [typed, setTyped] = useState(version);
  const [editing, setEditing] = useState<UpgradeStrategy | "new">();
  const [shown, setShown] = useState<bigint>();
  const communityId = BigInt(props.id);
  const community = useLoad(() => client(CommunityService).getCommunity({ id: communityId }), [props.id]);
  const list = useLoad(() => client(UpgradeService).listUpgrades({ communityId, status, version }), [props.id, status, version]);
  const editor = useEditor<object, UpgradeStrategy>({
    changed: list.reload,
    remove: async (u) => {
      await client(UpgradeService).deleteUpgrade({ id: u.id });
      return t("up.deleted", { version: u.version, model: u.model });
    },
  });
  if (community.error?.code === Code.NotFound) return <NotFound />;
  if (community.error) return <LoadProblem problem={community.error} retry={community.reload} />;
  if (!community.data) return <p aria-busy="true">{t("app.loading")}</p>;
  const time = communityTimeStyle(community.data);
  const go = (changes: { status?: UpgradeStatus; version?: string }) => {
    const next = { status, version, ...changes };
    const q = new URLSearchParams();
    if (next.status !== UpgradeStatus.UNSPECIFIED) q.set("status", String(next.status));
    if (next.version) q.set("version", next.version);
    navigate(`/communities/${props.id}/upgrades${q.toString() ? `?${q}` : ""}`);
  };

  return (
    <>
      <CommunityNav communityId={props.id} name={community.data.name} current="upgrades" />
      <div class="page-head">
        <h1>{t("up.title")}</h1>
        <div class="buttons start">
          <button type="button" onClick={list.reload} aria-busy={list.loading}>
            {t("up.refresh")}
          </button>
          <button type="button" class="primary" onClick={() => setEditing("new")}>
            {t("up.new")}
          </button>
        </div>
      </div>
      <SearchForm onSearch={() => go({ version: typed.trim() })}>
        <SelectField
          name="status"
          label={t("up.status")}
          value={String(status)}
          onChange={(v) => go({ status: Number(v) as UpgradeStatus })}
          options={STATUS_FILTERS.map((s) => ({ value: String(s), label: s === UpgradeStatus.UNSPECIFIED ? t("up.status.all") : statusLabel(s) }))}
        />
        <TextField name="version" type="search" label={t("up.col.version")} value={typed} onInput={setTyped} />
      </SearchForm>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && <StrategyTable upgrades={list.data.upgrades} time={time} show={setShown} edit={setEditing} remove={editor.askRemove} />}
      <UpgradeDialog
        community={community.data}
        editing={editing}
        onClose={(saved) => {
          setEditing(undefined);
          if (saved) list.reload();
        }}
      />
      <UpgradeDetails strategy={list.data?.upgrades.find((u) => u.id === shown)} time={time} onClose={() => setShown(undefined)} />
      <ConfirmDialog
        {...editor.confirm}
        message={editor.doomed ? t("up.deleteConfirm", { version: editor.doomed.version, model: editor.doomed.model }) : ""}
        confirmLabel={t("common.delete")}
      />
    </>
  );
}

function StrategyTable(props: {
  upgrades: UpgradeStrategy[];
  time: TimeStyle;
  show: (id: bigint) => void;
  edit: (u: UpgradeStrategy) => void;
  remove: (u: UpgradeStrategy) => void;
}) {
  const label = (u: UpgradeStrategy) => `${u.version} (${u.model})`;
  return (
    <SortableTable
      caption={t("up.title")}
      rows={props.upgrades}
      rowKey={(u) => String(u.id)}
      initialSort={{ key: "created", descending: true }}
      empty={t("up.empty")}
      columns={[
        { key: "version", label: t("up.col.version"), cell: (u) => u.version, sortValue: (u) => u.version },
        { key: "device", label: t("up.col.device"), cell: (u) => t("up.devices", { model: u.model, count: u.devices.length }) },
        {
          key: "status",
          label: t("up.col.status"),
          cell: (u) => (
            <span data-status={UpgradeStatus[u.status].toLowerCase()}>
              {statusLabel(u.status)}
              {u.haltedReason && <span class="help"> — {u.haltedReason}</span>}
            </span>
          ),
          sortValue: (u) => u.status,
        },
        { key: "at", label: t("up.col.time"), cell: (u) => formatDateTime(u.startAtMs, props.time), sortValue: (u) => Number(u.startAtMs) },
        { key: "created", label: t("up.col.created"), cell: (u) => formatDateTime(u.createdAtMs, props.time), sortValue: (u) => Number(u.createdAtMs) },
        {
          key: "actions",
          label: t("common.actions"),
          className: "actions",
          cell: (u) => (
            <>
              <button type="button" class="small" aria-label={t("up.detailsOne", { name: label(u) })} onClick={() => props.show(u.id)}>
                {t("common.details")}
              </button>
              {u.status === UpgradeStatus.PENDING && (
                <button type="button" class="small" aria-label={t("up.editOne", { name: label(u) })} onClick={() => props.edit(u)}>
                  {t("common.edit")}
                </button>
              )}
              <button type="button" class="small danger" aria-label={t("up.deleteOne", { name: label(u) })} onClick={() => props.remove(u)}>
                {t("common.delete")}
              </button>
            </>
          ),
        },
      ]}
    />
  );
}
