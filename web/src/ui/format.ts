// Dates and times as the community (or the installer's account) wants them: its time
// zone, 12 or 24 hours, and Y-M-D, M-D-Y or D-M-Y order.
import { currentLanguage, t } from "../i18n";
import { currentSession } from "../session";
import { DateFormat, TimeFormat } from "../gen/porter/admin/v1/admin_pb";

export type DateOrder = "ymd" | "mdy" | "dmy";

export interface TimeStyle {
  timeZone: string;
  hour12?: boolean;
  order?: DateOrder;
}

/** `ms` (Unix milliseconds) as a date and time in `style`. */
export function formatDateTime(ms: number | bigint, style: TimeStyle): string {
  const when = new Date(Number(ms));
  if (Number(ms) <= 0 || Number.isNaN(when.getTime())) return "-";
  const parts = new Intl.DateTimeFormat(currentLanguage().code, {
    timeZone: safeZone(style.timeZone),
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: style.hour12 ?? false,
    numberingSystem: "latn",
  }).formatToParts(when);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const [y, m, d] = [part("year"), part("month"), part("day")];
  const date = style.order === "mdy" ? `${m}-${d}-${y}` : style.order === "dmy" ? `${d}-${m}-${y}` : `${y}-${m}-${d}`;
  const period = part("dayPeriod");
  return `${date} ${part("hour")}:${part("minute")}${period ? ` ${period}` : ""}`;
}

function safeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return "UTC";
  }
}

/** Every IANA zone the browser knows, each labelled with its offset now: "(GMT+08:00) Asia/Shanghai". */
export function timeZoneOptions(): { value: string; label: string }[] {
  const zones = Intl.supportedValuesOf("timeZone");
  if (!zones.includes("UTC")) zones.unshift("UTC");
  const now = new Date();
  return zones.map((zone) => {
    const offset =
      new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" })
        .formatToParts(now)
        .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
    return { value: zone, label: `(${offset === "GMT" ? "GMT+00:00" : offset}) ${zone}` };
  });
}

/** How `community` wants its times shown. */
export function communityTimeStyle(community: { timeZone: string; timeFormat: number; dateFormat: number }): TimeStyle {
  return {
    timeZone: community.timeZone || "UTC",
    hour12: community.timeFormat === TimeFormat.HOURS_12,
    order: community.dateFormat === DateFormat.MDY ? "mdy" : community.dateFormat === DateFormat.DMY ? "dmy" : "ymd",
  };
}

/** How the logged-in account wants times outside a community: its Time Zone and formats. */
export function accountTimeStyle(): TimeStyle {
  const account = currentSession()?.account;
  return communityTimeStyle({ timeZone: account?.timeZone ?? "", timeFormat: account?.timeFormat ?? 0, dateFormat: account?.dateFormat ?? 0 });
}

/** The choices of a time format and a date format, as the community form names them. */
export const timeFormatOptions = () => [
  { value: String(TimeFormat.HOURS_24), label: t("community.timeFormat.24") },
  { value: String(TimeFormat.HOURS_12), label: t("community.timeFormat.12") },
];
export const dateFormatOptions = () => [
  { value: String(DateFormat.YMD), label: t("community.dateFormat.ymd") },
  { value: String(DateFormat.MDY), label: t("community.dateFormat.mdy") },
  { value: String(DateFormat.DMY), label: t("community.dateFormat.dmy") },
];

/** A size for people: bytes, KiB, MiB or GiB, in the page's language. */
export function formatBytes(bytes: number | bigint): string {
  const n = Number(bytes);
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let unit = 0;
  let value = n;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const number = new Intl.NumberFormat(currentLanguage().code, { maximumFractionDigits: unit === 0 ? 0 : 1, numberingSystem: "latn" }).format(value);
  return `${number} ${units[unit]}`;
}

/** A whole number with the language's digit grouping: 536,870,912. */
export function formatCount(n: number | bigint): string {
  return new Intl.NumberFormat(currentLanguage().code, { numberingSystem: "latn" }).format(n);
}

/** The zone's offset from UTC at `ms`, in milliseconds. */
function zoneOffsetMs(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: safeZone(zone),
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(ms));
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second")) - Math.floor(ms / 1000) * 1000;
}

/** The last second of `day` ("YYYY-MM-DD") in `zone`, as Unix milliseconds; NaN if no date. */
export function dayEndMs(day: string, zone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59);
  // Twice, so a day on which the zone's offset changes still lands on its wall time.
  const first = wall - zoneOffsetMs(wall, zone);
  return wall - zoneOffsetMs(first, zone);
}

/** `ms` as "YYYY-MM-DD" in `zone` (a date input's value). */
export function dayOf(ms: number, zone: string): string {
  const shifted = new Date(ms + zoneOffsetMs(ms, zone));
  return shifted.toISOString().slice(0, 10);
}

/** A `datetime-local` value ("YYYY-MM-DDTHH:MM") read as wall time in `zone`, as Unix
 * milliseconds; NaN if it is not one. */
export function wallTimeMs(local: string, zone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  const first = wall - zoneOffsetMs(wall, zone);
  return wall - zoneOffsetMs(first, zone);
}

/** `ms` as a `datetime-local` value ("YYYY-MM-DDTHH:MM") on the wall clocks of `zone`. */
export function wallTimeOf(ms: number, zone: string): string {
  return new Date(ms + zoneOffsetMs(ms, zone)).toISOString().slice(0, 16);
}
