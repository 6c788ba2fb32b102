// Add a device at a scope (public area, building, apartment), or one device's page: its
// settings form, Status and Last Connection, and the remote operations (reboot, open a
// relay, remote control in a new tab), then delete.
import { Code } from "@connectrpc/connect";
import { useState } from "preact/hooks";
import {
  ApartmentService,
  BuildingService,
  CommunityService,
  ContactDisplay,
  DeviceScopeKind,
  DeviceService,
  EventService,
  type Apartment,
  type Building,
  type Device,
  type DeviceEvent,
  type Relay,
} from "../../gen/porter/admin/v1/admin_pb";
import { client, placeProblem, problem } from "../../api";
import { t, type MessageKey } from "../../i18n";
import { Link, navigate, useLocation } from "../../router";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { CheckField, FormErrors, RadioField, SelectField, TextField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { announce } from "../../ui/Notice";
import { communityTimeStyle, formatDateTime, type TimeStyle } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { useLive } from "../../ui/useLive";
import { DeviceEvents } from "./DeviceEvents";
import { DeviceSettings } from "./DeviceSettings";
import { NotFound } from "../NotFound";
import { isPropertyManager, mayReadLogs } from "../../session";
import { DEVICE_TYPES, deviceTypeLabel, isDoorPhone, isIndoorMonitor } from "./labels";
import { RelayFields, newRelay, type RelayDraft } from "./RelayFields";
import { ServedBuildings, servedIds, servedOf, type Served } from "./ServedBuildings";
import { StatusDot } from "./StatusDot";

interface Form {
  deviceType: string;
  mac: string;
  name: string;
  networkGroup: string;
  contactDisplay: string;
  internet: boolean;
  transferIp: string;
  worksOffline: boolean;
  arming: boolean;
  relays: RelayDraft[];
  security?: RelayDraft;
  served: Served;
}

const SERVER_FIELDS: Record<string, keyof Form> = {
  device_type: "deviceType",
  mac: "mac",
  name: "name",
  network_group: "networkGroup",
  contact_display: "contactDisplay",
  transfer_monitor_ip: "transferIp",
  relays: "relays",
  security_relay: "security",
  buildings: "served",
  public_buildings: "served",
};

const draftOf = (r: Relay): RelayDraft => ({ enabled: r.enabled, name: r.name, dtmfCode: r.dtmfCode, methods: [...r.unlockMethods] });
const relayOf = (r: RelayDraft) => ({ enabled: r.enabled, name: r.name, dtmfCode: r.dtmfCode, unlockMethods: r.methods });

function fromDevice(d?: Device): Form {
  return {
    deviceType: String(d?.deviceType ?? 0),
    mac: d?.mac ?? "",
    name: d?.name ?? "",
    networkGroup: String(d?.networkGroup || 1),
    contactDisplay: String(d?.contactDisplay || ContactDisplay.APT_NUMBERS),
    internet: d?.internetAccess ?? true,
    transferIp: d?.transferMonitorIp ?? "",
    worksOffline: d?.worksOffline ?? false,
    arming: d?.arming ?? false,
    relays: d ? d.relays.map(draftOf) : [newRelay(1)],
    security: d?.securityRelay ? draftOf(d.securityRelay) : undefined,
    served: servedOf(d?.publicBuildingIds ?? []),
  };
}

export function DevicePage(props: { communityId: string; deviceId?: string }) {
  const { query } = useLocation();
  const scope = query.get("scope") ?? "public";
  const apartmentId = !props.deviceId && /^apt:\d{1,19}$/.test(scope) ? BigInt(scope.slice(4)) : undefined;
  const loaded = useLoad(async () => {
    const [community, buildings, device, apartment] = await Promise.all([
      client(CommunityService).getCommunity({ id: BigInt(props.communityId) }),
      client(BuildingService).listBuildings({ communityId: BigInt(props.communityId) }),
      props.deviceId ? client(DeviceService).getDevice({ id: BigInt(props.deviceId) }) : Promise.resolve(undefined),
      apartmentId !== undefined ? client(ApartmentService).getApartment({ id: apartmentId }) : Promise.resolve(undefined),
    ]);
    if (device && String(device.communityId) !== props.communityId) return null;
    if (apartment && !buildings.buildings.some((b) => b.id === apartment.buildingId)) return null;
    return { community, buildings: buildings.buildings, device, apartment };
  }, [props.communityId, props.deviceId, scope]);
  if (loaded.error?.code === Code.NotFound || loaded.data === null) return <NotFound />;
  if (loaded.error) return <LoadProblem problem={loaded.error} retry={loaded.reload} />;
  if (!loaded.data) return <p aria-busy="true">{t("app.loading")}</p>;
  const { community, buildings, device, apartment } = loaded.data;
  const building = buildings.find((b) => String(b.id) === (device ? String(device.buildingId) : apartment ? String(apartment.buildingId) : scope));
  if (!device && scope !== "public" && !building) return <NotFound />;
  const back = backTo(community.id, scope, device, apartment);
  const manager = isPropertyManager();
  const scopeName = device
    ? device.owner
    : apartment
      ? t("dev.scope.apartment", { apt: apartment.aptNumber, building: building?.name ?? "" })
      : scope === "public"
        ? t("dev.scope.public")
        : (building?.name ?? scope);
  return (
    <>
      <p class="breadcrumb">
        <Link href="/">{t("nav.dashboard")}</Link> › <Link href={back}>{community.name}</Link> › {scopeName}
      </p>
      <h1>{device ? (manager ? device.name : t("dev.editTitle", { name: device.name })) : t("dev.newTitle", { scope: scopeName })}</h1>
      {device && <LiveDevice device={device} time={communityTimeStyle(community)} reload={loaded.reload} />}
      {/* A device's settings are the installer's: a property manager sees them, opens its relays. */}
      {!manager && <DeviceForm
        key={device ? String(device.id) : "new"}
        communityId={community.id}
        scope={scope}
        device={device}
        buildings={buildings}
        back={back}
        reload={loaded.reload}
      />}
    </>
  );
}

/** Where the device's list is: its apartment's page, or the area's Intercom Devices. */
function backTo(communityId: bigint, scope: string, device?: Device, apartment?: Apartment): string {
  const apt = apartment ?? (device?.scope === DeviceScopeKind.APARTMENT ? { id: device.apartmentId, buildingId: device.buildingId } : undefined);
  if (apt) return `/communities/${communityId}/buildings/${apt.buildingId}/apartments/${apt.id}`;
  const area = device ? (device.scope === DeviceScopeKind.PUBLIC ? "public" : String(device.buildingId)) : "";
  return `/communities/${communityId}/residents?tab=devices&building=${area || scope}`;
}

function DeviceForm(props: { communityId: bigint; scope: string; device?: Device; buildings: Building[]; back: string; reload: () => void }) {
  const { device } = props;
  const isPublic = device ? device.scope === DeviceScopeKind.PUBLIC : props.scope === "public";
  // The manual's building form alone has Contact Display Settings.
  const inBuilding = device ? device.scope === DeviceScopeKind.BUILDING : !isPublic && !props.scope.startsWith("apt:");
  const [form, setForm] = useState<Form>(() => fromDevice(device));
  const [errors, setErrors] = useState<Partial<Record<keyof Form, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const type = Number(form.deviceType);
  const set = <K extends keyof Form>(key: K) => (value: Form[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const setRelay = (i: number) => (r: RelayDraft) => setForm((f) => ({ ...f, relays: f.relays.map((x, j) => (j === i ? r : x)) }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setErrors({});
    setFormError(undefined);
    const served = servedIds(form.served);
    if (isPublic && !served) {
      setErrors({ served: t("dev.buildings.required") });
      return;
    }
    setBusy(true);
    const input = {
      deviceType: device ? undefined : type,
      mac: device ? undefined : form.mac,
      name: form.name,
      networkGroup: Number(form.networkGroup) || 1,
      contactDisplay: isDoorPhone(type) && inBuilding ? (Number(form.contactDisplay) as ContactDisplay) : undefined,
      internetAccess: isDoorPhone(type) ? form.internet : undefined,
      transferMonitorIp: isDoorPhone(type) && !form.internet ? form.transferIp : undefined,
      worksOffline: isIndoorMonitor(type) ? form.worksOffline : undefined,
      arming: isIndoorMonitor(type) ? form.arming : undefined,
      relays: { relays: form.relays.map(relayOf) },
      securityRelay: isDoorPhone(type) ? { relay: form.security ? relayOf(form.security) : undefined } : undefined,
      publicBuildings: device && isPublic ? { buildingIds: served } : undefined,
    };
    try {
      if (device) {
        const saved = await client(DeviceService).updateDevice({ id: device.id, device: input });
        announce(t("dev.saved", { name: saved.name }));
        props.reload();
      } else {
        const scope = props.scope.startsWith("apt:")
          ? { case: "apartmentId" as const, value: BigInt(props.scope.slice(4)) }
          : props.scope === "public"
            ? { case: "publicArea" as const, value: { communityId: props.communityId, buildingIds: served ?? [] } }
            : { case: "buildingId" as const, value: BigInt(props.scope) };
        const made = await client(DeviceService).createDevice({ scope, device: input });
        navigate(`/communities/${props.communityId}/devices/${made.id}`);
        announce(t("dev.created", { name: made.name }));
      }
    } catch (err) {
      const { field, message } = placeProblem(err, SERVER_FIELDS);
      if (field) setErrors({ [field]: message });
      else setFormError(message);
    }
    setBusy(false);
  };
  const remove = async () => {
    if (!device) return;
    setBusy(true);
    try {
      await client(DeviceService).deleteDevice({ id: device.id });
      navigate(props.back);
      announce(t("dev.deleted", { name: device.name }));
    } catch (err) {
      announce(problem(err).message, "error");
      setBusy(false);
    }
    setDeleting(false);
  };

  return (
    <form class="settings" onSubmit={submit} noValidate aria-busy={busy}>
      <FormErrors message={formError ?? (errors.relays || errors.security)} />
      <SelectField
        name="deviceType"
        required
        label={t("dev.type")}
        value={form.deviceType}
        onChange={set("deviceType")}
        options={DEVICE_TYPES.map((c) => ({ value: String(c), label: deviceTypeLabel(c) }))}
        disabled={Boolean(device)}
        lockedReason={t("dev.type.locked")}
        error={errors.deviceType}
      />
      <TextField
        name="mac"
        required
        label={t("dev.mac")}
        help={device ? undefined : t("dev.mac.help")}
        value={form.mac}
        onInput={set("mac")}
        disabled={Boolean(device)}
        lockedReason={t("dev.mac.locked")}
        error={errors.mac}
      />
      <TextField name="name" required label={t("dev.name")} value={form.name} onInput={set("name")} maxLength={64} error={errors.name} />
      {isDoorPhone(type) && (
        <RadioField
          name="internet"
          label={t("dev.internet")}
          help={t("dev.internet.help")}
          value={form.internet ? "yes" : "no"}
          onChange={(v) => set("internet")(v === "yes")}
          options={[
            { value: "yes", label: t("dev.yes") },
            { value: "no", label: t("dev.no") },
          ]}
        />
      )}
      {isDoorPhone(type) && !form.internet ? (
        <TextField name="transferIp" required label={t("dev.transferIp")} help={t("dev.transferIp.help")} value={form.transferIp} onInput={set("transferIp")} error={errors.transferIp} />
      ) : (
        <SelectField
          name="networkGroup"
          label={t("dev.networkGroup")}
          help={t("dev.networkGroup.help")}
          value={form.networkGroup}
          onChange={set("networkGroup")}
          options={Array.from({ length: 10 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }))}
          error={errors.networkGroup}
        />
      )}
      {isDoorPhone(type) && inBuilding && (
        <SelectField
          name="contactDisplay"
          label={t("dev.contactDisplay")}
          value={form.contactDisplay}
          onChange={set("contactDisplay")}
          options={["1", "2", "3"].map((n) => ({ value: n, label: t(`dev.contactDisplay.${n}` as MessageKey) }))}
          error={errors.contactDisplay}
        />
      )}
      {isIndoorMonitor(type) && (
        <>
          <CheckField name="worksOffline" label={t("dev.worksOffline")} help={t("dev.worksOffline.help")} checked={form.worksOffline} onChange={set("worksOffline")} />
          <CheckField name="arming" label={t("dev.arming")} help={t("dev.arming.help")} checked={form.arming} onChange={set("arming")} />
        </>
      )}
      {isPublic && <ServedBuildings buildings={props.buildings} value={form.served} onChange={set("served")} error={errors.served} />}
      <h2>{t("dev.relays")}</h2>
      {form.relays.map((r, i) => (
        <RelayFields
          key={i}
          legend={t("dev.relay", { n: i + 1 })}
          prefix={`relay${i + 1}`}
          relay={r}
          onChange={setRelay(i)}
          onRemove={form.relays.length > 1 ? () => set("relays")(form.relays.filter((_, j) => j !== i)) : undefined}
          removeLabel={t("dev.relay.remove", { n: i + 1 })}
        />
      ))}
      <div class="buttons start">
        {form.relays.length < 4 && (
          <button type="button" onClick={() => set("relays")([...form.relays, newRelay(form.relays.length + 1)])}>
            {t("dev.relay.add")}
          </button>
        )}
        {isDoorPhone(type) && !form.security && (
          <button type="button" onClick={() => set("security")({ ...newRelay(1), name: "Security relay" })}>
            {t("dev.security.add")}
          </button>
        )}
      </div>
      {isDoorPhone(type) && form.security && (
        <RelayFields
          legend={t("dev.security")}
          prefix="security"
          relay={form.security}
          onChange={(r) => set("security")(r)}
          onRemove={() => set("security")(undefined)}
          removeLabel={t("dev.security.remove")}
        />
      )}
      <div class="buttons">
        {device && (
          <button type="button" class="danger" onClick={() => setDeleting(true)}>
            {t("dev.delete")}
          </button>
        )}
        <button type="button" onClick={() => navigate(props.back)}>
          {t("common.cancel")}
        </button>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("common.saving") : t("common.save")}
        </button>
      </div>
      <ConfirmDialog
        open={deleting}
        message={device ? t("dev.deleteConfirm", { name: device.name }) : ""}
        confirmLabel={t("common.delete")}
        busy={busy}
        onConfirm={remove}
        onCancel={() => setDeleting(false)}
      />
    </form>
  );
}

/** The device's status and events, kept current by the community's live stream. */
function LiveDevice(props: { device: Device; time: TimeStyle; reload: () => void }) {
  const d = props.device;
  const [status, setStatus] = useState<Partial<Device>>({});
  const logs = mayReadLogs(d.communityId);
  const events = useLoad(
    () => (logs ? client(EventService).listEvents({ communityId: d.communityId, deviceId: d.id, limit: 20 }) : Promise.resolve(undefined)),
    [String(d.id)],
  );
  const [fresh, setFresh] = useState<DeviceEvent[]>([]);
  useLive(
    d.communityId,
    (u) => {
      if (u.update.case === "deviceStatus" && u.update.value.deviceId === d.id) {
        const s = u.update.value;
        setStatus(
          s.online
            ? { online: true, lastConnectionMs: s.atMs, remoteAddress: s.remoteAddress, firmwareVersion: s.firmwareVersion, model: s.model }
            : { online: false },
        );
      } else if (u.update.case === "event" && u.update.value.deviceId === d.id) {
        const e = u.update.value;
        setFresh((list) => (list.some((x) => x.seq === e.seq) ? list : [e, ...list].slice(0, 50)));
      }
    },
    () => {
      setStatus({});
      setFresh([]);
      props.reload();
      events.reload();
    },
  );
  const shown = [...fresh, ...(events.data?.events ?? []).filter((e) => !fresh.some((f) => f.seq === e.seq))].slice(0, 50);
  return (
    <>
      <DeviceStatus device={{ ...d, ...status } as Device} time={props.time} />
      {!isPropertyManager() && <DeviceSettings device={d} />}
      {logs && <DeviceEvents events={shown} communityId={d.communityId} time={props.time} />}
    </>
  );
}

function DeviceStatus(props: { device: Device; time: TimeStyle }) {
  const d = props.device;
  const [busy, setBusy] = useState(false);
  const [rebooting, setRebooting] = useState(false);
  const run = async (work: () => Promise<{ ok: boolean; message: string; latencyMs: number }>) => {
    setBusy(true);
    try {
      const reply = await work();
      announce(t("dev.reply", { name: d.name, message: reply.message, ms: reply.latencyMs }), reply.ok ? "ok" : "error");
    } catch (err) {
      announce(problem(err).message, "error");
    }
    setBusy(false);
  };
  const remote = async () => {
    // Opened at once (a later window.open would be blocked as a popup), filled when the
    // link arrives; noopener is set by hand because the URL comes later.
    const tab = window.open("", "_blank");
    setBusy(true);
    try {
      const grant = await client(DeviceService).openRemoteControl({ id: d.id });
      const until = formatDateTime(grant.expiresAtMs, props.time);
      if (tab) {
        tab.opener = null;
        tab.location.href = grant.url;
        announce(t("dev.remote.opened", { name: d.name, time: until }));
      } else {
        announce(t("dev.remote.blocked", { url: grant.url }), "error");
      }
    } catch (err) {
      tab?.close();
      announce(problem(err).message, "error");
    }
    setBusy(false);
  };
  const enabled = d.relays.map((r, i) => ({ r, n: i + 1 })).filter(({ r }) => r.enabled);
  const manager = isPropertyManager();
  return (
    <section class="panel device-status" aria-labelledby="device-status-title">
      <h2 id="device-status-title">{t("dev.details")}</h2>
      <dl class="facts">
        <dt>{t("dev.col.status")}</dt>
        <dd>
          <StatusDot online={d.online} />
        </dd>
        <dt>{t("dev.col.lastConnection")}</dt>
        <dd>{d.lastConnectionMs ? formatDateTime(d.lastConnectionMs, props.time) : t("dev.never")}</dd>
        <dt>{t("dev.remoteAddress")}</dt>
        <dd>{d.remoteAddress || t("common.none")}</dd>
        <dt>{t("dev.col.firmware")}</dt>
        <dd>{d.firmwareVersion || t("common.none")}</dd>
        <dt>{t("dev.model")}</dt>
        <dd>{d.model || t("common.none")}</dd>
        <dt>{t("dev.col.type")}</dt>
        <dd>{deviceTypeLabel(d.deviceType)}</dd>
        <dt>{t("dev.sipNumber")}</dt>
        <dd>{d.sipNumber || t("common.none")}</dd>
      </dl>
      <h3>{t("dev.commands")}</h3>
      {!d.online && <p class="help">{t("dev.offlineNote")}</p>}
      <div class="buttons start">
        {enabled.map(({ r, n }) => (
          <button key={n} type="button" disabled={busy || !d.online} onClick={() => run(() => client(DeviceService).unlockRelay({ deviceId: d.id, relay: n }))}>
            {t("dev.unlock", { relay: r.name || t("dev.relay", { n }) })}
          </button>
        ))}
        {!manager && (
          <>
            <button type="button" disabled={busy || !d.online} onClick={() => setRebooting(true)}>
              {t("dev.reboot")}
            </button>
            <button type="button" disabled={busy || !d.online} onClick={remote} aria-describedby="remote-help">
              {t("dev.remote")}
            </button>
          </>
        )}
      </div>
      {!manager && (
        <p class="help" id="remote-help">
          {t("dev.remote.help")}
        </p>
      )}
      <ConfirmDialog
        open={rebooting}
        message={t("dev.rebootConfirm", { name: d.name })}
        confirmLabel={t("dev.reboot")}
        busy={busy}
        onConfirm={() => {
          setRebooting(false);
          void run(() => client(DeviceService).rebootDevice({ id: d.id }));
        }}
        onCancel={() => setRebooting(false)}
      />
    </section>
  );
}
