// The manual's device Settings: Connection Type (saved, and sent live to an online
// device), the AutoP commands of its file ("Others"), and One-Time AutoP.
import { useState } from "preact/hooks";
import { DeviceService, DeviceSettingsService, SipTransportType, type Device } from "../../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../../api";
import { t } from "../../i18n";
import { FormDialog } from "../../ui/FormDialog";
import { SelectField, TextAreaField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { announce } from "../../ui/Notice";
import { SectionForm, type FieldErrors } from "../../ui/SectionForm";
import { useLoad } from "../../ui/useLoad";

export function DeviceSettings(props: { device: Device }) {
  const d = props.device;
  const settings = useLoad(() => client(DeviceSettingsService).getDeviceSettings({ id: d.id }), [String(d.id)]);
  if (settings.error) return <LoadProblem problem={settings.error} retry={settings.reload} />;
  if (!settings.data) return null;
  return (
    <SettingsFields
      key={String(d.id)}
      device={d}
      transport={String(settings.data.connectionType || SipTransportType.UDP)}
      commands={settings.data.autopCommands}
      pending={settings.data.pendingOneTimeAutop}
      reload={settings.reload}
    />
  );
}

function SettingsFields(props: { device: Device; transport: string; commands: string; pending: string; reload: () => void }) {
  const d = props.device;
  const [transport, setTransport] = useState(props.transport);
  const [commands, setCommands] = useState(props.commands);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [oneTime, setOneTime] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const save = async () => {
    const type = Number(transport) as SipTransportType;
    if (transport !== props.transport) {
      // Saved with the settings and sent to the device now when it is online.
      await client(DeviceService).setDeviceSipTransport({ deviceId: d.id, transport: type });
    }
    const saved = await client(DeviceSettingsService).updateDeviceSettings({ deviceId: d.id, connectionType: type, autopCommands: commands });
    setCommands(saved.autopCommands);
    return t("set.saved", { name: d.name });
  };
  const sendOnce = async () => {
    if (oneTime === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      await client(DeviceSettingsService).addOneTimeAutop({ deviceId: d.id, commands: oneTime });
      announce(t("set.oneTime.sent", { name: d.name }));
      setOneTime(undefined);
      props.reload();
    } catch (err) {
      setError(problem(err).message);
    }
    setBusy(false);
  };
  return (
    <>
      <SectionForm id="device-settings" title={t("set.title")} save={save} fields={{ autop_commands: "commands", connection_type: "transport" }} onErrors={setErrors}>
        <SelectField
          name="transport"
          label={t("set.connectionType")}
          help={t("set.connectionType.help")}
          value={transport}
          onChange={setTransport}
          options={[
            { value: String(SipTransportType.UDP), label: "UDP" },
            { value: String(SipTransportType.TCP), label: "TCP" },
            { value: String(SipTransportType.TLS), label: "TLS" },
          ]}
          error={errors.transport}
        />
        <TextAreaField name="commands" label={t("set.autop")} help={t("set.autop.help")} value={commands} onInput={setCommands} error={errors.commands} />
        {props.pending && (
          <p class="help">
            {t("set.oneTime.pending")} <code>{props.pending}</code>
          </p>
        )}
        <button type="button" onClick={() => (setError(undefined), setOneTime(""))}>
          {t("set.oneTime")}
        </button>
      </SectionForm>
      <FormDialog open={oneTime !== undefined} title={t("set.oneTime")} busy={busy} error={error} onSubmit={sendOnce} onClose={() => setOneTime(undefined)}>
        <TextAreaField name="oneTime" label={t("set.oneTime.commands")} help={t("set.oneTime.help")} value={oneTime ?? ""} onInput={setOneTime} rows={4} />
      </FormDialog>
    </>
  );
}
