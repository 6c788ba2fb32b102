// The email outbox: every message Porter queued for this installer's communities
// (expiration and renewal notices, account mail) and what became of it, newest first,
// older ones on request. The site operator sees every installer's.
import { MailService, type OutboxMessage } from "../gen/porter/admin/v1/admin_pb";
import { client } from "../api";
import { t, type MessageKey } from "../i18n";
import { LoadProblem } from "../ui/LoadProblem";
import { SortableTable } from "../ui/SortableTable";
import { accountTimeStyle, formatDateTime, type TimeStyle } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { useOlderPages } from "../ui/useOlderPages";

const PAGE = 100;

const KINDS: Record<string, MessageKey> = {
  renewal: "outbox.kind.renewal",
  invitation: "outbox.kind.invitation",
  "password-reset": "outbox.kind.passwordReset",
  "manager-account": "outbox.kind.managerAccount",
  "manager-password-reset": "outbox.kind.managerPasswordReset",
};

const STATES: Record<string, MessageKey> = {
  pending: "outbox.state.pending",
  sent: "outbox.state.sent",
  failed: "outbox.state.failed",
};

/** "expiration-5d" → "Expiration notice, day 5"; unknown kinds as they are. */
function kindLabel(kind: string): string {
  const day = /^expiration-(\d+)d$/.exec(kind);
  if (day) return t("outbox.kind.expiration", { days: day[1] });
  const key = KINDS[kind];
  return key ? t(key) : kind;
}

function stateCell(m: OutboxMessage, time: TimeStyle) {
  const key = STATES[m.state];
  const label = key ? t(key) : m.state;
  const details = [
    m.attempts > 0 ? t("outbox.tries", { count: String(m.attempts) }) : "",
    m.state === "pending" && Number(m.nextAttemptMs) > 0
      ? t("outbox.nextTry", { time: formatDateTime(m.nextAttemptMs, time) })
      : "",
    m.state !== "pending" && Number(m.settledMs) > 0 ? formatDateTime(m.settledMs, time) : "",
  ].filter(Boolean);
  return (
    <>
      <span class={`status mail-${m.state}`} data-state={m.state}>
        <span class="dot" aria-hidden="true" />
        {label}
      </span>
      {details.length > 0 && <div class="help">{details.join(" · ")}</div>}
      {m.error && <div class="help">{m.error}</div>}
    </>
  );
}

export function OutboxPage() {
  const time = accountTimeStyle();
  const first = useLoad(() => client(MailService).listOutbox({ limit: PAGE }), []);
  const pages = useOlderPages(
    first.data?.messages,
    PAGE,
    async (last) => (await client(MailService).listOutbox({ beforeId: last.id, limit: PAGE })).messages,
  );
  return (
    <>
      <h1>{t("outbox.title")}</h1>
      <p class="help">{t("outbox.intro")}</p>
      {first.error && <LoadProblem problem={first.error} retry={first.reload} />}
      {first.data && (
        <>
          <SortableTable
            caption={t("outbox.title")}
            rows={pages.rows}
            rowKey={(m) => String(m.id)}
            empty={t("outbox.empty")}
            columns={[
              { key: "queued", label: t("outbox.col.queued"), cell: (m) => formatDateTime(m.queuedMs, time) },
              { key: "kind", label: t("outbox.col.kind"), cell: (m) => kindLabel(m.kind) },
              {
                key: "to",
                label: t("outbox.col.to"),
                cell: (m) => (
                  <>
                    {m.toName}
                    <div class="help">{m.to}</div>
                  </>
                ),
              },
              { key: "language", label: t("outbox.col.language"), cell: (m) => m.language },
              { key: "state", label: t("outbox.col.state"), cell: (m) => stateCell(m, time) },
              { key: "apartments", label: t("outbox.col.apartments"), cell: (m) => m.apartments.join(", ") },
            ]}
          />
          {pages.problem && <LoadProblem problem={pages.problem} retry={pages.loadOlder} />}
          {pages.hasMore && (
            <div class="buttons start">
              <button type="button" onClick={pages.loadOlder} aria-busy={pages.busy} disabled={pages.busy}>
                {t("outbox.older")}
              </button>
            </div>
          )}
        </>
      )}
    </>
  );
}
