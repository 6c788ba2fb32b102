// The page an end user's emailed link opens (invitation or password reset): sets the
// residents' app password with ResidentService.SetResidentPassword. It needs no portal
// session: the link's token is the proof, used up on success.
import { useState } from "preact/hooks";
import { ResidentService } from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { t } from "../i18n";
import { TextField, FormErrors } from "../ui/fields";
import { LanguageSwitch } from "../ui/LanguageSwitch";

export function ResidentPassword(props: { token: string }) {
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setFieldErrors({});
    if (password !== repeated) {
      setFieldErrors({ repeated: t("residentPassword.mismatch") });
      return;
    }
    setBusy(true);
    try {
      await client(ResidentService).setResidentPassword({ token: props.token, password });
      setDone(true);
    } catch (err) {
      const p = problem(err);
      if (p.field === "password") setFieldErrors({ password: p.message });
      else setError(p.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <div class="login-box">
        <div class="login-head">
          <h1>{t("residentPassword.title")}</h1>
          <LanguageSwitch />
        </div>
        {!props.token ? (
          <div class="notice error" role="alert">
            {t("residentPassword.noToken")}
          </div>
        ) : done ? (
          <div class="notice info" role="status">
            {t("residentPassword.done")}
          </div>
        ) : (
          <form onSubmit={submit} aria-busy={busy}>
            <p class="help">{t("residentPassword.intro")}</p>
            <FormErrors message={error} />
            <TextField
              name="password"
              type="password"
              label={t("residentPassword.password")}
              value={password}
              onInput={setPassword}
              autocomplete="new-password"
              error={fieldErrors.password}
              required
            />
            <TextField
              name="repeated"
              type="password"
              label={t("residentPassword.confirm")}
              value={repeated}
              onInput={setRepeated}
              autocomplete="new-password"
              error={fieldErrors.repeated}
              required
            />
            <button type="submit" class="primary" disabled={busy}>
              {busy ? t("residentPassword.busy") : t("residentPassword.submit")}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
