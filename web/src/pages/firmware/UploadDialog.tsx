// Upload Firmware: version, models, Version Log, the image and its optional checksum,
// then the transfer with a progress bar. Cancel (or Escape) stops the transfer and the
// server keeps nothing of it.
import { useRef, useState } from "preact/hooks";
import { create } from "@bufbuild/protobuf";
import { FirmwareHeaderSchema } from "../../gen/porter/admin/v1/admin_pb";
import { placeProblem } from "../../api";
import { uploadFirmware, type UploadProgress } from "../../firmwareUpload";
import { t } from "../../i18n";
import { FormDialog } from "../../ui/FormDialog";
import { FileField, TextAreaField, TextField } from "../../ui/fields";
import { announce } from "../../ui/Notice";
import { formatBytes, formatCount } from "../../ui/format";

interface Draft {
  version: string;
  models: string;
  changeLog: string;
  sha256: string;
  file?: File;
}

type Errors = Partial<Record<keyof Draft, string>>;

const EMPTY: Draft = { version: "", models: "", changeLog: "", sha256: "" };
/** The server's field names (porter-field) and the controls that show them. */
const SERVER_FIELDS: Record<string, keyof Draft> = {
  version: "version",
  models: "models",
  change_log: "changeLog",
  sha256: "sha256",
  size: "file",
  image: "file",
};

export function UploadDialog(props: { open: boolean; maxBytes: number; onClose: (uploaded: boolean) => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string>();
  const [progress, setProgress] = useState<UploadProgress>();
  const transfer = useRef<AbortController>();
  const set = (key: Exclude<keyof Draft, "file">) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const max = formatBytes(props.maxBytes);

  const close = (uploaded: boolean) => {
    if (transfer.current) {
      transfer.current.abort();
      transfer.current = undefined;
      announce(t("fw.cancelled"));
    }
    setDraft(EMPTY);
    setErrors({});
    setFormError(undefined);
    setProgress(undefined);
    props.onClose(uploaded);
  };
  const submit = async () => {
    if (transfer.current) return;
    const file = draft.file;
    if (!file) return setErrors({ file: t("fw.noFile") });
    if (props.maxBytes > 0 && file.size > props.maxBytes) {
      return setErrors({ file: t("fw.tooLarge", { size: formatCount(file.size), max: formatCount(props.maxBytes), maxShort: max }) });
    }
    setErrors({});
    setFormError(undefined);
    const header = create(FirmwareHeaderSchema, {
      version: draft.version.trim(),
      models: draft.models
        .split(/[,;\s]+/)
        .map((m) => m.trim())
        .filter(Boolean),
      changeLog: draft.changeLog,
      sha256: draft.sha256.trim(),
      size: BigInt(file.size),
    });
    const controller = new AbortController();
    transfer.current = controller;
    setProgress({ sent: 0, total: file.size });
    try {
      const stored = await uploadFirmware(header, file, setProgress, controller.signal);
      transfer.current = undefined;
      announce(t("fw.uploaded", { version: stored.version, models: stored.models.join(", ") }));
      close(true);
    } catch (err) {
      if (transfer.current !== controller) return;
      transfer.current = undefined;
      setProgress(undefined);
      const { field, message } = placeProblem(err, SERVER_FIELDS);
      if (field) setErrors({ [field]: message });
      else setFormError(message);
    }
  };

  const busy = progress !== undefined;
  return (
    <FormDialog open={props.open} title={t("fw.upload")} busy={busy} error={formError} onSubmit={submit} onClose={() => close(false)}>
      <TextField name="version" required label={t("fw.version")} help={t("fw.version.help")} value={draft.version} onInput={set("version")} maxLength={64} error={errors.version} disabled={busy} />
      <TextField name="models" required label={t("fw.models")} help={t("fw.models.help")} value={draft.models} onInput={set("models")} error={errors.models} disabled={busy} />
      <TextAreaField name="changeLog" label={t("fw.log")} help={t("fw.log.help")} value={draft.changeLog} onInput={set("changeLog")} rows={4} error={errors.changeLog} disabled={busy} />
      <FileField
        name="file"
        required
        label={t("fw.file")}
        help={t("fw.file.help", { max })}
        onChange={(file) => setDraft((d) => ({ ...d, file }))}
        error={errors.file}
        disabled={busy}
      />
      <TextField name="sha256" label={t("fw.checksum")} help={t("fw.checksum.help")} value={draft.sha256} onInput={set("sha256")} maxLength={64} error={errors.sha256} disabled={busy} />
      {progress && <ProgressBar progress={progress} />}
    </FormDialog>
  );
}

function ProgressBar(props: { progress: UploadProgress }) {
  const { sent, total } = props.progress;
  const percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
  const done = total > 0 && sent >= total;
  return (
    <div class="progress" role="status">
      <progress max={100} value={percent} aria-label={t("fw.progress")} />
      <p>{done ? t("fw.checking") : t("fw.progressText", { sent: formatBytes(sent), total: formatBytes(total), percent })}</p>
    </div>
  );
}
