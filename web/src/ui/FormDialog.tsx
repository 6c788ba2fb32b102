// A small form in a modal <dialog> (the manual's "New Sub-account" window): the browser
// keeps focus inside it, Escape and Cancel close it, Submit saves.
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { onDialogCancel, useModal } from "./useModal";
import { t } from "../i18n";
import { FormErrors } from "./fields";

export function FormDialog(props: {
  open: boolean;
  title: string;
  busy?: boolean;
  error?: string;
  onSubmit: () => void;
  onClose: () => void;
  /** Room for a table (the upgrade's device list). */
  wide?: boolean;
  children: ComponentChildren;
}) {
  const titleId = useId();
  const dialog = useModal(props.open, (d) => d.querySelector<HTMLElement>("input:not([disabled]), select"));
  return (
    <dialog
      ref={dialog}
      class={props.wide ? "wide" : undefined}
      aria-labelledby={titleId}
      onCancel={onDialogCancel(props.onClose)}
    >
      <h2 id={titleId}>{props.title}</h2>
      <form
        noValidate
        aria-busy={props.busy}
        onSubmit={(e) => {
          e.preventDefault();
          props.onSubmit();
        }}
      >
        <FormErrors message={props.error} />
        {props.open && props.children}
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" class="primary" disabled={props.busy}>
            {props.busy ? t("common.saving") : t("common.save")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
