// A list's search fields and their Search button; submitting (Enter too) calls `onSearch`.
import type { ComponentChildren } from "preact";
import { t } from "../i18n";

export function SearchForm(props: { onSearch: () => void; children: ComponentChildren }) {
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSearch();
      }}
    >
      {props.children}
      <button type="submit">{t("rd.filter.apply")}</button>
    </form>
  );
}
