// The manual's Add APT and edit-apartment form: the apartment, its resident (or "Add
// Resident Later"), on the Basic plan its indoor monitor; when editing also the family SIP
// number, family members, Reset (with the manual's list of what goes and what stays) and
// Delete APT.
import { Code } from "@connectrpc/connect";
import { useState } from "preact/hooks";
import {
  ApartmentService,
  BuildingService,
  CallMode,
  CommunityService,
  FeaturePlan,
  Language,
  type Apartment,
  type Community,
} from "../../gen/porter/admin/v1/admin_pb";
import { client, placeProblem, problem } from "../../api";
import { t } from "../../i18n";
import { Link, navigate } from "../../router";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { CheckField, FormErrors, SelectField, TextField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { announce } from "../../ui/Notice";
import { languageOptions } from "../../ui/languages";
import { useLoad } from "../../ui/useLoad";
import { NotFound } from "../NotFound";
import { FamilyMembers } from "./FamilyMembers";
import { CredentialList } from "../access/CredentialList";
import { communityTimeStyle, formatDateTime } from "../../ui/format";
import { ApartmentDevices } from "./ApartmentDevices";
import { aptNumberProblem, parseFloors } from "./aptRules";
import { isPropertyManager } from "../../session";

interface Form {
  floor: string;
  aptNumber: string;
  aptName: string;
  webRelay: string;
  callType: string;
  callMode: string;
  floors: string;
  later: boolean;
  firstName: string;
  lastName: string;
  email: string;
  language: string;
  callingCode: string;
  mobile: string;
  landlines: [string, string, string];
  monitorMac: string;
  monitorName: string;
}

const SERVER_FIELDS: Record<string, keyof Form> = {
  floor: "floor",
  apt_number: "aptNumber",
  apt_name: "aptName",
  web_relay_id: "webRelay",
  call_type: "callType",
  accessible_floors: "floors",
  first_name: "firstName",
  last_name: "lastName",
  email: "email",
  calling_code: "callingCode",
  mobile: "mobile",
  landlines: "landlines",
  mac: "monitorMac",
  name: "monitorName",
};

function fromApartment(a?: Apartment): Form {
  const r = a?.resident;
  const lines = r?.landlines ?? [];
  return {
    floor: a?.floor ? String(a.floor) : "",
    aptNumber: a?.aptNumber ?? "",
    aptName: a?.aptName ?? "",
    webRelay: a?.webRelayId ? String(a.webRelayId) : "",
    callType: String(a?.callType ?? 0),
    callMode: String(a?.callMode || CallMode.IP),
    floors: (a?.accessibleFloors ?? []).join(", "),
    later: a ? !r : false,
    firstName: r?.firstName ?? "",
    lastName: r?.lastName ?? "",
    email: r?.email ?? "",
    language: String(r?.language || Language.ENGLISH),
    callingCode: r?.callingCode ?? "",
    mobile: r?.mobile ?? "",
    landlines: [lines[0] ?? "", lines[1] ?? "", lines[2] ?? ""],
    monitorMac: "",
    monitorName: "",
  };
}

export function ApartmentForm(props: { communityId: string; buildingId: string; apartmentId?: string }) {
  const loaded = useLoad(async () => {
    const [community, buildings, apartment] = await Promise.all([
      client(CommunityService).getCommunity({ id: BigInt(props.communityId) }),
      client(BuildingService).listBuildings({ communityId: BigInt(props.communityId) }),
      props.apartmentId ? client(ApartmentService).getApartment({ id: BigInt(props.apartmentId) }) : Promise.resolve(undefined),
    ]);
    const building = buildings.buildings.find((b) => String(b.id) === props.buildingId);
    if (!building || (apartment && String(apartment.buildingId) !== props.buildingId)) return null;
    return { community, building, apartment };
  }, [props.communityId, props.buildingId, props.apartmentId]);
  if (loaded.error?.code === Code.NotFound || loaded.data === null) return <NotFound />;
  if (loaded.error) return <LoadProblem problem={loaded.error} retry={loaded.reload} />;
  if (!loaded.data) return <p aria-busy="true">{t("app.loading")}</p>;
  const { community, building, apartment } = loaded.data;
  return (
    <ApartmentFields
      key={props.apartmentId ?? "new"}
      community={community}
      buildingId={building.id}
      buildingName={building.name}
      apartment={apartment}
      reload={loaded.reload}
    />
  );
}

function ApartmentFields(props: { community: Community; buildingId: bigint; buildingName: string; apartment?: Apartment; reload: () => void }) {
  const { community, apartment } = props;
  const creating = !apartment;
  const [form, setForm] = useState<Form>(() => fromApartment(apartment));
  const [errors, setErrors] = useState<Partial<Record<keyof Form, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<"reset" | "delete" | "moveOut">();
  // Apartments are the installer's to delete and reset; residents move out with either.
  const manager = isPropertyManager();
  const back = `/communities/${community.id}/residents?building=${props.buildingId}`;
  const needsMonitor = creating && community.featurePlan === FeaturePlan.BASIC;
  const set = <K extends keyof Form>(key: K) => (value: Form[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: key === "aptNumber" ? aptNumberProblem(value as string) : undefined }));
  };
  const setLandline = (i: number) => (value: string) =>
    setForm((f) => {
      const landlines = [...f.landlines] as Form["landlines"];
      landlines[i] = value;
      return { ...f, landlines };
    });

  const submit = async (event: Event) => {
    event.preventDefault();
    const floors = parseFloors(form.floors);
    const local: Partial<Record<keyof Form, string>> = {};
    if (!form.aptNumber.trim()) local.aptNumber = `${t("apt.number")}: ${t("common.required")}`;
    else if (aptNumberProblem(form.aptNumber)) local.aptNumber = aptNumberProblem(form.aptNumber);
    if (floors === null) local.floors = t("apt.floors.invalid");
    if (!form.later && !form.firstName.trim()) local.firstName = `${t("apt.firstName")}: ${t("common.required")}`;
    if (!form.later && !form.lastName.trim()) local.lastName = `${t("apt.lastName")}: ${t("common.required")}`;
    if (needsMonitor && !form.monitorMac.trim()) local.monitorMac = `${t("apt.monitor.mac")}: ${t("common.required")}`;
    setErrors(local);
    if (Object.keys(local).length) return focusFirstError();
    setBusy(true);
    setFormError(undefined);
    const apt = {
      floor: form.floor ? Number(form.floor) : 0,
      aptNumber: form.aptNumber.trim(),
      aptName: form.aptName,
      webRelayId: form.webRelay ? Number(form.webRelay) : 0,
      callType: Number(form.callType),
      callMode: Number(form.callMode) as CallMode,
      accessibleFloors: { floors: floors ?? [] },
    };
    const resident = form.later
      ? undefined
      : {
          firstName: form.firstName,
          lastName: form.lastName,
          email: apartment?.resident?.email ? undefined : form.email,
          language: Number(form.language) as Language,
          callingCode: form.callingCode,
          mobile: form.mobile,
          landlines: { numbers: form.landlines.filter((l) => l.trim()) },
        };
    try {
      if (creating) {
        const made = await client(ApartmentService).createApartment({
          buildingId: props.buildingId,
          apartment: apt,
          resident,
          indoorMonitor: needsMonitor ? { deviceType: 2, mac: form.monitorMac, name: form.monitorName || form.aptNumber } : undefined,
        });
        navigate(`/communities/${community.id}/buildings/${props.buildingId}/apartments/${made.id}`);
        announce(t("apt.created", { apt: made.aptNumber }));
      } else {
        const saved = await client(ApartmentService).updateApartment({ id: apartment.id, apartment: apt, resident });
        announce(t("apt.saved", { apt: saved.aptNumber }));
        props.reload();
      }
    } catch (err) {
      const { field, message } = placeProblem(err, SERVER_FIELDS);
      if (field) {
        setErrors({ [field]: message });
        focusFirstError();
      } else setFormError(message);
    }
    setBusy(false);
  };
  const confirmed = async () => {
    if (!apartment || !confirming) return;
    setBusy(true);
    try {
      if (confirming === "delete") {
        await client(ApartmentService).deleteApartment({ id: apartment.id });
        navigate(back);
        announce(t("apt.deleted", { apt: apartment.aptNumber }));
      } else if (confirming === "moveOut") {
        await client(ApartmentService).moveOutResident({ id: apartment.id });
        announce(t("apt.movedOut", { apt: apartment.aptNumber }));
        props.reload();
      } else {
        await client(ApartmentService).resetApartment({ id: apartment.id });
        announce(t("apt.resetDone", { apt: apartment.aptNumber }));
        props.reload();
      }
    } catch (err) {
      announce(problem(err).message, "error");
    }
    setConfirming(undefined);
    setBusy(false);
  };

  return (
    <>
      <p class="breadcrumb">
        <Link href="/">{t("nav.dashboard")}</Link> › <Link href={back}>{community.name}</Link> › {props.buildingName}
      </p>
      <h1>{creating ? t("apt.newTitle", { building: props.buildingName }) : t("apt.editTitle", { apt: apartment.aptNumber, building: props.buildingName })}</h1>
      <form class="settings" onSubmit={submit} noValidate aria-busy={busy}>
        <FormErrors message={formError} />
        {apartment && (
          <p>
            <strong>{t("apt.familySip")}:</strong> {apartment.familySipNumber || t("common.none")}
          </p>
        )}
        <TextField name="floor" type="number" inputMode="numeric" min={0} label={t("apt.floor")} help={t("apt.floor.help")} value={form.floor} onInput={set("floor")} error={errors.floor} />
        <TextField name="aptNumber" required label={t("apt.number")} help={t("apt.number.help")} value={form.aptNumber} onInput={set("aptNumber")} error={errors.aptNumber} />
        <TextField name="aptName" label={t("apt.name")} value={form.aptName} onInput={set("aptName")} error={errors.aptName} />
        <TextField name="webRelay" type="number" inputMode="numeric" min={0} label={t("apt.webRelay")} help={t("apt.webRelay.help")} value={form.webRelay} onInput={set("webRelay")} error={errors.webRelay} />
        <SelectField
          name="callType"
          label={t("apt.callType")}
          value={form.callType}
          onChange={set("callType")}
          options={(["0", "1", "2", "3", "4", "5"] as const).map((n) => ({ value: n, label: t(`apt.callType.${n}`) }))}
          error={errors.callType}
        />
        <SelectField
          name="callMode"
          label={t("apt.callMode")}
          value={form.callMode}
          onChange={set("callMode")}
          options={[
            { value: String(CallMode.IP), label: t("apt.callMode.ip") },
            { value: String(CallMode.SIP), label: t("apt.callMode.sip") },
          ]}
        />
        <TextField name="floors" label={t("apt.floors")} help={t("apt.floors.help")} value={form.floors} onInput={set("floors")} error={errors.floors} />
        {needsMonitor && (
          <fieldset class="group">
            <legend>{t("apt.monitor")}</legend>
            <p class="help">{t("apt.monitor.help")}</p>
            <TextField name="monitorMac" required label={t("apt.monitor.mac")} value={form.monitorMac} onInput={set("monitorMac")} error={errors.monitorMac} />
            <TextField name="monitorName" label={t("apt.monitor.name")} value={form.monitorName} onInput={set("monitorName")} error={errors.monitorName} />
          </fieldset>
        )}
        <fieldset class="group">
          <legend>{t("apt.resident")}</legend>
          {apartment?.resident?.movedInBy && (
            <p class="help">
              {t(apartment.resident.movedInByPropertyManager ? "apt.movedIn.pm" : "apt.movedIn.installer", {
                who: apartment.resident.movedInBy,
                time: formatDateTime(apartment.resident.movedInAtMs, communityTimeStyle(community)),
              })}
            </p>
          )}
          {(creating || !apartment.resident) && <CheckField name="later" label={t("apt.addLater")} checked={form.later} onChange={set("later")} />}
          {!form.later && (
            <>
              <TextField name="firstName" required label={t("apt.firstName")} value={form.firstName} onInput={set("firstName")} maxLength={64} error={errors.firstName} />
              <TextField name="lastName" required label={t("apt.lastName")} value={form.lastName} onInput={set("lastName")} maxLength={64} error={errors.lastName} />
              <TextField
                name="email"
                type="email"
                label={t("apt.email")}
                value={form.email}
                onInput={set("email")}
                disabled={Boolean(apartment?.resident?.email)}
                lockedReason={t("apt.email.locked")}
                error={errors.email}
              />
              <SelectField name="language" label={t("apt.language")} help={t("apt.language.help")} value={form.language} onChange={set("language")} options={languageOptions()} />
              <TextField name="callingCode" type="tel" label={t("apt.callingCode")} help={t("apt.callingCode.help")} value={form.callingCode} onInput={set("callingCode")} error={errors.callingCode} />
              <TextField name="mobile" type="tel" label={t("apt.mobile")} value={form.mobile} onInput={set("mobile")} error={errors.mobile} />
              {[0, 1, 2].map((i) => (
                <TextField
                  key={i}
                  name={`landline${i + 1}`}
                  type="tel"
                  label={t("apt.landline", { n: i + 1 })}
                  value={form.landlines[i]}
                  onInput={setLandline(i)}
                  error={i === 0 ? errors.landlines : undefined}
                />
              ))}
            </>
          )}
        </fieldset>
        <div class="buttons">
          {apartment && !manager && (
            <>
              <button type="button" class="danger" onClick={() => setConfirming("delete")}>
                {t("apt.delete")}
              </button>
              <button type="button" class="danger" onClick={() => setConfirming("reset")}>
                {t("apt.reset")}
              </button>
            </>
          )}
          {apartment?.resident && (
            <button type="button" class="danger" onClick={() => setConfirming("moveOut")}>
              {t("apt.moveOut")}
            </button>
          )}
          <button type="button" onClick={() => navigate(back)}>
            {t("common.cancel")}
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("common.saving") : t("common.save")}
          </button>
        </div>
      </form>
      {apartment && <FamilyMembers apartment={apartment} changed={props.reload} />}
      {apartment && <ApartmentDevices community={community} apartment={apartment} />}
      {apartment && <CredentialList community={community} apartment={apartment} time={communityTimeStyle(community)} />}
      <ConfirmDialog
        open={confirming !== undefined}
        message={confirmMessage(confirming, apartment?.aptNumber ?? "")}
        details={confirming === "reset" ? <ResetDetails /> : undefined}
        confirmLabel={confirming === "delete" ? t("common.delete") : confirming === "moveOut" ? t("apt.moveOut") : t("apt.reset")}
        busy={busy}
        onConfirm={confirmed}
        onCancel={() => setConfirming(undefined)}
      />
    </>
  );
}

function confirmMessage(action: "reset" | "delete" | "moveOut" | undefined, apt: string): string {
  if (action === "delete") return t("apt.deleteConfirm", { apt });
  if (action === "moveOut") return t("apt.moveOutConfirm", { apt });
  return t("apt.resetConfirm");
}

function ResetDetails() {
  return (
    <div class="reset-details">
      <p>{t("apt.reset.removed")}</p>
      <ul>
        {(["1", "2", "3", "4", "5"] as const).map((n) => (
          <li key={n}>{t(`apt.reset.removed.${n}`)}</li>
        ))}
      </ul>
      <p>{t("apt.reset.kept")}</p>
      <ul>
        {(["1", "2", "3", "4"] as const).map((n) => (
          <li key={n}>{t(`apt.reset.kept.${n}`)}</li>
        ))}
      </ul>
      <p>{t("apt.reset.other")}</p>
    </div>
  );
}

function focusFirstError() {
  requestAnimationFrame(() => document.querySelector<HTMLElement>(".field.invalid input, .field.invalid select")?.focus());
}
