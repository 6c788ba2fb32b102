import { t, type MessageKey } from "../../i18n";

export const DEVICE_TYPES = [0, 1, 2, 3, 50] as const;

export function deviceTypeLabel(code: number): string {
  return (DEVICE_TYPES as readonly number[]).includes(code) ? t(`dev.type.${code}` as MessageKey) : String(code);
}

/** Door phones: multi-tenant and single-tenant. */
export const isDoorPhone = (code: number) => code === 0 || code === 1;
export const isIndoorMonitor = (code: number) => code === 2;
