// The four steps of an order, the current one marked (the manual's step bar).
import { t } from "../../i18n";

const STEPS = ["sub.step.types", "sub.step.details", "sub.step.payment", "sub.step.confirmation"] as const;

export function OrderSteps(props: { current: 1 | 2 | 3 | 4 }) {
  return (
    <ol class="steps" aria-label={t("sub.steps")}>
      {STEPS.map((key, i) => (
        <li key={key} aria-current={i + 1 === props.current ? "step" : undefined} class={i + 1 < props.current ? "done" : undefined}>
          {t(key)}
        </li>
      ))}
    </ol>
  );
}
