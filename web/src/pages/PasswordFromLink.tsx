// The page an emailed link opens (an invitation, an account email or a password reset):
// an end user's residents' app password (ResidentService.SetResidentPassword, at
// /resident/password) or a property manager's portal password
// (AuthService.SetPasswordFromLink, at /account/password). It needs no portal session: the
// link's token is the proof, used up on success.
import { useState } from "preact/hooks";
import { AuthService, ResidentService } from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { t, type MessageKey } from "../i18n";
import { navigate } from "../router";
import { TextField, FormErrors } from "../ui/fields";
import { LoginBox } from "../ui/LoginBox";

// Whose password the link sets.
export type LinkKind = "resident" | "manager";

const TEXTS: Record<LinkKind, { title: MessageKey; intro: MessageKey; done: MessageKey; noToken: MessageKey }> = {
  resident: {
    title: "residentPassword.title",
    intro: "residentPassword.intro",
    done: "residentPassword.done",
    noToken: "residentPassword.noToken",
  },
  manager: {
    title: "accountPassword.title",
    intro: "accountPassword.intro",
    done: "accountPassword.done",
    noToken: "accountPassword.noToken",
  },
};

export function PasswordFromLink(props: { token: string; kind: LinkKind }) {
  const text = TEXTS[props.kind];
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
      if (props.kind === "manager") {
        await client(AuthService).setPasswordFromLink({ token: props.token, password });
      } else {
        await client(ResidentService).setResidentPassword({ token: props.token, password });
      }
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
    <LoginBox title={t(text.title)}>
      {!props.token ? (
        <div class="notice error" role="alert">
          {t(text.noToken)}
        </div>
      ) : done ? (
        <div class="notice info" role="status">
          <p>{t(text.done)}</p>
          {props.kind === "manager" && (
            <button type="button" class="primary" onClick={() => navigate("/login")}>
              {t("accountPassword.signIn")}
            </button>
          )}
        </div>
      ) : (
        <form onSubmit={submit} aria-busy={busy}>
          <p class="help">{t(text.intro)}</p>
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
    </LoginBox>
  );
}
