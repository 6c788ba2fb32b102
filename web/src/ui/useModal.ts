// A <dialog> shown modally while `open` (the browser keeps focus inside and Escape asks to
// cancel), with focus on what `focus` picks when it opens.
import { useEffect, useRef } from "preact/hooks";

export function useModal(open: boolean, focus: (dialog: HTMLDialogElement) => HTMLElement | null | undefined) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      focus(d)?.focus();
    } else if (!open && d.open) {
      d.close();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);
  return dialog;
}
