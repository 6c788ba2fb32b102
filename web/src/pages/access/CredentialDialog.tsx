// Issuing an access credential: a resident's or family member's PIN, RF card or face, or a
// visitor's or delivery's key (PIN or QR code) with its window, schedule, uses, floors and
// doors. The server checks every rule; the form only leaves out what cannot apply (a key
// for a resident, a face under "Only Public Area").
import { ConnectError, Code } from "@connectrpc/connect";
import { useEffect, useState } from "preact/hooks";
import {
  AccessControlPermission,
  CredentialMethod,
  CredentialService,
  DeviceService,
  DoorArea,
  HolderKind,
  KeyFormat,
  KeyRepeat,
  type Apartment,
  type Community,
  type Credential,
} from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { isPropertyManager } from "../../session";
import { FormDialog } from "../../ui/FormDialog";
import { CheckField, SelectField, TextField } from "../../ui/fields";
import { wallTimeMs, wallTimeOf } from "../../ui/format";
import { useEditor } from "../../ui/useEditor";
import { useLoad } from "../../ui/useLoad";
import { parseFloors } from "../residents/aptRules";
import { minutesOf, weekdayNames } from "./labels";

interface Draft {
  /** "resident", "family:<id>", "visitor" or "delivery". */
  holder: string;
  name: string;
  method: string;
  value: string;
  photo?: Uint8Array;
  keyFormat: string;
  from: string;
  until: string;
  repeat: string;
  weekdays: number;
  dayStart: string;
  dayEnd: string;
  maxUses: string;
  floors: string;
  area: string;
  chosen: bigint[];
}

const SERVER_FIELDS: Record<string, keyof Draft> = {
  holder: "holder",
  "holder.name": "name",
  method: "method",
  value: "value",
  face: "photo",
  face_photo: "photo",
  key_format: "keyFormat",
  validity: "until",
  "validity.from": "from",
  "validity.until": "until",
  "validity.repeat": "repeat",
  "validity.days": "weekdays",
  "validity.day_start": "dayStart",
  "validity.day_end": "dayEnd",
  "validity.max_uses": "maxUses",
  floors: "floors",
  doors: "area",
};

const DAY_MS = 86_400_000;
/** The size the server accepts, checked here too so a large photo is not sent for nothing. */
const MAX_PHOTO = 2 * 1024 * 1024;

function isKeyHolder(holder: string): boolean {
  return holder === "visitor" || holder === "delivery";
}

function emptyDraft(apartment: Apartment | undefined, zone: string): Draft {
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  return {
    holder: apartment?.resident ? "resident" : "visitor",
    name: "",
    method: String(apartment?.resident ? CredentialMethod.PIN : CredentialMethod.KEY),
    value: "",
    keyFormat: String(KeyFormat.QR),
    from: wallTimeOf(now, zone),
    until: wallTimeOf(now + DAY_MS, zone),
    repeat: String(KeyRepeat.NEVER),
    weekdays: 0b0011111,
    dayStart: "08:00",
    dayEnd: "18:00",
    maxUses: "",
    floors: "",
    area: String(DoorArea.ALL),
    chosen: [],
  };
}

/** A problem the form finds before asking the server, placed under its field as the
 * server's own refusals are. */
function invalid(field: string, message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument, { "porter-field": field });
}

/** The request the draft asks for; throws naming the field it cannot be read from. */
function request(draft: Draft, community: Community, apartment: Apartment | undefined) {
  const keyHolder = isKeyHolder(draft.holder);
  const method = keyHolder ? CredentialMethod.KEY : Number(draft.method);
  const family = draft.holder.startsWith("family:") ? BigInt(draft.holder.slice(7)) : 0n;
  const kind = keyHolder
    ? draft.holder === "visitor"
      ? HolderKind.VISITOR
      : HolderKind.DELIVERY
    : family
      ? HolderKind.FAMILY_MEMBER
      : HolderKind.RESIDENT;
  const floors = parseFloors(draft.floors);
  if (keyHolder && floors === null) throw invalid("floors", t("cred.floors.invalid"));
  let validity;
  if (method === CredentialMethod.KEY) {
    const fromMs = wallTimeMs(draft.from, community.timeZone);
    const untilMs = wallTimeMs(draft.until, community.timeZone);
    if (Number.isNaN(fromMs)) throw invalid("validity.from", t("cred.when.invalid"));
    if (Number.isNaN(untilMs)) throw invalid("validity.until", t("cred.when.invalid"));
    const repeat = Number(draft.repeat) as KeyRepeat;
    const dayStart = minutesOf(draft.dayStart);
    const dayEnd = minutesOf(draft.dayEnd);
    if (repeat !== KeyRepeat.NEVER && Number.isNaN(dayStart)) throw invalid("validity.day_start", t("cred.when.invalid"));
    if (repeat !== KeyRepeat.NEVER && Number.isNaN(dayEnd)) throw invalid("validity.day_end", t("cred.when.invalid"));
    const maxUses = draft.maxUses.trim() === "" ? 0 : Number(draft.maxUses);
    if (!Number.isInteger(maxUses) || maxUses < 0) throw invalid("validity.max_uses", t("cred.uses.invalid"));
    validity = {
      fromMs: BigInt(fromMs),
      untilMs: BigInt(untilMs),
      repeat,
      weekdays: repeat === KeyRepeat.WEEKLY ? draft.weekdays : 0,
      dayStartMinute: repeat === KeyRepeat.NEVER ? 0 : dayStart,
      dayEndMinute: repeat === KeyRepeat.NEVER ? 0 : dayEnd,
      maxUses,
    };
  }
  const area = Number(draft.area) as DoorArea;
  return {
      communityId: community.id,
      apartmentId: apartment?.id ?? 0n,
      holder: { kind, familyMemberId: family, name: keyHolder ? draft.name : "" },
      method,
      value: method === CredentialMethod.PIN || method === CredentialMethod.RF_CARD ? draft.value.trim() : "",
      facePhoto: method === CredentialMethod.FACE ? draft.photo : undefined,
      keyFormat: method === CredentialMethod.KEY ? (Number(draft.keyFormat) as KeyFormat) : KeyFormat.UNSPECIFIED,
      validity,
      floors: keyHolder ? (floors ?? []) : [],
      doors: { area, chosen: area === DoorArea.CHOSEN ? draft.chosen.map((deviceId) => ({ deviceId, relays: [] })) : [] },
  };
}

export function CredentialDialog(props: {
  community: Community;
  apartment?: Apartment;
  onClose: () => void;
  onCreated: (c: Credential) => void;
}) {
  const { community, apartment } = props;
  const editor = useEditor<Draft, never>({
    fields: SERVER_FIELDS,
    changed: () => {},
    save: async (draft) => {
      const created = await client(CredentialService).createCredential(request(draft, community, apartment));
      props.onCreated(created);
      props.onClose();
      return t("cred.created", { what: created.holder?.name ?? "" });
    },
  });
  useEffect(() => editor.open(emptyDraft(apartment, community.timeZone)), []);
  const { draft, set, errors } = editor;
  const publicOnly = isPropertyManager() && community.accessControl === AccessControlPermission.PUBLIC_ONLY;
  const doors = useLoad(async () => {
    if (!draft || Number(draft.area) !== DoorArea.CHOSEN) return [];
    const scopes = [{ publicOnly: true }, ...(apartment ? [{ buildingId: apartment.buildingId }, { apartmentId: apartment.id }] : [])];
    const lists = await Promise.all(
      scopes.map((s) => client(DeviceService).listDevices({ communityId: community.id, ...s, page: { page: 1, pageSize: 100 } })),
    );
    return lists.flatMap((l) => l.devices).filter((d) => d.relays.length > 0 && (!publicOnly || d.buildingId === 0n));
  }, [draft?.area]);

  const holders = [
    ...(apartment?.resident
      ? [{ value: "resident", label: `${apartment.resident.firstName} ${apartment.resident.lastName} (${t("cred.holder.resident")})` }]
      : []),
    ...(apartment?.familyMembers ?? []).map((m) => ({ value: `family:${m.id}`, label: `${m.firstName} ${m.lastName} (${t("cred.holder.family")})` })),
    { value: "visitor", label: t("cred.holder.visitor") },
    { value: "delivery", label: t("cred.holder.delivery") },
  ];
  const methods = [
    { value: String(CredentialMethod.PIN), label: t("cred.method.pin") },
    { value: String(CredentialMethod.RF_CARD), label: t("cred.method.card") },
    ...(publicOnly ? [] : [{ value: String(CredentialMethod.FACE), label: t("cred.method.face") }]),
  ];
  const areas = [
    ...(publicOnly ? [] : [{ value: String(DoorArea.ALL), label: t("cred.doors.all") }]),
    { value: String(DoorArea.PUBLIC), label: t("cred.doors.public") },
    { value: String(DoorArea.CHOSEN), label: t("cred.doors.chosen") },
  ];
  return (
    <FormDialog {...editor.dialog} onClose={props.onClose} title={apartment ? t("cred.new.apt", { apt: apartment.aptNumber }) : t("cred.new.community")}>
      {draft && (
        <>
          <SelectField name="holder" required label={t("cred.holder")} value={draft.holder} onChange={set("holder")} options={holders} error={errors.holder} />
          {isKeyHolder(draft.holder) ? (
            <KeyFields draft={draft} set={set} errors={errors} />
          ) : (
            <>
              <SelectField name="method" required label={t("cred.method")} value={draft.method} onChange={set("method")} options={methods} error={errors.method} />
              {Number(draft.method) === CredentialMethod.FACE ? (
                <PhotoField error={errors.photo} onPick={set("photo")} />
              ) : (
                <TextField
                  name="value"
                  required
                  label={Number(draft.method) === CredentialMethod.PIN ? t("cred.method.pin") : t("cred.card")}
                  help={Number(draft.method) === CredentialMethod.PIN ? t("cred.pin.help") : t("cred.card.help")}
                  value={draft.value}
                  onInput={set("value")}
                  maxLength={20}
                  inputMode={Number(draft.method) === CredentialMethod.PIN ? "numeric" : "text"}
                  autocomplete="off"
                  error={errors.value}
                />
              )}
            </>
          )}
          <SelectField name="area" required label={t("cred.doors")} value={draft.area} onChange={set("area")} options={areas} error={errors.area} />
          {Number(draft.area) === DoorArea.CHOSEN && (
            <fieldset class="field">
              <legend>{t("cred.doors.pick")}</legend>
              {doors.data?.length === 0 && <p class="help">{t("cred.doors.none")}</p>}
              {doors.data?.map((d) => (
                <CheckField
                  key={String(d.id)}
                  name={`door-${d.id}`}
                  label={d.name}
                  checked={draft.chosen.includes(d.id)}
                  onChange={(on) => set("chosen")(on ? [...draft.chosen, d.id] : draft.chosen.filter((x) => x !== d.id))}
                />
              ))}
            </fieldset>
          )}
        </>
      )}
    </FormDialog>
  );
}

function KeyFields(props: {
  draft: Draft;
  set: <K extends keyof Draft>(key: K) => (value: Draft[K]) => void;
  errors: Partial<Record<keyof Draft, string>>;
}) {
  const { draft, set, errors } = props;
  const repeat = Number(draft.repeat) as KeyRepeat;
  return (
    <>
      <TextField name="name" required label={t("cred.keyName")} value={draft.name} onInput={set("name")} maxLength={64} error={errors.name} />
      <SelectField
        name="keyFormat"
        required
        label={t("cred.keyFormat")}
        value={draft.keyFormat}
        onChange={set("keyFormat")}
        options={[
          { value: String(KeyFormat.QR), label: t("cred.method.qrKey") },
          { value: String(KeyFormat.PIN), label: t("cred.method.pinKey") },
        ]}
        error={errors.keyFormat}
      />
      <TextField name="from" type="datetime-local" required label={t("cred.from")} value={draft.from} onInput={set("from")} error={errors.from} />
      <TextField name="until" type="datetime-local" required label={t("cred.until")} value={draft.until} onInput={set("until")} error={errors.until} />
      <SelectField
        name="repeat"
        label={t("cred.repeat")}
        value={draft.repeat}
        onChange={set("repeat")}
        options={[
          { value: String(KeyRepeat.NEVER), label: t("cred.repeat.never") },
          { value: String(KeyRepeat.DAILY), label: t("cred.repeat.daily") },
          { value: String(KeyRepeat.WEEKLY), label: t("cred.repeat.weekly") },
        ]}
        error={errors.repeat}
      />
      {repeat === KeyRepeat.WEEKLY && (
        <fieldset class={`field${errors.weekdays ? " invalid" : ""}`}>
          <legend>{t("cred.weekdays")}</legend>
          <div class="choices">
            {weekdayNames().map((day, i) => (
              <CheckField
                key={day}
                name={`weekday-${i}`}
                label={day}
                checked={(draft.weekdays & (1 << i)) !== 0}
                onChange={(on) => set("weekdays")(on ? draft.weekdays | (1 << i) : draft.weekdays & ~(1 << i))}
              />
            ))}
          </div>
          {errors.weekdays && (
            <p class="field-error" role="alert">
              {errors.weekdays}
            </p>
          )}
        </fieldset>
      )}
      {repeat !== KeyRepeat.NEVER && (
        <>
          <TextField name="dayStart" type="time" required label={t("cred.dayStart")} value={draft.dayStart} onInput={set("dayStart")} error={errors.dayStart} />
          <TextField name="dayEnd" type="time" required label={t("cred.dayEnd")} value={draft.dayEnd} onInput={set("dayEnd")} help={t("cred.dayEnd.help")} error={errors.dayEnd} />
        </>
      )}
      <TextField name="maxUses" type="number" min={0} label={t("cred.maxUses")} help={t("cred.maxUses.help")} value={draft.maxUses} onInput={set("maxUses")} error={errors.maxUses} />
      <TextField name="floors" label={t("cred.floors")} help={t("cred.floors.help")} value={draft.floors} onInput={set("floors")} error={errors.floors} />
    </>
  );
}

function PhotoField(props: { error?: string; onPick: (photo: Uint8Array | undefined) => void }) {
  const [local, setLocal] = useState<string>();
  return (
    <div class={`field${props.error || local ? " invalid" : ""}`}>
      <label for="face-photo">{t("cred.photo")}</label>
      <input
        id="face-photo"
        name="photo"
        type="file"
        accept="image/jpeg,image/png"
        required
        aria-describedby="face-photo-help"
        onChange={async (e) => {
          const file = (e.currentTarget as HTMLInputElement).files?.[0];
          if (!file) return props.onPick(undefined);
          if (file.size > MAX_PHOTO) {
            setLocal(t("cred.photo.tooLarge"));
            return props.onPick(undefined);
          }
          setLocal(undefined);
          props.onPick(new Uint8Array(await file.arrayBuffer()));
        }}
      />
      <p class="help" id="face-photo-help">
        {t("cred.photo.help")}
      </p>
      {(local || props.error) && (
        <p class="field-error" role="alert">
          {local || props.error}
        </p>
      )}
    </div>
  );
}
