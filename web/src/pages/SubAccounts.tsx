// The dashboard's Sub-account List: sub-installers see and change exactly what their
// installer does, each with a login of its own. New, edit (email, phone, password) and
// delete after confirming.
import { AccountRole, AccountService, type AccountInfo } from "../gen/porter/admin/v1/admin_pb";
import { client } from "../api";
import { t } from "../i18n";
import { currentSession } from "../session";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { FormDialog } from "../ui/FormDialog";
import { TextField } from "../ui/fields";
import { LoadProblem } from "../ui/LoadProblem";
import { SortableTable } from "../ui/SortableTable";
import { useEditor } from "../ui/useEditor";
import { useLoad } from "../ui/useLoad";

interface Draft {
  id?: bigint;
  username: string;
  email: string;
  phone: string;
  password: string;
}

const EMPTY: Draft = { username: "", email: "", phone: "", password: "" };

export function SubAccounts() {
  // Sub-installers cannot manage sub-accounts; the list is the installer's.
  if (currentSession()?.account.role === AccountRole.SUB_INSTALLER) return null;
  return <SubAccountList />;
}

function SubAccountList() {
  const list = useLoad(() => client(AccountService).listSubInstallers({}), []);
  const editor = useEditor<Draft, AccountInfo>({
    fields: { username: "username", email: "email", phone: "phone", password: "password" },
    changed: list.reload,
    save: async (draft) => {
      if (draft.id !== undefined) {
        await client(AccountService).updateSubInstaller({
          id: draft.id,
          email: draft.email,
          phone: draft.phone,
          password: draft.password || undefined,
        });
        return t("subAccounts.saved", { name: draft.username });
      }
      const made = await client(AccountService).createSubInstaller(draft);
      const name = made.account?.username ?? draft.username;
      return made.generatedPassword
        ? t("subAccounts.generated", { name, password: made.generatedPassword })
        : t("subAccounts.created", { name });
    },
    remove: async (account) => {
      await client(AccountService).deleteSubInstaller({ id: account.id });
      return t("subAccounts.deleted", { name: account.username });
    },
  });
  const { draft, set, errors, doomed } = editor;

  return (
    <section aria-labelledby="sub-accounts-title">
      <div class="page-head">
        <h2 id="sub-accounts-title">{t("subAccounts.title")}</h2>
        <button type="button" onClick={() => editor.open(EMPTY)}>
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
                    onClick={() => editor.open({ id: a.id, username: a.username, email: a.email, phone: a.phone, password: "" })}
                  >
                    {t("common.edit")}
                  </button>
                  <button type="button" class="small danger" aria-label={t("subAccounts.deleteOne", { name: a.username })} onClick={() => editor.askRemove(a)}>
                    {t("common.delete")}
                  </button>
                </>
              ),
            },
          ]}
        />
      )}
      <FormDialog {...editor.dialog} title={draft?.id === undefined ? t("subAccounts.new") : t("subAccounts.edit")}>
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
      <ConfirmDialog {...editor.confirm} message={doomed ? t("subAccounts.deleteConfirm", { name: doomed.username }) : ""} confirmLabel={t("common.delete")} />
    </section>
  );
}
