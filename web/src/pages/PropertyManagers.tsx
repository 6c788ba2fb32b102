// The dashboard's Property Manager List (new, edit, reset password, delete) and, per
// community, who manages it with which permissions (App, Delete Account Permission, Log
// Access Control).
import { useEffect, useState } from "preact/hooks";
import {
  Language,
  PropertyManagerService,
  type Community,
  type PropertyManager,
  type PropertyManagerPermissions,
} from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { t } from "../i18n";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { FormDialog } from "../ui/FormDialog";
import { CheckField, SelectField, TextField } from "../ui/fields";
import { LoadProblem } from "../ui/LoadProblem";
import { announce } from "../ui/Notice";
import { SortableTable } from "../ui/SortableTable";
import { languageOptions } from "../ui/languages";
import { useEditor } from "../ui/useEditor";
import { useLoad } from "../ui/useLoad";

interface Draft {
  id?: bigint;
  firstName: string;
  lastName: string;
  email: string;
  language: string;
  reminder: boolean;
}

const EMPTY: Draft = { firstName: "", lastName: "", email: "", language: String(Language.ENGLISH), reminder: false };
const SERVER_FIELDS: Record<string, keyof Draft> = {
  first_name: "firstName",
  last_name: "lastName",
  email: "email",
  language: "language",
};
const fullName = (pm: PropertyManager) => `${pm.firstName} ${pm.lastName}`.trim();

export function PropertyManagers(props: { changed: () => void; version: number }) {
  const list = useLoad(() => client(PropertyManagerService).listPropertyManagers({}), [props.version]);
  const [resetting, setResetting] = useState<PropertyManager>();
  const editor = useEditor<Draft, PropertyManager>({
    fields: SERVER_FIELDS,
    changed: props.changed,
    save: async (draft) => {
      const fields = {
        firstName: draft.firstName,
        lastName: draft.lastName,
        language: Number(draft.language) as Language,
        monthlyPasswordReminder: draft.reminder,
      };
      if (draft.id !== undefined) {
        const saved = await client(PropertyManagerService).updatePropertyManager({ id: draft.id, ...fields });
        return t("pm.saved", { name: fullName(saved) });
      }
      const made = await client(PropertyManagerService).createPropertyManager({ ...fields, email: draft.email });
      const name = made.propertyManager ? fullName(made.propertyManager) : draft.firstName;
      return t("pm.created", { name, password: made.generatedPassword });
    },
    remove: async (pm) => {
      await client(PropertyManagerService).deletePropertyManager({ id: pm.id });
      return t("pm.deleted", { name: fullName(pm) });
    },
  });
  const { draft, set, errors, doomed } = editor;
  const reset = () => {
    const pm = resetting!;
    setResetting(undefined);
    return editor.act(async () => {
      const answer = await client(PropertyManagerService).resetPropertyManagerPassword({ id: pm.id });
      return t("pm.reset", { name: fullName(pm), password: answer.generatedPassword });
    });
  };

  return (
    <section aria-labelledby="pm-title">
      <div class="page-head">
        <h2 id="pm-title">{t("pm.title")}</h2>
        <button type="button" onClick={() => editor.open(EMPTY)}>
          {t("pm.new")}
        </button>
      </div>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <SortableTable
          caption={t("pm.title")}
          rows={list.data.propertyManagers}
          rowKey={(pm) => String(pm.id)}
          initialSort={{ key: "name" }}
          empty={t("pm.empty")}
          columns={[
            { key: "name", label: t("pm.name"), cell: fullName, sortValue: fullName },
            { key: "email", label: t("pm.email"), cell: (pm) => pm.email, sortValue: (pm) => pm.email },
            {
              key: "communities",
              label: t("pm.communities"),
              cell: (pm) => pm.assignments.map((a) => a.communityName).join(", ") || t("common.none"),
            },
            {
              key: "actions",
              label: t("common.actions"),
              className: "actions",
              cell: (pm) => (
                <>
                  <button
                    type="button"
                    class="small"
                    aria-label={t("pm.editOne", { name: fullName(pm) })}
                    onClick={() =>
                      editor.open({
                        id: pm.id,
                        firstName: pm.firstName,
                        lastName: pm.lastName,
                        email: pm.email,
                        language: String(pm.language || Language.ENGLISH),
                        reminder: pm.monthlyPasswordReminder,
                      })
                    }
                  >
                    {t("common.edit")}
                  </button>
                  <button type="button" class="small danger" aria-label={t("pm.deleteOne", { name: fullName(pm) })} onClick={() => editor.askRemove(pm)}>
                    {t("common.delete")}
                  </button>
                </>
              ),
            },
          ]}
        />
      )}
      <FormDialog {...editor.dialog} title={draft?.id === undefined ? t("pm.new") : t("pm.edit")}>
        {draft && (
          <>
            <TextField name="firstName" required label={t("pm.firstName")} value={draft.firstName} onInput={set("firstName")} error={errors.firstName} />
            <TextField name="lastName" required label={t("pm.lastName")} value={draft.lastName} onInput={set("lastName")} error={errors.lastName} />
            <TextField
              name="email"
              type="email"
              required
              label={t("pm.email")}
              value={draft.email}
              onInput={set("email")}
              disabled={draft.id !== undefined}
              lockedReason={t("pm.email.locked")}
              error={errors.email}
            />
            <SelectField
              name="language"
              label={t("pm.language")}
              help={t("pm.language.help")}
              value={draft.language}
              onChange={set("language")}
              options={languageOptions()}
              error={errors.language}
            />
            <CheckField name="reminder" label={t("pm.reminder")} help={t("pm.reminder.help")} checked={draft.reminder} onChange={set("reminder")} />
            {draft.id !== undefined && (
              <button
                type="button"
                onClick={() => {
                  const pm = list.data?.propertyManagers.find((p) => p.id === draft.id);
                  editor.close();
                  setResetting(pm);
                }}
              >
                {t("pm.resetPassword")}
              </button>
            )}
          </>
        )}
      </FormDialog>
      <ConfirmDialog {...editor.confirm} message={doomed ? t("pm.deleteConfirm", { name: fullName(doomed) }) : ""} confirmLabel={t("common.delete")} />
      <ConfirmDialog
        open={resetting !== undefined}
        message={resetting ? t("pm.resetConfirm", { name: fullName(resetting) }) : ""}
        confirmLabel={t("pm.resetPassword")}
        busy={editor.busy}
        onConfirm={reset}
        onCancel={() => setResetting(undefined)}
      />
    </section>
  );
}

interface Assignment {
  id: bigint;
  name: string;
  permissions: { appEnabled: boolean; deleteAccounts: boolean; logAccess: boolean };
}

/** Who manages `community`, with which permissions: changed here, saved on Submit. */
export function CommunityManagersDialog(props: { community?: Community; onClose: (changed: boolean) => void }) {
  const community = props.community;
  const [all, setAll] = useState<PropertyManager[]>([]);
  const [chosen, setChosen] = useState<Assignment[]>([]);
  const [adding, setAdding] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!community) return;
    setError(undefined);
    client(PropertyManagerService)
      .listPropertyManagers({})
      .then((answer) => {
        setAll(answer.propertyManagers);
        setChosen(
          answer.propertyManagers.flatMap((pm) =>
            pm.assignments
              .filter((a) => a.communityId === community.id)
              .map((a) => ({ id: pm.id, name: fullName(pm), permissions: plain(a.permissions) })),
          ),
        );
      })
      .catch((err) => setError(problem(err).message));
  }, [community?.id]);

  const candidates = all.filter((pm) => !chosen.some((c) => c.id === pm.id));
  const submit = async () => {
    if (!community) return;
    setBusy(true);
    setError(undefined);
    try {
      const before = all.filter((pm) => pm.assignments.some((a) => a.communityId === community.id));
      for (const pm of before) {
        if (!chosen.some((c) => c.id === pm.id)) {
          await client(PropertyManagerService).unassignPropertyManager({ communityId: community.id, propertyManagerId: pm.id });
        }
      }
      for (const c of chosen) {
        await client(PropertyManagerService).assignPropertyManager({
          communityId: community.id,
          propertyManagerId: c.id,
          permissions: c.permissions,
        });
      }
      announce(t("pm.assignSaved", { name: community.name }));
      props.onClose(true);
    } catch (err) {
      setError(problem(err).message);
    }
    setBusy(false);
  };
  const setPermission = (id: bigint, key: keyof Assignment["permissions"], value: boolean) =>
    setChosen((list) => list.map((c) => (c.id === id ? { ...c, permissions: { ...c.permissions, [key]: value } } : c)));

  return (
    <FormDialog
      open={community !== undefined}
      title={community ? t("pm.assignTitle", { name: community.name }) : ""}
      busy={busy}
      error={error}
      onSubmit={submit}
      onClose={() => props.onClose(false)}
    >
      <h3>{t("pm.assigned")}</h3>
      {chosen.length === 0 && <p class="help">{t("pm.noneAssigned")}</p>}
      <ul class="assignments">
        {chosen.map((c) => (
          <li key={String(c.id)}>
            <fieldset class="group">
              <legend>{c.name}</legend>
              <CheckField name={`app-${c.id}`} label={t("pm.app")} help={t("pm.app.help")} checked={c.permissions.appEnabled} onChange={(v) => setPermission(c.id, "appEnabled", v)} />
              <CheckField
                name={`delete-${c.id}`}
                label={t("pm.deleteAccounts")}
                help={t("pm.deleteAccounts.help")}
                checked={c.permissions.deleteAccounts}
                onChange={(v) => setPermission(c.id, "deleteAccounts", v)}
              />
              <CheckField
                name={`logs-${c.id}`}
                label={t("pm.logAccess")}
                help={t("pm.logAccess.help")}
                checked={c.permissions.logAccess}
                onChange={(v) => setPermission(c.id, "logAccess", v)}
              />
              <button type="button" class="small danger" aria-label={t("pm.removeOne", { name: c.name })} onClick={() => setChosen((l) => l.filter((x) => x.id !== c.id))}>
                {t("pm.remove")}
              </button>
            </fieldset>
          </li>
        ))}
      </ul>
      {candidates.length > 0 && (
        <div class="add-row">
          <SelectField
            name="add"
            label={t("pm.addWho")}
            value={adding}
            onChange={setAdding}
            options={[{ value: "", label: "—" }, ...candidates.map((pm) => ({ value: String(pm.id), label: `${fullName(pm)} (${pm.email})` }))]}
          />
          <button
            type="button"
            disabled={!adding}
            onClick={() => {
              const pm = candidates.find((p) => String(p.id) === adding);
              if (pm) setChosen((l) => [...l, { id: pm.id, name: fullName(pm), permissions: { appEnabled: false, deleteAccounts: false, logAccess: false } }]);
              setAdding("");
            }}
          >
            {t("pm.add")}
          </button>
        </div>
      )}
    </FormDialog>
  );
}

function plain(p?: PropertyManagerPermissions) {
  return { appEnabled: p?.appEnabled ?? false, deleteAccounts: p?.deleteAccounts ?? false, logAccess: p?.logAccess ?? false };
}
