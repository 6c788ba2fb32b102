// The audit log: who changed what and when in this installer's data (the manual keeps it
// through an apartment's reset), newest first, older entries on request. Each entry's
// record links to its page where there is one.
import { AuditService } from "../gen/porter/admin/v1/admin_pb";
import { client } from "../api";
import { t } from "../i18n";
import { Link } from "../router";
import { LoadProblem } from "../ui/LoadProblem";
import { SortableTable } from "../ui/SortableTable";
import { accountTimeStyle, formatDateTime } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { useOlderPages } from "../ui/useOlderPages";

const PAGE = 100;

/** Where a target such as "community/12" is shown, if it has a page of its own. */
function targetHref(target: string): string | undefined {
  const [kind, id] = target.split("/");
  if (!/^\d{1,19}$/.test(id ?? "")) return undefined;
  if (kind === "community") return `/communities/${id}/residents`;
  return undefined;
}

export function AuditPage() {
  const time = accountTimeStyle();
  const first = useLoad(() => client(AuditService).listAudit({ limit: PAGE }), []);
  const pages = useOlderPages(
    first.data?.entries,
    PAGE,
    async (last) => (await client(AuditService).listAudit({ beforeSeq: last.seq, limit: PAGE })).entries,
  );
  return (
    <>
      <h1>{t("audit.title")}</h1>
      <p class="help">{t("audit.intro")}</p>
      {first.error && <LoadProblem problem={first.error} retry={first.reload} />}
      {first.data && (
        <>
          <SortableTable
            caption={t("audit.title")}
            rows={pages.rows}
            rowKey={(e) => String(e.seq)}
            empty={t("audit.empty")}
            columns={[
              { key: "at", label: t("audit.col.time"), cell: (e) => formatDateTime(e.atMs, time) },
              { key: "who", label: t("audit.col.account"), cell: (e) => e.username },
              { key: "action", label: t("audit.col.action"), cell: (e) => <code>{e.action}</code> },
              {
                key: "target",
                label: t("audit.col.target"),
                cell: (e) => {
                  const href = targetHref(e.target);
                  return href ? <Link href={href}>{e.target}</Link> : e.target;
                },
              },
              { key: "detail", label: t("audit.col.detail"), cell: (e) => <code class="wrap">{e.detail}</code> },
            ]}
          />
          {pages.problem && <LoadProblem problem={pages.problem} retry={pages.loadOlder} />}
          {pages.hasMore && (
            <div class="buttons start">
              <button type="button" onClick={pages.loadOlder} aria-busy={pages.busy} disabled={pages.busy}>
                {t("audit.older")}
              </button>
            </div>
          )}
        </>
      )}
    </>
  );
}
