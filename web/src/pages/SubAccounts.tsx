// The dashboard's Sub-account List: sub-installers see and change exactly what their
// installer does, each with a login of its own. New, edit (email, phone, password) and
// delete after confirming.
import { useState } from "preact/hooks";
import { AccountRole, AccountService, type AccountInfo } from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { t } from "../i18n";
import { currentSession } from "../session";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { FormDialog } from "../ui/FormDialog";
import { TextField } from "../ui/fields";
import { LoadProblem } from "../ui/LoadProblem";
import { announce } from "../ui/Notice";
import { SortableTable } from "../ui/SortableTable";
import { useLoad } from "../ui/useLoad";

interface Draft {
  id?: bigint;
  username: string;
  email: string;
  phone: string;
  password: string;
}

const EMPTY: Draft = { username: "", email: "", phone: "", password: "" };
const SERVER_FIELDS: Record<string, keyof Draft> = { username: "username", email: "email", phone: "phone", password: "password" };

export function SubAccounts() {
  // Sub-installers cannot manage sub-accounts; the list is the installer's.
  if (currentSession()?.account.role === AccountRole.SUB_INSTALLER) return null;
  return <SubAccountList />;
}

function SubAccountList() {
  const list = useLoad(() => client(AccountService).listSubInstallers({}), []);
  const [draft, setDraft] = useState<Draft>();
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [doomed, setDoomed] = useState<AccountInfo>();

  const open = (d: Draft) => {
    setErrors({});
    setFormError(undefined);
    setDraft(d);
  };
  const set = (key: keyof Draft) => (value: string) => setDraft((d) => d && { ...d, [key]: value });
  const save = async () => {
    if (!draft) return;
    setBusy(true);
    setErrors({});
    setFormError(undefined);
    try {
      if (draft.id === undefined) {
        const made = await client(AccountService).createSubInstaller(draft);
        const name = made.account?.username ?? draft.username;
        announce(
          made.generatedPassword
            ? t("subAccounts.generated", { name, password: made.generatedPassword })
            : t("subAccounts.created", { name }),
        );
      } else {
        await client(AccountService).updateSubInstaller({
          id: draft.id,
          email: draft.email,
          phone: draft.phone,
          password: draft.password || undefined,
        });
        announce(t("subAccounts.saved", { name: draft.username }));
      }
      setDraft(undefined);
      list.reload();
    } catch (err) {
      const p = problem(err);
      const field = p.field ? SERVER_FIELDS[p.field] : undefined;
      if (field) setErrors({ [field]: p.message });
      else setFormError(p.message);
    }
    setBusy(false);
  };
  const remove = async () => {
    if (!doomed) return;
    setBusy(true);
    try {
      await client(AccountService).deleteSubInstaller({ id: doomed.id });
      announce(t("subAccounts.deleted", { name: doomed.username }));
      list.reload();
    } catch (err) {
      announce(problem(err).message, "error");
    }
    setBusy(false);
    setDoomed(undefined);
  };

  return (
    <section aria-labelledby="sub-accounts-title">
      <div class="page-head">
        <h2 id="sub-accounts-title">{t("subAccounts.title")}</h2>
        <button type="button" onClick={() => open(EMPTY)}>
          {t("subAccounts.new")}
        </button>
      </div>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <SortableTable
          caption={t("subAccounts.title")}
          rows={list.data.accounts}
          rowKey={(a) => String(a.id)}
          initialSort={{ key: "account" }}
          empty={t("subAccounts.empty")}
          columns={[
            { key: "account", label: t("subAccounts.account"), cell: (a) => a.username, sortValue: (a) => a.username },
            { key: "email", label: t("subAccounts.email"), cell: (a) => a.email || t("common.none"), sortValue: (a) => a.email },
            { key: "phone", label: t("subAccounts.phone"), cell: (a) => a.phone || t("common.none"), sortValue: (a) => a.phone },
            {
              key: "actions",
              label: t("common.actions"),
              className: "actions",
              cell: (a) => (
                <>
                  <button
                    type="button"
                    class="small"
                    aria-label={t("subAccounts.editOne", { name: a.username })}
                    onClick={() => open({ id: a.id, username: a.username, email: a.email, phone: a.phone, password: "" })}
                  >
                    {t("common.edit")}
                  </button>
                  <button type="button" class="small danger" aria-label={t("subAccounts.deleteOne", { name: a.username })} onClick={() => setDoomed(a)}>
                    {t("common.delete")}
                  </button>
                </>
              ),
            },
          ]}
        />
      )}
      <FormDialog
        open={draft !== undefined}
        title={draft?.id === undefined ? t("subAccounts.new") : t("subAccounts.edit")}
        busy={busy}
        error={formError}
        onSubmit={save}
        onClose={() => setDraft(undefined)}
      >
        {draft && (
          <>
            <TextField
              name="username"
              required
              label={t("subAccounts.account")}
              value={draft.username}
              onInput={set("username")}
              disabled={draft.id !== undefined}
              autocomplete="off"
              error={errors.username}
            />
            <TextField name="email" type="email" label={t("subAccounts.email")} value={draft.email} onInput={set("email")} error={errors.email} />
            <TextField name="phone" type="tel" label={t("subAccounts.phone")} value={draft.phone} onInput={set("phone")} error={errors.phone} />
            <TextField
              name="password"
              type="password"
              autocomplete="new-password"
              label={t("subAccounts.password")}
              help={draft.id === undefined ? t("subAccounts.password.help") : t("subAccounts.password.editHelp")}
              value={draft.password}
              onInput={set("password")}
              error={errors.password}
            />
          </>
        )}
      </FormDialog>
      <ConfirmDialog
        open={doomed !== undefined}
        message={doomed ? t("subAccounts.deleteConfirm", { name: doomed.username }) : ""}
        confirmLabel={t("common.delete")}
        busy={busy}
        onConfirm={remove}
        onCancel={() => setDoomed(undefined)}
      />
    </section>
  );
}
