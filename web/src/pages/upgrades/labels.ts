// Names of upgrade states, as the manual's Upgrade list shows them.
import { UpgradeStatus } from "../../gen/porter/admin/v1/admin_pb";
import { t } from "../../i18n";

/** The Status search's choices, "All" first. */
export const STATUS_FILTERS = [
  UpgradeStatus.UNSPECIFIED,
  UpgradeStatus.PENDING,
  UpgradeStatus.PROCESSING,
  UpgradeStatus.EXECUTED,
  UpgradeStatus.FAILED,
  UpgradeStatus.HALTED,
];

export function statusLabel(s: UpgradeStatus): string {
  switch (s) {
    case UpgradeStatus.PENDING:
      return t("up.status.pending");
    case UpgradeStatus.PROCESSING:
      return t("up.status.processing");
    case UpgradeStatus.EXECUTED:
      return t("up.status.executed");
    case UpgradeStatus.FAILED:
      return t("up.status.failed");
    case UpgradeStatus.HALTED:
      return t("up.status.halted");
    default:
      return t("common.none");
  }
}
