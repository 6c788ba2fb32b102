// The import template: download it (XLSX or CSV) from the dashboard, and import a filled
// one into a community. All or nothing: a refused file shows every bad row (row, column,
// rule) and nothing was written.
import { useState } from "preact/hooks";
import {
  FeaturePlan,
  TemplateFormat,
  TemplateService,
  type Community,
  type ImportTemplateResponse,
} from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { t } from "../i18n";
import { FormDialog } from "../ui/FormDialog";
import { FileField, SPREADSHEETS } from "../ui/fields";
import { announce } from "../ui/Notice";
import { saveFile } from "../ui/saveFile";
import { RowErrors } from "../ui/RowErrors";

const MAX_BYTES = 16 << 20;

export function TemplateDownload() {
  const download = async (format: TemplateFormat) => {
    try {
      const file = await client(TemplateService).downloadTemplate({ format });
      saveFile(file.content, file.filename, file.contentType);
    } catch (err) {
      announce(problem(err).message, "error");
    }
  };
  return (
    <div class="template-download" role="group" aria-label={t("template.download")}>
      <span>{t("template.download")}:</span>
      <button type="button" class="small" onClick={() => download(TemplateFormat.XLSX)}>
        {t("template.downloadXlsx")}
      </button>
      <button type="button" class="small" onClick={() => download(TemplateFormat.CSV)}>
        {t("template.downloadCsv")}
      </button>
    </div>
  );
}

export function TemplateImportDialog(props: { community?: Community; onClose: (imported: boolean) => void }) {
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [refused, setRefused] = useState<ImportTemplateResponse>();
  const community = props.community;

  const submit = async () => {
    if (!community) return;
    setRefused(undefined);
    if (!file) return setError(t("template.noFile"));
    if (file.size > MAX_BYTES) return setError(t("template.tooLarge"));
    setBusy(true);
    setError(undefined);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const result = await client(TemplateService).importTemplate({ communityId: community.id, file: bytes });
      if (result.committed) {
        announce(
          t("template.imported", {
            name: community.name,
            buildings: result.buildingsCreated,
            apartments: result.apartments,
            residents: result.residents,
            devices: result.devices,
          }),
        );
        setFile(undefined);
        props.onClose(true);
      } else {
        setRefused(result);
      }
    } catch (err) {
      setError(problem(err).message);
    }
    setBusy(false);
  };

  return (
    <FormDialog
      open={community !== undefined}
      title={community ? t("template.importTitle", { name: community.name }) : ""}
      busy={busy}
      error={error}
      onSubmit={submit}
      onClose={() => {
        setRefused(undefined);
        setError(undefined);
        props.onClose(false);
      }}
    >
      <FileField
        name="file"
        label={t("template.file")}
        accept={SPREADSHEETS}
        help={`${t("template.file.help")} ${t("template.macNote")}`}
        onChange={(f) => {
          setRefused(undefined);
          setFile(f);
        }}
      />
      {community?.featurePlan === FeaturePlan.BASIC && <p class="help">{t("template.basicNote")}</p>}
      {busy && <p aria-busy="true">{t("template.importing")}</p>}
      {refused && <RowErrors errors={refused.errors} />}
    </FormDialog>
  );
}
