// Names of credential methods, holders and key schedules, and the one-line summaries the
// lists show.
import {
  CredentialMethod,
  DoorArea,
  HolderKind,
  KeyFormat,
  KeyRepeat,
  type Credential,
} from "../../gen/porter/admin/v1/admin_pb";
import { currentLanguage, t } from "../../i18n";
import { formatDateTime, type TimeStyle } from "../../ui/format";

export function methodLabel(c: Pick<Credential, "method" | "keyFormat">): string {
  switch (c.method) {
    case CredentialMethod.PIN:
      return t("cred.method.pin");
    case CredentialMethod.RF_CARD:
      return t("cred.method.card");
    case CredentialMethod.FACE:
      return t("cred.method.face");
    case CredentialMethod.KEY:
      return c.keyFormat === KeyFormat.QR ? t("cred.method.qrKey") : t("cred.method.pinKey");
    default:
      return t("common.none");
  }
}

export function holderKindLabel(kind: HolderKind): string {
  switch (kind) {
    case HolderKind.RESIDENT:
      return t("cred.holder.resident");
    case HolderKind.FAMILY_MEMBER:
      return t("cred.holder.family");
    case HolderKind.VISITOR:
      return t("cred.holder.visitor");
    case HolderKind.DELIVERY:
      return t("cred.holder.delivery");
    default:
      return t("common.none");
  }
}

/** "Anna Berg (Visitor)". */
export function holderLabel(c: Credential): string {
  const kind = holderKindLabel(c.holder?.kind ?? HolderKind.UNSPECIFIED);
  return c.holder?.name ? `${c.holder.name} (${kind})` : kind;
}

export function doorsLabel(c: Credential): string {
  switch (c.doors?.area) {
    case DoorArea.PUBLIC:
      return t("cred.doors.public");
    case DoorArea.CHOSEN:
      return c.doors.chosen
        .map((d) => (d.relays.length ? `${d.deviceName} (${t("cred.relays", { relays: d.relays.join(", ") })})` : d.deviceName))
        .join(", ");
    default:
      return t("cred.doors.all");
  }
}

/** When a key works and how often it was used: "2026-12-03 09:00 – 2026-12-04 09:00, daily 08:00–18:00, 1 of 5 uses". */
export function validityLabel(c: Credential, time: TimeStyle): string {
  const v = c.validity;
  if (c.method !== CredentialMethod.KEY || !v) return t("cred.always");
  const parts = [`${formatDateTime(v.fromMs, time)} – ${formatDateTime(v.untilMs, time)}`];
  const hours = `${clock(v.dayStartMinute)}–${clock(v.dayEndMinute)}`;
  if (v.repeat === KeyRepeat.DAILY) parts.push(t("cred.repeat.dailyAt", { hours }));
  if (v.repeat === KeyRepeat.WEEKLY) parts.push(t("cred.repeat.weeklyAt", { days: chosenDays(v.weekdays), hours }));
  parts.push(v.maxUses ? t("cred.usesOf", { uses: c.uses, max: v.maxUses }) : t("cred.usesUnlimited", { count: c.uses }));
  return parts.join(", ");
}

/** Minutes after midnight as "HH:MM". */
export function clock(minutes: number): string {
  const h = Math.floor(minutes / 60) % 24;
  return `${String(h).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** "HH:MM" as minutes after midnight; NaN if it is not a time. */
export function minutesOf(text: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  return m && Number(m[1]) < 24 && Number(m[2]) < 60 ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

/** The short names of the weekdays in the portal's language, Monday first as the proto's
 * bits are (2024-01-01 was a Monday). */
export function weekdayNames(): string[] {
  const format = new Intl.DateTimeFormat(currentLanguage().code, { weekday: "short", timeZone: "UTC" });
  return Array.from({ length: 7 }, (_, i) => format.format(Date.UTC(2024, 0, 1 + i)));
}

function chosenDays(bits: number): string {
  return weekdayNames()
    .filter((_, i) => bits & (1 << i))
    .join(", ");
}
