// A question that must be answered before something is removed: a modal <dialog> (the
// browser keeps focus inside it and Escape cancels), focus on the safe choice first.
import type { ComponentChildren } from "preact";
import { useId, useRef } from "preact/hooks";
import { onDialogCancel, useModal } from "./useModal";
import { t } from "../i18n";

export function ConfirmDialog(props: {
  open: boolean;
  message: string;
  /** More to read before answering (what goes and what stays). */
  details?: ComponentChildren;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();
  const dialog = useModal(props.open, () => cancel.current);
  return (
    <dialog
      ref={dialog}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-message`}
      onCancel={onDialogCancel(props.onCancel)}
    >
      <h2 id={`${id}-title`}>{t("common.confirmTitle")}</h2>
      <p id={`${id}-message`}>{props.message}</p>
      {props.details}
      <div class="buttons">
        <button type="button" ref={cancel} onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
        <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
