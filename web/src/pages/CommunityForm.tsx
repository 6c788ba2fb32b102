// The manual's New Community and Edit Community forms: every setting, the rules that tie
// them (shown as they apply) and what cannot change after creation shown disabled with
// the reason. The server checks everything again; its field errors land on the field.
import { Code } from "@connectrpc/connect";
import { useEffect, useMemo, useState } from "preact/hooks";
import {
  AccessControlPermission,
  ChargeMode,
  CommunityService,
  DateFormat,
  FeaturePlan,
  PinMode,
  TimeFormat,
  type Community,
} from "../gen/porter/admin/v1/admin_pb";
import { client, placeProblem } from "../api";
import { t } from "../i18n";
import { navigate } from "../router";
import { FormErrors, OnOffField, RadioField, SelectField, TextField } from "../ui/fields";
import { announce } from "../ui/Notice";
import { countryOptions } from "../ui/countries";
import { timeZoneOptions } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { LoadProblem } from "../ui/LoadProblem";
import { NotFound } from "./NotFound";

interface Form {
  apartmentCount: string;
  homeAutomation: boolean;
  communityCalls: boolean;
  landlineService: boolean;
  featurePlan: "" | "basic" | "premium";
  name: string;
  country: string;
  state: string;
  city: string;
  postCode: string;
  street: string;
  timeZone: string;
  timeFormat: "24" | "12";
  dateFormat: "ymd" | "mdy" | "dmy";
  accessControl: "both" | "publicOnly";
  pinMode: "pin" | "aptPin";
  chargeMode: "pm" | "installer";
  expirationEmail: boolean;
  renewEmail: boolean;
}

const BLANK: Form = {
  apartmentCount: "50",
  homeAutomation: false,
  communityCalls: false,
  landlineService: false,
  featurePlan: "",
  name: "",
  country: "",
  state: "",
  city: "",
  postCode: "",
  street: "",
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
  timeFormat: "24",
  dateFormat: "ymd",
  accessControl: "both",
  pinMode: "pin",
  chargeMode: "installer",
  expirationEmail: false,
  renewEmail: false,
};

function fromCommunity(c: Community): Form {
  return {
    apartmentCount: String(c.apartmentCount),
    homeAutomation: c.homeAutomation,
    communityCalls: c.communityCalls,
    landlineService: c.landlineService,
    featurePlan: c.featurePlan === FeaturePlan.BASIC ? "basic" : "premium",
    name: c.name,
    country: c.address?.country ?? "",
    state: c.address?.state ?? "",
    city: c.address?.city ?? "",
    postCode: c.address?.postCode ?? "",
    street: c.address?.street ?? "",
    timeZone: c.timeZone,
    timeFormat: c.timeFormat === TimeFormat.HOURS_12 ? "12" : "24",
    dateFormat: c.dateFormat === DateFormat.MDY ? "mdy" : c.dateFormat === DateFormat.DMY ? "dmy" : "ymd",
    accessControl: c.accessControl === AccessControlPermission.PUBLIC_ONLY ? "publicOnly" : "both",
    pinMode: c.pinMode === PinMode.APT_PIN ? "aptPin" : "pin",
    chargeMode: c.chargeMode === ChargeMode.PROPERTY_MANAGER ? "pm" : "installer",
    expirationEmail: c.sendExpirationEmail,
    renewEmail: c.sendRenewEmail,
  };
}

function settings(f: Form, creating: boolean) {
  const plan = f.featurePlan === "basic" ? FeaturePlan.BASIC : f.featurePlan === "premium" ? FeaturePlan.PREMIUM : undefined;
  return {
    apartmentCount: Number.parseInt(f.apartmentCount, 10) || 0,
    homeAutomation: f.homeAutomation,
    communityCalls: f.communityCalls,
    landlineService: f.landlineService,
    featurePlan: creating ? plan : undefined,
    name: f.name,
    address: { country: f.country, state: f.state, city: f.city, postCode: f.postCode, street: f.street },
    timeZone: f.timeZone,
    timeFormat: f.timeFormat === "12" ? TimeFormat.HOURS_12 : TimeFormat.HOURS_24,
    dateFormat: f.dateFormat === "mdy" ? DateFormat.MDY : f.dateFormat === "dmy" ? DateFormat.DMY : DateFormat.YMD,
    accessControl: creating
      ? f.accessControl === "publicOnly"
        ? AccessControlPermission.PUBLIC_ONLY
        : AccessControlPermission.PUBLIC_AND_PRIVATE
      : undefined,
    pinMode: f.pinMode === "aptPin" ? PinMode.APT_PIN : PinMode.PIN,
    chargeMode: f.chargeMode === "pm" ? ChargeMode.PROPERTY_MANAGER : ChargeMode.INSTALLER,
    sendExpirationEmail: f.expirationEmail,
    sendRenewEmail: f.renewEmail,
  };
}

/** The server's field names, as they come in the porter-field metadata, to the form's. */
const SERVER_FIELDS: Record<string, keyof Form> = {
  apartment_count: "apartmentCount",
  home_automation: "homeAutomation",
  community_calls: "communityCalls",
  landline_service: "landlineService",
  feature_plan: "featurePlan",
  name: "name",
  "address.country": "country",
  "address.state": "state",
  "address.city": "city",
  "address.post_code": "postCode",
  "address.street": "street",
  time_zone: "timeZone",
};

export function CommunityForm(props: { id?: string }) {
  const creating = props.id === undefined;
  const existing = useLoad(
    () => (creating ? Promise.resolve(undefined) : client(CommunityService).getCommunity({ id: BigInt(props.id!) })),
    [props.id],
  );
  if (!creating && existing.error?.code === Code.NotFound) return <NotFound />;
  if (existing.error) return <LoadProblem problem={existing.error} retry={existing.reload} />;
  if (!creating && !existing.data) return <p aria-busy="true">{t("app.loading")}</p>;
  return <CommunityFields key={props.id ?? "new"} community={existing.data} />;
}

function CommunityFields(props: { community?: Community }) {
  const original = props.community;
  const creating = !original;
  const [form, setForm] = useState<Form>(original ? fromCommunity(original) : BLANK);
  const [errors, setErrors] = useState<Partial<Record<keyof Form, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const zones = useMemo(timeZoneOptions, []);
  const countries = useMemo(() => countryOptions(form.country), [form.country]);
  const set = <K extends keyof Form>(key: K) => (value: Form[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  useEffect(() => {
    // Landline is a Premium feature and not for home automation: turn it off when it
    // stops being allowed, as the manual's form does.
    if (form.landlineService && (form.featurePlan === "basic" || form.homeAutomation)) {
      setForm((f) => ({ ...f, landlineService: false }));
    }
  }, [form.featurePlan, form.homeAutomation]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const local = checkLocally(form);
    setErrors(local);
    if (Object.keys(local).length) {
      setFormError(undefined);
      focusFirstError();
      return;
    }
    setBusy(true);
    setFormError(undefined);
    try {
      const saved = creating
        ? await client(CommunityService).createCommunity({ settings: settings(form, true) })
        : await client(CommunityService).updateCommunity({ id: original.id, settings: settings(form, false) });
      navigate("/");
      announce(t(creating ? "community.created" : "community.saved", { name: saved.name }));
    } catch (err) {
      const { field, message } = placeProblem(err, SERVER_FIELDS);
      if (field) {
        setErrors({ [field]: message });
        focusFirstError();
      } else {
        setFormError(message);
      }
      setBusy(false);
    }
  };

  const landlineLocked =
    form.featurePlan === "basic" ? t("community.landline.help") : form.homeAutomation ? t("community.landline.homeAutomation") : undefined;
  return (
    <>
      <h1>{creating ? t("community.newTitle") : t("community.editTitle")}</h1>
      <p class="notice info">{t("community.upgradeNotice")}</p>
      <form class="settings" onSubmit={submit} noValidate aria-busy={busy}>
        <FormErrors message={formError} />
        <TextField
          name="apartmentCount"
          type="number"
          inputMode="numeric"
          min={1}
          label={t("community.apartmentCount")}
          help={t("community.apartmentCount.help")}
          value={form.apartmentCount}
          onInput={set("apartmentCount")}
          error={errors.apartmentCount}
        />
        <OnOffField
          name="homeAutomation"
          label={t("community.homeAutomation")}
          help={form.homeAutomation && !original?.homeAutomation ? t("community.homeAutomation.once") : t("community.homeAutomation.help")}
          value={form.homeAutomation}
          onChange={set("homeAutomation")}
          disabled={original?.homeAutomation}
          lockedReason={t("community.homeAutomation.locked")}
          error={errors.homeAutomation}
        />
        <OnOffField
          name="communityCalls"
          label={t("community.communityCalls")}
          help={t("community.communityCalls.help")}
          value={form.communityCalls}
          onChange={set("communityCalls")}
          error={errors.communityCalls}
        />
        <OnOffField
          name="landlineService"
          label={t("community.landline")}
          help={landlineLocked ? undefined : t("community.landline.help")}
          value={form.landlineService}
          onChange={set("landlineService")}
          disabled={landlineLocked !== undefined}
          lockedReason={landlineLocked}
          error={errors.landlineService}
        />
        <RadioField
          name="featurePlan"
          required
          label={t("community.featurePlan")}
          help={t("community.featurePlan.help")}
          value={form.featurePlan}
          onChange={set("featurePlan")}
          options={[
            { value: "basic", label: t("community.featurePlan.basic") },
            { value: "premium", label: t("community.featurePlan.premium") },
          ]}
          disabled={!creating}
          lockedReason={t("community.featurePlan.locked")}
          error={errors.featurePlan}
        />
        {form.featurePlan === "basic" && <p class="help">{t("community.featurePlan.basicTemplate")}</p>}
        <TextField name="name" required label={t("community.name")} value={form.name} onInput={set("name")} maxLength={64} error={errors.name} />
        <fieldset class="group">
          <legend>{t("community.address")}</legend>
          <p class="help">{t("community.address.help")}</p>
          <SelectField name="country" required label={t("community.country")} value={form.country} onChange={set("country")} options={countries} error={errors.country} />
          <TextField name="state" label={t("community.state")} value={form.state} onInput={set("state")} error={errors.state} />
          <TextField name="city" label={t("community.city")} value={form.city} onInput={set("city")} error={errors.city} />
          <TextField
            name="postCode"
            label={t("community.postCode")}
            help={t("community.postCode.help")}
            value={form.postCode}
            onInput={set("postCode")}
            error={errors.postCode}
          />
          <TextField name="street" label={t("community.street")} value={form.street} onInput={set("street")} error={errors.street} />
        </fieldset>
        <SelectField name="timeZone" label={t("community.timeZone")} value={form.timeZone} onChange={set("timeZone")} options={zones} error={errors.timeZone} />
        <RadioField
          name="timeFormat"
          label={t("community.timeFormat")}
          value={form.timeFormat}
          onChange={set("timeFormat")}
          options={[
            { value: "24", label: t("community.timeFormat.24") },
            { value: "12", label: t("community.timeFormat.12") },
          ]}
        />
        <SelectField
          name="dateFormat"
          label={t("community.dateFormat")}
          value={form.dateFormat}
          onChange={(v) => set("dateFormat")(v as Form["dateFormat"])}
          options={[
            { value: "ymd", label: t("community.dateFormat.ymd") },
            { value: "mdy", label: t("community.dateFormat.mdy") },
            { value: "dmy", label: t("community.dateFormat.dmy") },
          ]}
        />
        <RadioField
          name="accessControl"
          label={t("community.accessControl")}
          help={t("community.accessControl.help")}
          value={form.accessControl}
          onChange={set("accessControl")}
          options={[
            { value: "both", label: t("community.accessControl.both") },
            { value: "publicOnly", label: t("community.accessControl.publicOnly") },
          ]}
          disabled={!creating}
          lockedReason={t("community.accessControl.locked")}
        />
        <RadioField
          name="pinMode"
          label={t("community.pinMode")}
          value={form.pinMode}
          onChange={set("pinMode")}
          options={[
            { value: "pin", label: t("community.pinMode.pin") },
            { value: "aptPin", label: t("community.pinMode.aptPin") },
          ]}
        />
        <RadioField
          name="chargeMode"
          label={t("community.chargeMode")}
          value={form.chargeMode}
          onChange={set("chargeMode")}
          options={[
            { value: "pm", label: t("community.chargeMode.pm") },
            { value: "installer", label: t("community.chargeMode.installer") },
          ]}
        />
        <OnOffField
          name="expirationEmail"
          label={t("community.expirationEmail")}
          help={t("community.expirationEmail.help")}
          value={form.expirationEmail}
          onChange={set("expirationEmail")}
        />
        <OnOffField name="renewEmail" label={t("community.renewEmail")} value={form.renewEmail} onChange={set("renewEmail")} />
        <div class="buttons">
          <button type="button" onClick={() => navigate("/")}>
            {t("common.cancel")}
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("common.saving") : t("common.save")}
          </button>
        </div>
      </form>
    </>
  );
}

/** What the form can tell before asking the server (which checks all of it again). */
function checkLocally(f: Form): Partial<Record<keyof Form, string>> {
  const errors: Partial<Record<keyof Form, string>> = {};
  if (!f.featurePlan) errors.featurePlan = `${t("community.featurePlan")}: ${t("common.required")}`;
  if (!f.name.trim()) errors.name = `${t("community.name")}: ${t("common.required")}`;
  if (!f.country) errors.country = `${t("community.country")}: ${t("common.required")}`;
  if (f.postCode && !/^[A-Za-z0-9]+$/.test(f.postCode)) errors.postCode = t("community.postCode.help");
  return errors;
}

function focusFirstError() {
  requestAnimationFrame(() => {
    const first = document.querySelector<HTMLElement>(".field.invalid input, .field.invalid select");
    first?.focus();
  });
}
