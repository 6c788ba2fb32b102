import type { Problem } from "../api";
import { t } from "../i18n";

/** What a page could not load, with a way to try again. */
export function LoadProblem(props: { problem: Problem; retry: () => void }) {
  return (
    <div class="notice error" role="alert">
      {props.problem.message}{" "}
      <button type="button" class="small" onClick={props.retry}>
        {t("common.retry")}
      </button>
    </div>
  );
}
