// Every refused row of an uploaded file (template, MAC list), as the spreadsheet numbers
// it: row, column and the rule it broke. Nothing of such a file was written.
import type { RowError } from "../gen/porter/admin/v1/admin_pb";
import { t } from "../i18n";

export function RowErrors(props: { errors: RowError[] }) {
  const summary = t("template.refused", { count: props.errors.length });
  return (
    <div class="row-errors">
      <p class="notice error" role="alert">
        {summary}
      </p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{summary}</caption>
          <thead>
            <tr>
              <th scope="col">{t("template.col.row")}</th>
              <th scope="col">{t("template.col.column")}</th>
              <th scope="col">{t("template.col.rule")}</th>
            </tr>
          </thead>
          <tbody>
            {props.errors.map((e, i) => (
              <tr key={i}>
                <td>{e.row}</td>
                <td>{e.column}</td>
                <td>{e.rule}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
