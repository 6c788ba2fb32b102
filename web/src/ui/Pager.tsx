// Paging of a list the server pages: previous/next, where we are, the total, lines per
// page (the manual's "Lines per page").
import { t } from "../i18n";

export const PAGE_SIZES = [10, 20, 50, 100];

export function Pager(props: { page: number; size: number; total: number; onChange: (page: number, size: number) => void }) {
  const pages = Math.max(1, Math.ceil(props.total / props.size));
  return (
    <nav class="pager" aria-label={t("page.label")}>
      <button type="button" class="small" disabled={props.page <= 1} onClick={() => props.onChange(props.page - 1, props.size)}>
        <span class="chevron" aria-hidden="true">‹</span>{" "}
        {t("page.previous")}
      </button>
      <span aria-live="polite">{t("page.of", { page: props.page, pages })}</span>
      <button type="button" class="small" disabled={props.page >= pages} onClick={() => props.onChange(props.page + 1, props.size)}>
        {t("page.next")}
        {" "}<span class="chevron" aria-hidden="true">›</span>
      </button>
      <span>{t("page.total", { count: props.total })}</span>
      <label>
        {t("page.size")}{" "}
        <select value={String(props.size)} onChange={(e) => props.onChange(1, Number((e.currentTarget as HTMLSelectElement).value))}>
          {PAGE_SIZES.map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}
