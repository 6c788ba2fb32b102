import { useState } from "preact/hooks";
import { AuthService } from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { startSession, type EndReason } from "../session";
import { t } from "../i18n";
import { TextField, FormErrors } from "../ui/fields";
import { LoginBox } from "../ui/LoginBox";

export function Login(props: { ended?: EndReason; onLoggedIn: (passwordReminder: boolean) => void }) {
  const [forgot, setForgot] = useState(false);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  // Set once the password is right and the account has two-factor login.
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await client(AuthService).login({ username, password, code });
      if (answer.codeRequired) {
        setNeedsCode(true);
        setBusy(false);
        return;
      }
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

  if (forgot) return <ForgotPassword email={username} onBack={() => setForgot(false)} />;

  return (
    <LoginBox title={t("login.title")}>
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
        {needsCode && (
          <TextField
            name="code"
            label={t("login.code")}
            help={t("login.code.help")}
            value={code}
            onInput={setCode}
            autocomplete="one-time-code"
            required
          />
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("login.busy") : t("login.submit")}
        </button>
        <p class="help">{t("login.hint")}</p>
        <button type="button" class="link" onClick={() => setForgot(true)}>
          {t("login.forgot")}
        </button>
      </form>
    </LoginBox>
  );
}

// "Forgot password": a property manager asks for a link by email. The answer is the same
// whether or not the address has an account.
function ForgotPassword(props: { email: string; onBack: () => void }) {
  const [email, setEmail] = useState(props.email.includes("@") ? props.email : "");
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client(AuthService).forgotPassword({ email });
      setSent(true);
    } catch (err) {
      setError(problem(err).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <LoginBox title={t("forgot.title")}>
      {sent ? (
        <div class="notice info" role="status">
          {t("forgot.sent")}
        </div>
      ) : (
        <form onSubmit={submit} aria-busy={busy}>
          <p class="help">{t("forgot.help")}</p>
          <FormErrors message={error} />
          <TextField
            name="email"
            type="email"
            label={t("forgot.email")}
            value={email}
            onInput={setEmail}
            autocomplete="email"
            required
          />
          <button type="submit" class="primary" disabled={busy}>
            {t("forgot.submit")}
          </button>
        </form>
      )}
      <button type="button" class="link" onClick={props.onBack}>
        {t("forgot.back")}
      </button>
    </LoginBox>
  );
}
