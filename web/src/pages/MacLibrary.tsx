// The MAC Library module: the installer's MACs (devices can only be added with one of
// them), searched and paged by the server; add one, import a CSV/XLSX list (every bad row
// shown, nothing written), delete an unused one.
import { useState } from "preact/hooks";
import { MacLibraryService, type ImportMacsResponse, type MacEntry } from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { t } from "../i18n";
import { navigate, useLocation } from "../router";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { FormDialog } from "../ui/FormDialog";
import { FileField, SPREADSHEETS, TextField } from "../ui/fields";
import { LoadProblem } from "../ui/LoadProblem";
import { announce } from "../ui/Notice";
import { Pager } from "../ui/Pager";
import { RowErrors } from "../ui/RowErrors";
import { SortableTable } from "../ui/SortableTable";
import { accountTimeStyle, formatDateTime } from "../ui/format";
import { useEditor } from "../ui/useEditor";
import { useLoad } from "../ui/useLoad";
import { SearchForm } from "../ui/SearchForm";

const MAX_BYTES = 16 << 20;

export function MacLibrary() {
  const { query } = useLocation();
  const search = query.get("q") ?? "";
  const page = Math.max(1, Number.parseInt(query.get("page") ?? "1", 10) || 1);
  const size = [10, 20, 50, 100].includes(Number(query.get("size"))) ? Number(query.get("size")) : 20;
  const go = (changes: { q?: string; page?: number; size?: number }) => {
    const q = new URLSearchParams();
    const next = { q: search, page, size, ...changes };
    if (next.q) q.set("q", next.q);
    if (next.page > 1) q.set("page", String(next.page));
    if (next.size !== 20) q.set("size", String(next.size));
    navigate(`/macs${q.toString() ? `?${q}` : ""}`);
  };
  const list = useLoad(() => client(MacLibraryService).listMacs({ search, page: { page, pageSize: size } }), [search, page, size]);
  const [typed, setTyped] = useState(search);
  const editor = useEditor<{ mac: string }, MacEntry>({
    fields: { mac: "mac" },
    changed: list.reload,
    save: async ({ mac }) => {
      const entry = await client(MacLibraryService).addMac({ mac });
      return t("mac.added", { mac: entry.mac });
    },
    remove: async (entry) => {
      await client(MacLibraryService).deleteMac({ mac: entry.mac });
      return t("mac.deleted", { mac: entry.mac });
    },
  });
  const [importing, setImporting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [file, setFile] = useState<File>();
  const [refused, setRefused] = useState<ImportMacsResponse>();
  const time = accountTimeStyle();

  const upload = async () => {
    setRefused(undefined);
    if (!file) return setError(t("template.noFile"));
    if (file.size > MAX_BYTES) return setError(t("template.tooLarge"));
    setBusy(true);
    setError(undefined);
    try {
      const answer = await client(MacLibraryService).importMacs({ file: new Uint8Array(await file.arrayBuffer()) });
      if (answer.committed) {
        announce(t("mac.imported", { added: answer.added.length, present: answer.alreadyPresent.length }));
        setImporting(false);
        setFile(undefined);
        list.reload();
      } else {
        setRefused(answer);
      }
    } catch (err) {
      setError(problem(err).message);
    }
    setBusy(false);
  };

  return (
    <>
      <div class="page-head">
        <h1>{t("mac.title")}</h1>
        <div class="buttons start">
          <button type="button" onClick={() => editor.open({ mac: "" })}>
            {t("mac.add")}
          </button>
          <button type="button" onClick={() => (setError(undefined), setRefused(undefined), setImporting(true))}>
            {t("mac.import")}
          </button>
        </div>
      </div>
      <SearchForm onSearch={() => go({ q: typed.trim(), page: 1 })}>
        <TextField name="q" type="search" label={t("mac.search")} help={t("mac.search.help")} value={typed} onInput={setTyped} />
      </SearchForm>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <>
          <SortableTable
            caption={t("mac.title")}
            rows={list.data.entries}
            rowKey={(e) => e.mac}
            initialSort={{ key: "mac" }}
            empty={t("mac.empty")}
            columns={[
              { key: "mac", label: t("mac.col.mac"), cell: (e) => <code>{e.mac}</code>, sortValue: (e) => e.mac },
              { key: "owner", label: t("mac.col.owner"), cell: (e) => e.owner || t("mac.unused"), sortValue: (e) => e.owner },
              { key: "created", label: t("mac.col.created"), cell: (e) => formatDateTime(e.createdAtMs, time), sortValue: (e) => Number(e.createdAtMs) },
              {
                key: "actions",
                label: t("common.actions"),
                className: "actions",
                cell: (e) => (
                  <button type="button" class="small danger" aria-label={t("mac.delete", { mac: e.mac })} onClick={() => editor.askRemove(e)}>
                    {t("common.delete")}
                  </button>
                ),
              },
            ]}
          />
          <Pager page={page} size={size} total={list.data.total} onChange={(p, s) => go({ page: p, size: s })} />
        </>
      )}
      <FormDialog {...editor.dialog} title={t("mac.add")}>
        <TextField
          name="mac"
          required
          label={t("mac.addField")}
          help={t("mac.addField.help")}
          value={editor.draft?.mac ?? ""}
          onInput={editor.set("mac")}
          maxLength={17}
          error={editor.errors.mac}
        />
      </FormDialog>
      <FormDialog open={importing} title={t("mac.importTitle")} busy={busy} error={error} onSubmit={upload} onClose={() => setImporting(false)}>
        <FileField
          name="file"
          label={t("mac.importFile")}
          accept={SPREADSHEETS}
          help={t("mac.importFile.help")}
          onChange={(f) => {
            setRefused(undefined);
            setFile(f);
          }}
        />
        {refused && <RowErrors errors={refused.errors} />}
      </FormDialog>
      <ConfirmDialog {...editor.confirm} message={editor.doomed ? t("mac.deleteConfirm", { mac: editor.doomed.mac }) : ""} confirmLabel={t("common.delete")} />
    </>
  );
}
