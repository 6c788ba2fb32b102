// One upgrade strategy in full: when and how it rolls out, and where each device is.
import type { UpgradeStrategy } from "../../gen/porter/admin/v1/admin_pb";
import { t } from "../../i18n";
import { SortableTable } from "../../ui/SortableTable";
import { formatDateTime, type TimeStyle } from "../../ui/format";
import { InfoDialog } from "../../ui/InfoDialog";
import { statusLabel } from "./labels";
import { POLICY_DEFAULTS } from "./UpgradeDialog";

export function UpgradeDetails(props: { strategy?: UpgradeStrategy; time: TimeStyle; onClose: () => void }) {
  const u = props.strategy;
  const policy = u?.policy;
  return (
    <InfoDialog open={u !== undefined} wide title={u ? t("up.detailsTitle", { version: u.version, model: u.model }) : ""} onClose={props.onClose}>
      {u && (
        <>
          <dl class="facts">
            <dt>{t("up.col.status")}</dt>
            <dd>
              {statusLabel(u.status)}
              {u.haltedReason && ` — ${u.haltedReason}`}
            </dd>
            <dt>{t("up.time")}</dt>
            <dd>{u.atLocal ? t("up.time.at", { at: formatDateTime(u.startAtMs, props.time) }) : t("up.time.now")}</dd>
            <dt>{t("up.reset")}</dt>
            <dd>{u.resetAfterUpgrade ? t("common.on") : t("common.off")}</dd>
            <dt>{t("up.rollout")}</dt>
            <dd>
              {t("up.rollout.summary", {
                canary: policy?.canary ?? POLICY_DEFAULTS.canary,
                concurrent: policy?.maxConcurrent ?? POLICY_DEFAULTS.maxConcurrent,
                spread: policy?.startSpreadSecs ?? POLICY_DEFAULTS.startSpreadSecs,
                halt: policy?.haltFailurePct ?? POLICY_DEFAULTS.haltFailurePct,
                timeout: policy?.deviceTimeoutSecs ?? POLICY_DEFAULTS.deviceTimeoutSecs,
              })}
            </dd>
          </dl>
          <SortableTable
            caption={t("up.deviceList")}
            rows={u.devices}
            rowKey={(d) => String(d.deviceId)}
            initialSort={{ key: "name" }}
            empty={t("up.noDevices")}
            columns={[
              { key: "name", label: t("up.col.deviceName"), cell: (d) => d.name, sortValue: (d) => d.name },
              { key: "mac", label: t("mac.col.mac"), cell: (d) => <code>{d.mac}</code>, sortValue: (d) => d.mac },
              { key: "status", label: t("up.col.status"), cell: (d) => statusLabel(d.status), sortValue: (d) => d.status },
              { key: "reason", label: t("up.col.reason"), cell: (d) => d.reason || t("common.none") },
              { key: "started", label: t("up.col.started"), cell: (d) => formatDateTime(d.startedAtMs, props.time), sortValue: (d) => Number(d.startedAtMs) },
              { key: "finished", label: t("up.col.finished"), cell: (d) => formatDateTime(d.finishedAtMs, props.time), sortValue: (d) => Number(d.finishedAtMs) },
            ]}
          />
        </>
      )}
    </InfoDialog>
  );
}
