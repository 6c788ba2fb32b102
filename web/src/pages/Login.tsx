import { useState } from "preact/hooks";
import { AuthService } from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { startSession, type EndReason } from "../session";
import { t } from "../i18n";
import { TextField, FormErrors } from "../ui/fields";
import { LanguageSwitch } from "../ui/LanguageSwitch";

export function Login(props: { ended?: EndReason; onLoggedIn: (passwordReminder: boolean) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await client(AuthService).login({ username, password });
      if (!answer.account) throw new Error("the login answer has no account");
      startSession({
        token: answer.token,
        expiresAtMs: Number(answer.expiresAtMs),
        account: answer.account,
      });
      props.onLoggedIn(answer.account.passwordReminderDue);
    } catch (err) {
      setError(problem(err).message);
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <div class="login-box">
        <div class="login-head">
          <h1>{t("login.title")}</h1>
          <LanguageSwitch />
        </div>
        {props.ended && (
          <div class="notice info" role="status">
            {props.ended === "expired" ? t("login.expired") : t("login.loggedOut")}
          </div>
        )}
        <form onSubmit={submit} aria-busy={busy}>
          <FormErrors message={error} />
          <TextField
            name="username"
            label={t("login.username")}
            value={username}
            onInput={setUsername}
            autocomplete="username"
            required
          />
          <TextField
            name="password"
            type="password"
            label={t("login.password")}
            value={password}
            onInput={setPassword}
            autocomplete="current-password"
            required
          />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("login.busy") : t("login.submit")}
          </button>
          <p class="help">{t("login.hint")}</p>
        </form>
      </div>
    </main>
  );
}
