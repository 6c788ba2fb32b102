// A table whose column headers sort it: a button in each sortable header, aria-sort on the
// sorted one, natural order for text ("Building 2" before "Building 10").
import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";
import { currentLanguage, t } from "../i18n";

export interface Sort {
  key: string;
  descending?: boolean;
}

export interface Column<Row> {
  key: string;
  label: string;
  cell: (row: Row) => ComponentChildren;
  /** The value it sorts by; a column without one does not sort (with `serverSort`, any
   *  value marks the column as one the server sorts by). */
  sortValue?: (row: Row) => string | number;
  /** A header people see but screen readers also need (e.g. the actions column). */
  className?: string;
}

export function SortableTable<Row>(props: {
  caption: string;
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row) => string;
  initialSort?: { key: string; descending?: boolean };
  /** Sorted by the server: the order shown, and what a header click asks for instead. */
  serverSort?: { sort?: Sort; onSort: (sort: Sort) => void };
  empty?: ComponentChildren;
}) {
  const [localSort, setLocalSort] = useState(props.initialSort);
  const sort = props.serverSort ? props.serverSort.sort : localSort;
  const setSort = props.serverSort ? props.serverSort.onSort : setLocalSort;
  const sorted = useMemo(() => {
    if (props.serverSort) return props.rows;
    const column = props.columns.find((c) => c.key === sort?.key);
    if (!column?.sortValue) return props.rows;
    const collator = new Intl.Collator(currentLanguage().code, { numeric: true, sensitivity: "base" });
    const value = column.sortValue;
    const rows = [...props.rows].sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      return typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    });
    return sort?.descending ? rows.reverse() : rows;
  }, [props.rows, props.columns, sort]);

  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active ? (sort?.descending ? "descending" : "ascending") : undefined;
              return (
                <th key={c.key} scope="col" class={c.className} aria-sort={ariaSort}>
                  {c.sortValue ? (
                    <button
                      type="button"
                      class="sort"
                      aria-label={`${t("common.sortBy", { column: c.label })}${
                        active ? `, ${sort?.descending ? t("common.sortedDesc") : t("common.sortedAsc")}` : ""
                      }`}
                      onClick={() => setSort({ key: c.key, descending: active ? !sort?.descending : false })}
                    >
                      {c.label}
                      <span aria-hidden="true" class="sort-mark">
                        {active ? (sort?.descending ? "▼" : "▲") : "↕"}
                      </span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 ? (
            <tr>
              <td colSpan={props.columns.length} class="empty">
                {props.empty}
              </td>
            </tr>
          ) : (
            sorted.map((row) => (
              <tr key={props.rowKey(row)}>
                {props.columns.map((c) => (
                  <td key={c.key} class={c.className}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
