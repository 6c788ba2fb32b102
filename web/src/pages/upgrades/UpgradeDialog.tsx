// Upgrade Strategy Creation (and its edit while nothing has started): the model and the
// firmware version, the connected devices of that model to upgrade, right now or at a
// time in the community's zone, Reset After Upgrade, and how the rollout goes.
import { useEffect, useState } from "preact/hooks";
import {
  FirmwareService,
  UpgradeService,
  type Community,
  type Firmware,
  type UpgradeCandidate,
  type UpgradeStrategy,
} from "../../gen/porter/admin/v1/admin_pb";
import { client, placeProblem, problem } from "../../api";
import { t } from "../../i18n";
import { FormDialog } from "../../ui/FormDialog";
import { CheckField, RadioField, SelectField, TextField } from "../../ui/fields";
import { announce } from "../../ui/Notice";
import { SortableTable } from "../../ui/SortableTable";
import { StatusDot } from "../devices/StatusDot";

/** What the server uses for a rollout setting left empty (proto RolloutPolicy). */
export const POLICY_DEFAULTS = { canary: 0, maxConcurrent: 20, startSpreadSecs: 60, haltFailurePct: 20, deviceTimeoutSecs: 1800 };
type PolicyKey = keyof typeof POLICY_DEFAULTS;
const POLICY_KEYS = Object.keys(POLICY_DEFAULTS) as PolicyKey[];

interface Draft {
  model: string;
  firmwareId: string;
  deviceIds: Set<bigint>;
  when: "now" | "at";
  /** datetime-local's "YYYY-MM-DDTHH:MM". */
  at: string;
  reset: boolean;
  policy: Record<PolicyKey, string>;
}

type Errors = Partial<Record<"model" | "firmwareId" | "deviceIds" | "at" | PolicyKey, string>>;

const SERVER_FIELDS: Record<string, keyof Errors> = {
  model: "model",
  firmware_id: "firmwareId",
  device_ids: "deviceIds",
  at_local: "at",
  "policy.canary": "canary",
  "policy.max_concurrent": "maxConcurrent",
  "policy.start_spread_secs": "startSpreadSecs",
  "policy.halt_failure_pct": "haltFailurePct",
  "policy.device_timeout_secs": "deviceTimeoutSecs",
};

function draftOf(u?: UpgradeStrategy): Draft {
  const policy = Object.fromEntries(POLICY_KEYS.map((k) => [k, u?.policy?.[k] === undefined ? "" : String(u.policy[k])])) as Record<PolicyKey, string>;
  return {
    model: u?.model ?? "",
    firmwareId: u ? String(u.firmwareId) : "",
    deviceIds: new Set(u?.devices.map((d) => d.deviceId) ?? []),
    when: u?.atLocal ? "at" : "now",
    at: u?.atLocal ? u.atLocal.replace(" ", "T") : "",
    reset: u?.resetAfterUpgrade ?? false,
    policy,
  };
}

export function UpgradeDialog(props: { community: Community; editing?: UpgradeStrategy | "new"; onClose: (saved: boolean) => void }) {
  const strategy = props.editing === "new" ? undefined : props.editing;
  const [draft, setDraft] = useState<Draft>(draftOf());
  const [firmware, setFirmware] = useState<Firmware[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const open = props.editing !== undefined;

  useEffect(() => {
    if (!open) return;
    setDraft(draftOf(strategy));
    setErrors({});
    setFormError(undefined);
    client(FirmwareService)
      .listFirmware({})
      .then((answer) => setFirmware(answer.firmware))
      .catch((err) => setFormError(problem(err).message));
  }, [props.editing]);

  const models = [...new Set(firmware.flatMap((f) => f.models))].sort();
  const versions = firmware.filter((f) => f.models.includes(draft.model));
  const change = (changes: Partial<Draft>) => setDraft((d) => ({ ...d, ...changes }));

  const submit = async () => {
    setBusy(true);
    setErrors({});
    setFormError(undefined);
    const policy = Object.fromEntries(POLICY_KEYS.filter((k) => draft.policy[k].trim() !== "").map((k) => [k, Number(draft.policy[k])]));
    const upgrade = {
      communityId: props.community.id,
      firmwareId: draft.firmwareId ? BigInt(draft.firmwareId) : 0n,
      model: draft.model,
      deviceIds: [...draft.deviceIds],
      atLocal: draft.when === "at" ? draft.at.replace("T", " ") : "",
      resetAfterUpgrade: draft.reset,
      policy,
    };
    try {
      const saved = strategy
        ? await client(UpgradeService).updateUpgrade({ id: strategy.id, upgrade })
        : await client(UpgradeService).createUpgrade(upgrade);
      announce(t(strategy ? "up.saved" : "up.created", { version: saved.version, model: saved.model, count: saved.devices.length }));
      props.onClose(true);
    } catch (err) {
      const { field, message } = placeProblem(err, SERVER_FIELDS);
      if (field) setErrors({ [field]: message });
      else setFormError(message);
    }
    setBusy(false);
  };

  return (
    <FormDialog open={open} title={strategy ? t("up.edit") : t("up.create")} busy={busy} error={formError} onSubmit={submit} onClose={() => props.onClose(false)} wide>
      <SelectField
        name="model"
        required
        label={t("up.model")}
        help={models.length ? undefined : t("up.noFirmware")}
        value={draft.model}
        onChange={(model) => change({ model, firmwareId: "", deviceIds: new Set() })}
        options={[{ value: "", label: t("up.model.choose") }, ...models.map((m) => ({ value: m, label: m }))]}
        error={errors.model}
      />
      <SelectField
        name="firmware"
        required
        label={t("up.version")}
        value={draft.firmwareId}
        onChange={(firmwareId) => change({ firmwareId })}
        options={[{ value: "", label: t("up.version.choose") }, ...versions.map((f) => ({ value: String(f.id), label: f.version }))]}
        disabled={!draft.model}
        error={errors.firmwareId}
      />
      {draft.model && (
        <DevicePicker
          communityId={props.community.id}
          model={draft.model}
          chosen={draft.deviceIds}
          onChange={(deviceIds) => change({ deviceIds })}
          error={errors.deviceIds}
        />
      )}
      <RadioField
        name="when"
        label={t("up.time")}
        value={draft.when}
        onChange={(when) => change({ when })}
        options={[
          { value: "now", label: t("up.time.now") },
          { value: "at", label: t("up.time.specific") },
        ]}
      />
      {draft.when === "at" && (
        <TextField
          name="at"
          type="datetime-local"
          required
          label={t("up.time.local")}
          help={t("up.time.local.help", { zone: props.community.timeZone || "UTC" })}
          value={draft.at}
          onInput={(at) => change({ at })}
          error={errors.at}
        />
      )}
      <CheckField name="reset" label={t("up.reset")} help={t("up.reset.help")} checked={draft.reset} onChange={(reset) => change({ reset })} />
      <details class="rollout" open={POLICY_KEYS.some((k) => draft.policy[k] !== "" || errors[k] !== undefined)}>
        <summary>{t("up.rollout")}</summary>
        <p class="help">{t("up.rollout.help")}</p>
        {POLICY_KEYS.map((k) => (
          <TextField
            key={k}
            name={k}
            type="number"
            inputMode="numeric"
            label={t(`up.policy.${k}`)}
            help={t(`up.policy.${k}.help`, { value: POLICY_DEFAULTS[k] })}
            value={draft.policy[k]}
            onInput={(v) => change({ policy: { ...draft.policy, [k]: v } })}
            error={errors[k]}
          />
        ))}
      </details>
    </FormDialog>
  );
}

/** The connected devices of `model` in the community, searched and chosen by checkbox. */
function DevicePicker(props: { communityId: bigint; model: string; chosen: Set<bigint>; onChange: (ids: Set<bigint>) => void; error?: string }) {
  const [devices, setDevices] = useState<UpgradeCandidate[]>();
  const [loadError, setLoadError] = useState<string>();
  const [search, setSearch] = useState("");
  useEffect(() => {
    setDevices(undefined);
    setLoadError(undefined);
    client(UpgradeService)
      .listUpgradeCandidates({ communityId: props.communityId, model: props.model })
      .then((answer) => setDevices(answer.devices))
      .catch((err) => setLoadError(problem(err).message));
  }, [props.communityId, props.model]);
  const needle = search.trim().toLowerCase();
  const shown = (devices ?? []).filter((d) => !needle || [d.mac, d.owner, d.name].some((s) => s.toLowerCase().includes(needle)));
  const toggle = (id: bigint, on: boolean) => {
    const next = new Set(props.chosen);
    if (on) next.add(id);
    else next.delete(id);
    props.onChange(next);
  };
  return (
    <fieldset class={`field${props.error ? " invalid" : ""}`} aria-describedby="up-devices-help">
      <legend>
        {t("up.devices.label")} <span class="required">({t("common.required")})</span>
      </legend>
      <p class="help" id="up-devices-help">
        {t("up.devices.help")}
      </p>
      {props.error && (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      )}
      {loadError && <p class="field-error">{loadError}</p>}
      <TextField name="deviceSearch" type="search" label={t("up.devices.search")} value={search} onInput={setSearch} />
      <div class="device-pick">
        <SortableTable
          caption={t("up.devices.label")}
          rows={shown}
          rowKey={(d) => String(d.deviceId)}
          initialSort={{ key: "name" }}
          empty={devices ? t("up.devices.none", { model: props.model }) : t("app.loading")}
          columns={[
            {
              key: "pick",
              label: t("up.devices.pick"),
              cell: (d) => (
                <input
                  type="checkbox"
                  checked={props.chosen.has(d.deviceId)}
                  aria-label={t("up.devices.pickOne", { name: d.name, mac: d.mac })}
                  onChange={(e) => toggle(d.deviceId, (e.currentTarget as HTMLInputElement).checked)}
                />
              ),
            },
            { key: "name", label: t("up.col.deviceName"), cell: (d) => d.name, sortValue: (d) => d.name },
            { key: "owner", label: t("up.col.owner"), cell: (d) => d.owner || t("common.none"), sortValue: (d) => d.owner },
            { key: "mac", label: t("mac.col.mac"), cell: (d) => <code>{d.mac}</code>, sortValue: (d) => d.mac },
            { key: "version", label: t("up.col.current"), cell: (d) => d.firmwareVersion || t("common.none"), sortValue: (d) => d.firmwareVersion },
            { key: "status", label: t("up.col.status"), cell: (d) => <StatusDot online={d.online} />, sortValue: (d) => (d.online ? 1 : 0) },
          ]}
        />
      </div>
    </fieldset>
  );
}
