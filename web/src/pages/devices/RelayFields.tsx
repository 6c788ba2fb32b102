// A relay as the manual's device form has it: enabled, name, DTMF code and the unlock
// methods that trigger it.
import { UnlockMethod } from "../../gen/porter/admin/v1/admin_pb";
import { t, type MessageKey } from "../../i18n";
import { CheckField, TextField } from "../../ui/fields";

export interface RelayDraft {
  enabled: boolean;
  name: string;
  dtmfCode: string;
  methods: UnlockMethod[];
}

export const ALL_METHODS = [
  UnlockMethod.SMARTPLUS_HOMEPAGE,
  UnlockMethod.SMARTPLUS_TALKING_PAGE,
  UnlockMethod.PIN,
  UnlockMethod.FACE,
  UnlockMethod.RF_CARD,
  UnlockMethod.BLUETOOTH,
  UnlockMethod.NFC,
];

export function newRelay(n: number): RelayDraft {
  return { enabled: true, name: `Relay${n}`, dtmfCode: "#", methods: [...ALL_METHODS] };
}

export function RelayFields(props: {
  legend: string;
  prefix: string;
  relay: RelayDraft;
  onChange: (r: RelayDraft) => void;
  onRemove?: () => void;
  removeLabel?: string;
  error?: string;
}) {
  const r = props.relay;
  const set = (changes: Partial<RelayDraft>) => props.onChange({ ...r, ...changes });
  return (
    <fieldset class="group relay">
      <legend>{props.legend}</legend>
      <CheckField name={`${props.prefix}-enabled`} label={t("dev.relay.enabled")} checked={r.enabled} onChange={(enabled) => set({ enabled })} />
      <TextField name={`${props.prefix}-name`} label={t("dev.relay.name")} value={r.name} onInput={(name) => set({ name })} maxLength={64} error={props.error} />
      <TextField name={`${props.prefix}-dtmf`} label={t("dev.relay.dtmf")} help={t("dev.relay.dtmf.help")} value={r.dtmfCode} onInput={(dtmfCode) => set({ dtmfCode })} maxLength={4} />
      <fieldset class="field">
        <legend>{t("dev.relay.unlock")}</legend>
        <div class="choices">
          {ALL_METHODS.map((m) => (
            <CheckField
              key={m}
              name={`${props.prefix}-method-${m}`}
              label={t(`dev.method.${m}` as MessageKey)}
              checked={r.methods.includes(m)}
              onChange={(on) => set({ methods: on ? [...r.methods, m].sort() : r.methods.filter((x) => x !== m) })}
            />
          ))}
        </div>
        <p class="help">{t("dev.relay.unlock.help")}</p>
      </fieldset>
      {props.onRemove && (
        <button type="button" class="small danger" onClick={props.onRemove}>
          {props.removeLabel}
        </button>
      )}
    </fieldset>
  );
}
