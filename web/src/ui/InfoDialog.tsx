// Something to read in a modal <dialog> (a record's details): its title, what to read,
// and Close; Escape closes it too.
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { t } from "../i18n";
import { onDialogCancel, useModal } from "./useModal";

export function InfoDialog(props: { open: boolean; title: string; wide?: boolean; onClose: () => void; children: ComponentChildren }) {
  const titleId = useId();
  const dialog = useModal(props.open, (d) => d.querySelector("button"));
  return (
    <dialog ref={dialog} class={props.wide ? "wide" : undefined} aria-labelledby={titleId} onCancel={onDialogCancel(props.onClose)}>
      <h2 id={titleId}>{props.title}</h2>
      {props.open && props.children}
      <div class="buttons">
        <button type="button" onClick={props.onClose}>
          {t("common.close")}
        </button>
      </div>
    </dialog>
  );
}
