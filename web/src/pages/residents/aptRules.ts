// The APT number's rule, checked as the installer types (the server checks it again):
// 1 to 6 digits, '#' only between digit groups.
export function aptNumberProblem(value: string): string | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const bad = [...v].find((c) => !/[0-9#]/.test(c));
  if (bad) return `may contain only digits and '#' (found '${bad}')`;
  if (v.startsWith("#")) return "must not start with '#' (door phones in APT#+PIN mode could not tell it from a PIN)";
  if (v.endsWith("#") || v.includes("##")) return "'#' separates digit groups: it cannot end the number or be doubled";
  const digits = [...v].filter((c) => c >= "0" && c <= "9").length;
  if (digits > 6) return `must have 1 to 6 digits (got ${digits})`;
  return undefined;
}

/** "1, 2, 12" as floor numbers, or null when it is not a list of numbers. */
export function parseFloors(text: string): number[] | null {
  const parts = text.split(",").map((p) => p.trim()).filter(Boolean);
  if (parts.some((p) => !/^\d{1,3}$/.test(p))) return null;
  return parts.map(Number);
}
