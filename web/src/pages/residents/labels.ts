// Names of the apartment and resident states, as the manual shows them.
import { ActiveStatus, AppStatus } from "../../gen/porter/admin/v1/admin_pb";
import { t } from "../../i18n";

export function activeLabel(a: ActiveStatus): string {
  switch (a) {
    case ActiveStatus.NORMAL:
      return t("rd.active.normal");
    case ActiveStatus.EXPIRED:
      return t("rd.active.expired");
    case ActiveStatus.INACTIVATED:
      return t("rd.active.inactivated");
    default:
      return t("common.none");
  }
}

export function appStatusLabel(a: AppStatus): string {
  switch (a) {
    case AppStatus.REGISTERED:
      return t("rd.appStatus.registered");
    case AppStatus.UNREGISTERED:
      return t("rd.appStatus.unregistered");
    default:
      return t("common.none");
  }
}

/** "101 (Floor 1)" as the manual's lists show an apartment. */
export function aptLabel(apt: string, floor: number): string {
  return floor ? t("rd.aptFloor", { apt, floor }) : apt;
}
