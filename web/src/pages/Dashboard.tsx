import { useState } from "preact/hooks";
import { CommunityService, type Community } from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { t } from "../i18n";
import { Link } from "../router";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { announce } from "../ui/Notice";
import { SortableTable, type Column } from "../ui/SortableTable";
import { accountTimeStyle, formatDateTime } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { isPropertyManager } from "../session";
import { LoadProblem } from "../ui/LoadProblem";
import { SubAccounts } from "./SubAccounts";
import { CommunityManagersDialog, PropertyManagers } from "./PropertyManagers";
import { TemplateDownload, TemplateImportDialog } from "./TemplateImport";

export function Dashboard() {
  // Bumped by any change that shows in both lists (property managers ⇄ communities).
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  const communities = useLoad(() => client(CommunityService).listCommunities({}), [version]);
  const [doomed, setDoomed] = useState<Community>();
  const [importing, setImporting] = useState<Community>();
  const [managing, setManaging] = useState<Community>();
  const [deleting, setDeleting] = useState(false);
  const time = accountTimeStyle();
  const manager = isPropertyManager();

  const remove = async () => {
    if (!doomed) return;
    setDeleting(true);
    try {
      await client(CommunityService).deleteCommunity({ id: doomed.id });
      announce(t("dashboard.deleted", { name: doomed.name }));
      changed();
    } catch (err) {
      announce(problem(err).message, "error");
    }
    setDeleting(false);
    setDoomed(undefined);
  };

  const columns: Column<Community>[] = [
    {
      key: "name",
      label: t("dashboard.col.name"),
      cell: (c) => (
        <Link href={`/communities/${c.id}/residents`} aria-label={t("rd.open", { name: c.name })}>
          {c.name}
        </Link>
      ),
      sortValue: (c) => c.name,
    },
    { key: "devices", label: t("dashboard.col.devices"), cell: (c) => c.deviceCount, sortValue: (c) => c.deviceCount },
    {
      key: "endUsers",
      label: t("dashboard.col.endUsers"),
      cell: (c) => c.endUserCount,
      sortValue: (c) => c.endUserCount,
    },
    {
      key: "pms",
      label: t("dashboard.col.propertyManagers"),
      cell: (c) => (c.propertyManagers.length ? c.propertyManagers.join(", ") : t("common.none")),
      sortValue: (c) => c.propertyManagers.join(", "),
    },
    {
      key: "created",
      label: t("dashboard.col.created"),
      cell: (c) => formatDateTime(c.createdAtMs, time),
      sortValue: (c) => Number(c.createdAtMs),
    },
  ];
  // The installer's actions; a property manager opens its communities only.
  const actions: Column<Community>[] = [
    {
      key: "actions",
      label: t("common.actions"),
      className: "actions",
      cell: (c) => (
        <>
          <Link href={`/communities/${c.id}/edit`} class="button small" aria-label={t("dashboard.editCommunity", { name: c.name })}>
            {t("common.edit")}
          </Link>
          <button type="button" class="small" aria-label={t("pm.assignOne", { name: c.name })} onClick={() => setManaging(c)}>
            {t("pm.assign")}
          </button>
          <button type="button" class="small" aria-label={t("template.importOne", { name: c.name })} onClick={() => setImporting(c)}>
            {t("template.import")}
          </button>
          <button
            type="button"
            class="small danger"
            aria-label={t("dashboard.deleteCommunity", { name: c.name })}
            onClick={() => setDoomed(c)}
          >
            {t("common.delete")}
          </button>
        </>
      ),
    },
  ];

  const list = communities.data?.communities ?? [];
  return (
    <>
      <div class="page-head">
        <h1>{t("dashboard.title")}</h1>
        {!manager && (
          <Link href="/communities/new" class="button primary">
            {t("dashboard.new")}
          </Link>
        )}
      </div>
      {communities.error && <LoadProblem problem={communities.error} retry={communities.reload} />}
      {communities.data && (
        <section aria-labelledby="communities-count">
          <h2 id="communities-count">{t("dashboard.count", { count: list.length })}</h2>
          <SortableTable
            caption={t("dashboard.title")}
            columns={manager ? columns : [...columns, ...actions]}
            rows={list}
            rowKey={(c) => String(c.id)}
            initialSort={{ key: "name" }}
            empty={t("dashboard.empty")}
          />
        </section>
      )}
      {communities.loading && !communities.data && <p aria-busy="true">{t("app.loading")}</p>}
      {!manager && (
        <>
          <TemplateDownload />
          <PropertyManagers changed={changed} version={version} />
          <SubAccounts />
        </>
      )}
      <TemplateImportDialog community={importing} onClose={(imported) => (setImporting(undefined), imported && changed())} />
      <CommunityManagersDialog community={managing} onClose={(saved) => (setManaging(undefined), saved && changed())} />
      <ConfirmDialog
        open={doomed !== undefined}
        message={doomed ? t("dashboard.deleteConfirm", { name: doomed.name }) : ""}
        confirmLabel={t("common.delete")}
        busy={deleting}
        onConfirm={remove}
        onCancel={() => setDoomed(undefined)}
      />
    </>
  );
}
