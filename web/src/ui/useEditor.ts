// The state behind a list's "New / Edit" form dialog and its "Delete" confirmation, kept
// in one place so every list behaves alike: the draft being edited, the server's refusal
// shown under the field it names (porter-field) or above the form, the busy flag that
// stops a second submit, and the announcement of what happened.
import { useState } from "preact/hooks";
import { placeProblem, problem } from "../api";
import { announce } from "./Notice";

export type FieldErrors<D> = Partial<Record<keyof D, string>>;

export interface EditorOptions<D, R> {
  /** The server's field names (snake_case, as in porter-field) mapped to the draft's keys. */
  fields?: Record<string, keyof D>;
  /** Saves the draft and says what was done, for the announcement; absent when the list edits nothing. */
  save?: (draft: D) => Promise<string>;
  /** Removes a row and says what was done; absent when the list removes nothing. */
  remove?: (row: R) => Promise<string>;
  /** Called after every successful save, removal or action (reload the list). */
  changed: () => void;
}

export function useEditor<D extends object, R = never>(options: EditorOptions<D, R>) {
  const [draft, setDraft] = useState<D>();
  const [errors, setErrors] = useState<FieldErrors<D>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [doomed, setDoomed] = useState<R>();

  const clearErrors = () => {
    setErrors({});
    setFormError(undefined);
  };
  const open = (d: D) => {
    clearErrors();
    setDraft(d);
  };
  const close = () => setDraft(undefined);
  const set =
    <K extends keyof D>(key: K) =>
    (value: D[K]) =>
      setDraft((d) => d && { ...d, [key]: value });

  const save = async () => {
    if (!draft || busy || !options.save) return;
    setBusy(true);
    clearErrors();
    try {
      announce(await options.save(draft));
      setDraft(undefined);
      options.changed();
    } catch (err) {
      const { field, message } = placeProblem(err, options.fields);
      if (field) setErrors({ [field]: message } as FieldErrors<D>);
      else setFormError(message);
    }
    setBusy(false);
  };

  /** Runs a one-off action (a reset, a removal) and announces its outcome either way. */
  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      announce(await work());
      options.changed();
    } catch (err) {
      announce(problem(err).message, "error");
    }
    setBusy(false);
  };
  const remove = async () => {
    const row = doomed;
    if (row === undefined || !options.remove) return;
    await act(() => options.remove!(row));
    setDoomed(undefined);
  };

  return {
    draft,
    open,
    close,
    set,
    errors,
    busy,
    act,
    doomed,
    askRemove: (row: R) => setDoomed(() => row),
    /** Props for the FormDialog that edits the draft. */
    dialog: { open: draft !== undefined, busy, error: formError, onSubmit: save, onClose: close },
    /** Props for the ConfirmDialog that asks before removing `doomed`. */
    confirm: { open: doomed !== undefined, busy, onConfirm: remove, onCancel: () => setDoomed(undefined) },
  };
}
