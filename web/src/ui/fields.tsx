// Form controls: each has a visible label tied to it, its help and its error announced
// with it (aria-describedby), and the error set from the server's field name.
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { t } from "../i18n";

interface Common {
  label: string;
  help?: string;
  error?: string;
  required?: boolean;
  disabled?: boolean;
  /** Why the control cannot be changed, shown under it when disabled. */
  lockedReason?: string;
  name: string;
}

function Described(props: { id: string; help?: string; error?: string; locked?: string }) {
  return (
    <>
      {props.help && <p class="help" id={`${props.id}-help`}>{props.help}</p>}
      {props.locked && <p class="help locked" id={`${props.id}-locked`}>{props.locked}</p>}
      {props.error && (
        <p class="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </p>
      )}
    </>
  );
}

function describedBy(id: string, p: Common): string | undefined {
  const ids = [
    p.help && `${id}-help`,
    p.disabled && p.lockedReason && `${id}-locked`,
    p.error && `${id}-error`,
  ].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function Label(props: { for: string; label: string; required?: boolean }) {
  return (
    <label for={props.for}>
      {props.label}
      {props.required && <span class="required"> ({t("common.required")})</span>}
    </label>
  );
}

export function TextField(
  p: Common & {
    value: string;
    onInput: (v: string) => void;
    type?: "text" | "password" | "email" | "tel" | "number" | "search" | "datetime-local" | "date" | "time";
    autocomplete?: string;
    /** A number, or a date input's "YYYY-MM-DD". */
    min?: number | string;
    max?: number | string;
    maxLength?: number;
    inputMode?: "numeric" | "text";
  },
) {
  const id = useId();
  return (
    <div class={`field${p.error ? " invalid" : ""}`}>
      <Label for={id} label={p.label} required={p.required} />
      <input
        id={id}
        name={p.name}
        type={p.type ?? "text"}
        value={p.value}
        required={p.required}
        disabled={p.disabled}
        autocomplete={p.autocomplete}
        min={p.min}
        max={p.max}
        maxLength={p.maxLength}
        inputMode={p.inputMode}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy(id, p)}
        onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      <Described id={id} help={p.help} error={p.error} locked={p.disabled ? p.lockedReason : undefined} />
    </div>
  );
}

export function SelectField(
  p: Common & { value: string; onChange: (v: string) => void; options: { value: string; label: string }[] },
) {
  const id = useId();
  return (
    <div class={`field${p.error ? " invalid" : ""}`}>
      <Label for={id} label={p.label} required={p.required} />
      <select
        id={id}
        name={p.name}
        value={p.value}
        required={p.required}
        disabled={p.disabled}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy(id, p)}
        onChange={(e) => p.onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Described id={id} help={p.help} error={p.error} locked={p.disabled ? p.lockedReason : undefined} />
    </div>
  );
}

/** A choice among a few, as the manual's radio buttons (On/Off switches included). */
export function RadioField<V extends string>(
  p: Common & { value: V; onChange: (v: V) => void; options: { value: V; label: string }[] },
) {
  const id = useId();
  return (
    <fieldset
      class={`field radios${p.error ? " invalid" : ""}`}
      disabled={p.disabled}
      aria-describedby={describedBy(id, p)}
    >
      <legend>
        {p.label}
        {p.required && <span class="required"> ({t("common.required")})</span>}
      </legend>
      <div class="choices">
        {p.options.map((o) => (
          <label key={o.value} class="choice">
            <input
              type="radio"
              name={p.name}
              value={o.value}
              checked={p.value === o.value}
              onChange={() => p.onChange(o.value)}
            />
            {o.label}
          </label>
        ))}
      </div>
      <Described id={id} help={p.help} error={p.error} locked={p.disabled ? p.lockedReason : undefined} />
    </fieldset>
  );
}

export function OnOffField(p: Common & { value: boolean; onChange: (v: boolean) => void }) {
  return (
    <RadioField
      {...p}
      value={p.value ? "on" : "off"}
      onChange={(v) => p.onChange(v === "on")}
      options={[
        { value: "on", label: t("common.on") },
        { value: "off", label: t("common.off") },
      ]}
    />
  );
}

export function FormErrors(props: { message?: string; children?: ComponentChildren }) {
  if (!props.message) return null;
  return (
    <div class="notice error" role="alert">
      {props.message}
      {props.children}
    </div>
  );
}

/** One yes/no setting as a checkbox, its label beside it. */
export function CheckField(p: { name: string; label: string; help?: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean }) {
  const id = useId();
  return (
    <div class="field check">
      <label class="choice" for={id}>
        <input
          id={id}
          type="checkbox"
          name={p.name}
          checked={p.checked}
          disabled={p.disabled}
          aria-describedby={p.help ? `${id}-help` : undefined}
          onChange={(e) => p.onChange((e.currentTarget as HTMLInputElement).checked)}
        />
        {p.label}
      </label>
      {p.help && (
        <p class="help" id={`${id}-help`}>
          {p.help}
        </p>
      )}
    </div>
  );
}

/** Several lines of text (AutoP commands), its label above it. */
export function TextAreaField(p: Common & { value: string; onInput: (v: string) => void; rows?: number }) {
  const id = useId();
  return (
    <div class={`field${p.error ? " invalid" : ""}`}>
      <Label for={id} label={p.label} required={p.required} />
      <textarea
        id={id}
        name={p.name}
        rows={p.rows ?? 6}
        value={p.value}
        disabled={p.disabled}
        spellcheck={false}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy(id, p)}
        onInput={(e) => p.onInput((e.currentTarget as HTMLTextAreaElement).value)}
      />
      <Described id={id} help={p.help} error={p.error} locked={p.disabled ? p.lockedReason : undefined} />
    </div>
  );
}

/** A file to send; `onChange` gets the chosen file (undefined when the choice is cleared). */
export function FileField(p: Common & { accept?: string; onChange: (file: File | undefined) => void }) {
  const id = useId();
  return (
    <div class={`field${p.error ? " invalid" : ""}`}>
      <Label for={id} label={p.label} required={p.required} />
      <input
        id={id}
        name={p.name}
        type="file"
        accept={p.accept}
        required={p.required}
        disabled={p.disabled}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy(id, p)}
        onChange={(e) => p.onChange((e.currentTarget as HTMLInputElement).files?.[0])}
      />
      <Described id={id} help={p.help} error={p.error} locked={p.disabled ? p.lockedReason : undefined} />
    </div>
  );
}

/** What a spreadsheet upload accepts: CSV or XLSX, by extension and by type. */
export const SPREADSHEETS = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
