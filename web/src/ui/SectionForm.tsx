// One titled form of a settings page with its own Submit: busy while it saves, the
// server's message on the field it names (or above the form), a note when saved.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { placeProblem } from "../api";
import { t } from "../i18n";
import { FormErrors } from "./fields";

export type FieldErrors = Record<string, string | undefined>;

export function SectionForm(props: {
  id: string;
  title: string;
  /** Saves; resolves to the note to show (null: not sent, the form showed why), or
   *  rejects with the server's error. */
  save: () => Promise<string | null>;
  /** The server's field names → the form's, for errors. */
  fields?: Record<string, string>;
  onErrors: (errors: FieldErrors) => void;
  children: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setNote(undefined);
    props.onErrors({});
    try {
      setNote((await props.save()) ?? undefined);
    } catch (err) {
      const { field, message } = placeProblem(err, props.fields);
      if (field) props.onErrors({ [field]: message });
      else setError(message);
    }
    setBusy(false);
  };
  return (
    <section class="panel" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <form onSubmit={submit} noValidate aria-busy={busy}>
        <FormErrors message={error} />
        {props.children}
        <div class="buttons">
          {note && (
            <span class="saved" role="status">
              {note}
            </span>
          )}
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("common.saving") : t("common.save")}
          </button>
        </div>
      </form>
    </section>
  );
}
