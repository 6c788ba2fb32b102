// The manual's Firmware module: the installer's images (Version, Model, Version Log,
// Created Time), filtered by model, each with its details; upload a new one, delete one
// no upgrade uses.
import { useState } from "preact/hooks";
import { FirmwareService, type Firmware } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { navigate, useLocation } from "../../router";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { InfoDialog } from "../../ui/InfoDialog";
import { TextField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { SortableTable } from "../../ui/SortableTable";
import { accountTimeStyle, formatBytes, formatDateTime, type TimeStyle } from "../../ui/format";
import { useEditor } from "../../ui/useEditor";
import { useLoad } from "../../ui/useLoad";
import { UploadDialog } from "./UploadDialog";
import { SearchForm } from "../../ui/SearchForm";

const models = (f: Firmware) => f.models.join(", ");

export function FirmwarePage() {
  const { query } = useLocation();
  const model = query.get("model") ?? "";
  const [typed, setTyped] = useState(model);
  const [uploading, setUploading] = useState(false);
  const [shown, setShown] = useState<Firmware>();
  const list = useLoad(() => client(FirmwareService).listFirmware({ model }), [model]);
  const editor = useEditor<object, Firmware>({
    changed: list.reload,
    remove: async (f) => {
      await client(FirmwareService).deleteFirmware({ firmwareId: f.id });
      return t("fw.deleted", { version: f.version });
    },
  });
  const time = accountTimeStyle();

  return (
    <>
      <div class="page-head">
        <h1>{t("fw.title")}</h1>
        <button type="button" onClick={() => setUploading(true)} disabled={!list.data}>
          {t("fw.upload")}
        </button>
      </div>
      <SearchForm
        onSearch={() => {
          const m = typed.trim();
          navigate(m ? `/firmware?model=${encodeURIComponent(m)}` : "/firmware");
        }}
      >
        <TextField name="model" type="search" label={t("fw.model")} help={t("fw.model.help")} value={typed} onInput={setTyped} />
      </SearchForm>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <SortableTable
          caption={t("fw.title")}
          rows={list.data.firmware}
          rowKey={(f) => String(f.id)}
          initialSort={{ key: "created", descending: true }}
          empty={t("fw.empty")}
          columns={[
            { key: "version", label: t("fw.col.version"), cell: (f) => f.version, sortValue: (f) => f.version },
            { key: "model", label: t("fw.col.model"), cell: models, sortValue: models },
            { key: "log", label: t("fw.col.log"), cell: (f) => <span class="clip">{f.changeLog.split("\n")[0] || t("common.none")}</span> },
            { key: "created", label: t("fw.col.created"), cell: (f) => formatDateTime(f.createdAtMs, time), sortValue: (f) => Number(f.createdAtMs) },
            {
              key: "actions",
              label: t("common.actions"),
              className: "actions",
              cell: (f) => (
                <>
                  <button type="button" class="small" aria-label={t("fw.details", { version: f.version })} onClick={() => setShown(f)}>
                    {t("common.details")}
                  </button>
                  <button type="button" class="small danger" aria-label={t("fw.delete", { version: f.version })} onClick={() => editor.askRemove(f)}>
                    {t("common.delete")}
                  </button>
                </>
              ),
            },
          ]}
        />
      )}
      {list.data && (
        <UploadDialog
          open={uploading}
          maxBytes={Number(list.data.maxImageBytes)}
          onClose={(uploaded) => {
            setUploading(false);
            if (uploaded) list.reload();
          }}
        />
      )}
      <FirmwareDetails firmware={shown} time={time} onClose={() => setShown(undefined)} />
      <ConfirmDialog
        {...editor.confirm}
        message={editor.doomed ? t("fw.deleteConfirm", { version: editor.doomed.version, models: models(editor.doomed) }) : ""}
        confirmLabel={t("common.delete")}
      />
    </>
  );
}

/** Everything about one image: the manual's "detailed firmware information". */
function FirmwareDetails(props: { firmware?: Firmware; time: TimeStyle; onClose: () => void }) {
  const f = props.firmware;
  return (
    <InfoDialog open={f !== undefined} title={f ? t("fw.detailsTitle", { version: f.version }) : ""} onClose={props.onClose}>
      {f && (
        <dl class="facts">
          <dt>{t("fw.col.model")}</dt>
          <dd>{models(f)}</dd>
          <dt>{t("fw.col.created")}</dt>
          <dd>{formatDateTime(f.createdAtMs, props.time)}</dd>
          <dt>{t("fw.size")}</dt>
          <dd>{formatBytes(f.size)}</dd>
          <dt>{t("fw.sha256")}</dt>
          <dd>
            <code class="wrap">{f.sha256}</code>
          </dd>
          <dt>{t("fw.col.log")}</dt>
          <dd>
            <pre class="log">{f.changeLog || t("common.none")}</pre>
          </dd>
        </dl>
      )}
    </InfoDialog>
  );
}
