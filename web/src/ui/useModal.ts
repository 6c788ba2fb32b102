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

/**
 * The dialog's `cancel` handler (Escape): calls `close` instead of letting the browser
 * shut the dialog behind the page's back. A file input's own `cancel` (its picker closed,
 * or the same file chosen again) bubbles up to the dialog too, and must not close it.
 */
export function onDialogCancel(close: () => void) {
  return (e: Event) => {
    if (e.target !== e.currentTarget) return;
    e.preventDefault();
    close();
  };
}
