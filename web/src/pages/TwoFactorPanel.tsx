// The account page's two-factor login: set it up (the app scans a QR code of the
// otpauth:// URL, or takes the secret typed in; its first code confirms, and the ten
// recovery codes are shown once), or turn it off with the password and a code. The site
// operator's panel makes it required for every account.
import { useState } from "preact/hooks";
import { AccountService, AuthService, type TwoFactorEnrolment } from "../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../api";
import { t } from "../i18n";
import { currentSession, startSession } from "../session";
import { FormErrors, OnOffField, TextField } from "../ui/fields";
import { QrCode } from "../ui/QrCode";
import { SectionForm, type FieldErrors } from "../ui/SectionForm";

/** The session's account as the server has it now (after two-factor changes). */
async function refreshAccount() {
  const account = await client(AuthService).whoAmI({});
  const now = currentSession();
  if (now) startSession({ ...now, account });
}

type Stage = { kind: "idle" } | { kind: "enrolling"; enrolment: TwoFactorEnrolment } | { kind: "codes"; codes: string[] } | { kind: "disabling" };

export function TwoFactorPanel() {
  const account = currentSession()?.account;
  const [stage, setStage] = useState<Stage>({ kind: "idle" });
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setFieldErrors({});
    try {
      await work();
    } catch (err) {
      const p = problem(err);
      if (p.field === "code" || p.field === "password") setFieldErrors({ [p.field]: p.message });
      else setError(p.message);
    } finally {
      setBusy(false);
    }
  };
  const begin = () =>
    run(async () => {
      setStage({ kind: "enrolling", enrolment: await client(AuthService).beginTwoFactor({}) });
      setCode("");
    });
  const confirm = (event: Event) => {
    event.preventDefault();
    return run(async () => {
      const { codes } = await client(AuthService).confirmTwoFactor({ code });
      await refreshAccount();
      setStage({ kind: "codes", codes });
    });
  };
  const disable = (event: Event) => {
    event.preventDefault();
    return run(async () => {
      await client(AuthService).disableTwoFactor({ password, code });
      await refreshAccount();
      setPassword("");
      setCode("");
      setStage({ kind: "idle" });
    });
  };

  return (
    <section class="panel" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">{t("twoFactor.title")}</h2>
      {account?.twoFactorSetupRequired && stage.kind !== "codes" && (
        <div class="notice error" role="alert">
          {t("twoFactor.required")}
        </div>
      )}
      <FormErrors message={error} />
      {stage.kind === "idle" &&
        (account?.twoFactorEnabled ? (
          <>
            <p>{t("twoFactor.on", { count: String(account.recoveryCodesLeft) })}</p>
            <div class="buttons start">
              <button type="button" onClick={() => setStage({ kind: "disabling" })}>
                {t("twoFactor.turnOff")}
              </button>
            </div>
          </>
        ) : (
          <>
            <p>{t("twoFactor.off")}</p>
            <div class="buttons start">
              <button type="button" class="primary" onClick={begin} disabled={busy}>
                {t("twoFactor.setUp")}
              </button>
            </div>
          </>
        ))}
      {stage.kind === "enrolling" && (
        <form onSubmit={confirm} aria-busy={busy} noValidate>
          <p class="help">{t("twoFactor.scan")}</p>
          <QrCode value={stage.enrolment.otpauthUrl} label={t("twoFactor.qr")} />
          <p class="help">
            {t("twoFactor.secret")} <code data-secret>{stage.enrolment.secret}</code>
          </p>
          <CodeStep help={t("twoFactor.code.help")} code={code} onInput={setCode} error={fieldErrors.code} busy={busy} submit={t("twoFactor.confirm")} submitClass="primary" onCancel={() => setStage({ kind: "idle" })} />
        </form>
      )}
      {stage.kind === "codes" && (
        <div role="status">
          <p>{t("twoFactor.codes")}</p>
          <ul class="recovery-codes" aria-label={t("twoFactor.codes.label")}>
            {stage.codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <div class="buttons start">
            <button type="button" class="primary" onClick={() => setStage({ kind: "idle" })}>
              {t("twoFactor.codes.done")}
            </button>
          </div>
        </div>
      )}
      {stage.kind === "disabling" && (
        <form onSubmit={disable} aria-busy={busy} noValidate>
          <input type="text" name="username" autocomplete="username" value={account?.username} hidden readOnly />
          <TextField
            name="password"
            type="password"
            label={t("twoFactor.password")}
            value={password}
            onInput={setPassword}
            autocomplete="current-password"
            error={fieldErrors.password}
            required
          />
          <CodeStep help={t("twoFactor.codeOrRecovery")} code={code} onInput={setCode} error={fieldErrors.code} busy={busy} submit={t("twoFactor.turnOff")} submitClass="danger" onCancel={() => setStage({ kind: "idle" })} />
        </form>
      )}
    </section>
  );
}

/** The site operator's switch: every account must use two-factor login. */
/** The code field and the buttons that end both of the panel's forms. */
function CodeStep(props: {
  help: string;
  code: string;
  onInput: (value: string) => void;
  error?: string;
  busy: boolean;
  submit: string;
  submitClass: string;
  onCancel: () => void;
}) {
  return (
    <>
      <TextField
        name="code"
        label={t("twoFactor.code")}
        help={props.help}
        value={props.code}
        onInput={props.onInput}
        autocomplete="one-time-code"
        error={props.error}
        required
      />
      <div class="buttons start">
        <button type="submit" class={props.submitClass} disabled={props.busy}>
          {props.submit}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </>
  );
}

export function SitePolicyForm(props: { required: boolean }) {
  const [required, setRequired] = useState(props.required);
  const [, setErrors] = useState<FieldErrors>({});
  const save = async () => {
    await client(AccountService).setSitePolicy({ requireTwoFactor: required });
    await refreshAccount();
    return t("account.saved");
  };
  return (
    <SectionForm id="site-policy" title={t("sitePolicy.title")} save={save} onErrors={setErrors}>
      <OnOffField name="requireTwoFactor" label={t("sitePolicy.requireTwoFactor")} help={t("sitePolicy.requireTwoFactor.help")} value={required} onChange={setRequired} />
    </SectionForm>
  );
}
