// The account menu's pages in one: two-factor login, Change Password, the site operator's
// security policy, Time Zone, Customer Service, Billing Information and Account Setting,
// each a form of its own.
import { useMemo, useState } from "preact/hooks";
import { AccountService, AuthService, DateFormat, TimeFormat, type BillingInfo } from "../gen/porter/admin/v1/admin_pb";
import { client } from "../api";
import { t } from "../i18n";
import { currentSession, isPropertyManager, startSession } from "../session";
import { OnOffField, SelectField, TextField } from "../ui/fields";
import { SectionForm, type FieldErrors } from "../ui/SectionForm";
import { countryOptions } from "../ui/countries";
import { dateFormatOptions, timeFormatOptions, timeZoneOptions } from "../ui/format";
import { WhenLoaded } from "../ui/WhenLoaded";
import { SitePolicyForm, TwoFactorPanel } from "./TwoFactorPanel";

export function Account() {
  const account = currentSession()?.account;
  // Until a required second factor is set up, nothing else here would open. The panel
  // keeps its place so its recovery codes stay shown when the rest appears.
  const rest = account?.twoFactorSetupRequired ? null : isPropertyManager() ? (
    <PasswordForm />
  ) : (
    <>
      <PasswordForm />
      {account?.operator && (
        <WhenLoaded load={() => client(AccountService).getSitePolicy({})}>
          {(p) => <SitePolicyForm required={p.requireTwoFactor} />}
        </WhenLoaded>
      )}
      <TimeZoneForm />
      <WhenLoaded load={() => client(AccountService).getCustomerService({})}>
        {(c) => <CustomerServiceForm phone={c.phone} email={c.email} feedback={c.receiveFeedback} />}
      </WhenLoaded>
      <WhenLoaded load={() => client(AccountService).getBillingInfo({})}>
        {(b) => <BillingForm initial={Object.fromEntries(BILLING_FIELDS.map((k) => [k, b[k]])) as Billing} />}
      </WhenLoaded>
      <WhenLoaded load={() => client(AccountService).getAccountSetting({})}>
        {(a) => <AccountSettingForm distributor={a.distributorAccess} />}
      </WhenLoaded>
    </>
  );
  return (
    <>
      <h1>{t("account.title")}</h1>
      <div class="panels">
        <TwoFactorPanel />
        {rest}
      </div>
    </>
  );
}

function PasswordForm() {
  const [old, setOld] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = async () => {
    if (next !== again) {
      setErrors({ again: t("account.password.mismatch") });
      return null;
    }
    setErrors({});
    await client(AuthService).changePassword({ oldPassword: old, newPassword: next });
    setOld("");
    setNext("");
    setAgain("");
    return t("account.password.changed");
  };
  return (
    <SectionForm
      id="password"
      title={t("account.password")}
      save={save}
      fields={{ old_password: "old", new_password: "next" }}
      onErrors={setErrors}
    >
      <input type="text" name="username" autocomplete="username" value={currentSession()?.account.username} hidden readOnly />
      <TextField name="old" type="password" autocomplete="current-password" required label={t("account.password.old")} value={old} onInput={setOld} error={errors.old} />
      <TextField
        name="next"
        type="password"
        autocomplete="new-password"
        required
        label={t("account.password.new")}
        help={t("account.password.help")}
        value={next}
        onInput={setNext}
        error={errors.next}
      />
      <TextField name="again" type="password" autocomplete="new-password" required label={t("account.password.repeat")} value={again} onInput={setAgain} error={errors.again} />
    </SectionForm>
  );
}

function TimeZoneForm() {
  const session = currentSession();
  const [zone, setZone] = useState(session?.account.timeZone || "UTC");
  const [timeFormat, setTimeFormat] = useState(String(session?.account.timeFormat || TimeFormat.HOURS_24));
  const [dateFormat, setDateFormat] = useState(String(session?.account.dateFormat || DateFormat.YMD));
  const [errors, setErrors] = useState<FieldErrors>({});
  const zones = useMemo(timeZoneOptions, []);
  const save = async () => {
    const account = await client(AccountService).setTimeZone({
      timeZone: zone,
      timeFormat: Number(timeFormat) as TimeFormat,
      dateFormat: Number(dateFormat) as DateFormat,
    });
    const now = currentSession();
    if (now) startSession({ ...now, account });
    return t("account.saved");
  };
  return (
    <SectionForm id="time-zone" title={t("account.timeZone")} save={save} fields={{ time_zone: "zone" }} onErrors={setErrors}>
      <SelectField name="zone" label={t("account.timeZone")} help={t("account.timeZone.help")} value={zone} onChange={setZone} options={zones} error={errors.zone} />
      <SelectField name="timeFormat" label={t("community.timeFormat")} value={timeFormat} onChange={setTimeFormat} options={timeFormatOptions()} />
      <SelectField name="dateFormat" label={t("community.dateFormat")} value={dateFormat} onChange={setDateFormat} options={dateFormatOptions()} />
    </SectionForm>
  );
}

function CustomerServiceForm(props: { phone: string; email: string; feedback: boolean }) {
  const [phone, setPhone] = useState(props.phone);
  const [email, setEmail] = useState(props.email);
  const [feedback, setFeedback] = useState(props.feedback);
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = async () => {
    await client(AccountService).setCustomerService({ phone, email, receiveFeedback: feedback });
    return t("account.saved");
  };
  return (
    <SectionForm id="customer-service" title={t("account.customerService")} save={save} fields={{ phone: "phone", email: "email" }} onErrors={setErrors}>
      <TextField
        name="phone"
        type="tel"
        required
        label={t("account.customerService.phone")}
        help={t("account.customerService.phone.help")}
        value={phone}
        onInput={setPhone}
        error={errors.phone}
      />
      <TextField
        name="email"
        type="email"
        required
        label={t("account.customerService.email")}
        help={t("account.customerService.email.help")}
        value={email}
        onInput={setEmail}
        error={errors.email}
      />
      <OnOffField
        name="feedback"
        label={t("account.customerService.feedback")}
        help={t("account.customerService.feedback.help")}
        value={feedback}
        onChange={setFeedback}
      />
    </SectionForm>
  );
}

type Billing = Pick<BillingInfo, "company" | "attn" | "street" | "city" | "postCode" | "country" | "tel" | "fax" | "email">;
const BILLING_FIELDS: (keyof Billing)[] = ["company", "attn", "street", "city", "postCode", "country", "tel", "fax", "email"];
/** What the store requires of the billing form. */
const BILLING_REQUIRED: (keyof Billing)[] = ["company", "attn", "street", "tel", "email"];
const BILLING_SERVER_FIELDS: Record<string, string> = { post_code: "postCode", company: "company", attn: "attn", street: "street", city: "city", country: "country", tel: "tel", fax: "fax", email: "email" };

function BillingForm(props: { initial: Billing }) {
  const [billing, setBilling] = useState(props.initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const countries = useMemo(() => countryOptions(billing.country), [billing.country]);
  const set = (key: keyof Billing) => (value: string) => {
    setBilling((b) => ({ ...b, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const save = async () => {
    await client(AccountService).setBillingInfo(billing);
    return t("account.saved");
  };
  const text = (key: keyof Billing, label: string, type: "text" | "tel" | "email" = "text") => (
    <TextField
      name={key}
      type={type}
      label={label}
      required={BILLING_REQUIRED.includes(key)}
      value={billing[key]}
      onInput={set(key)}
      error={errors[key]}
    />
  );
  return (
    <SectionForm id="billing" title={t("account.billing")} save={save} fields={BILLING_SERVER_FIELDS} onErrors={setErrors}>
      {text("company", t("account.billing.company"))}
      {text("attn", t("account.billing.attn"))}
      {text("street", t("account.billing.street"))}
      {text("city", t("account.billing.city"))}
      {text("postCode", t("account.billing.postCode"))}
      <SelectField name="country" label={t("account.billing.country")} value={billing.country} onChange={set("country")} options={countries} error={errors.country} />
      {text("tel", t("account.billing.tel"), "tel")}
      {text("fax", t("account.billing.fax"), "tel")}
      {text("email", t("account.billing.email"), "email")}
    </SectionForm>
  );
}

function AccountSettingForm(props: { distributor: boolean }) {
  const [distributor, setDistributor] = useState(props.distributor);
  const save = async () => {
    await client(AccountService).setAccountSetting({ distributorAccess: distributor });
    return t("account.saved");
  };
  return (
    <SectionForm id="account-setting" title={t("account.setting")} save={save} onErrors={() => undefined}>
      <OnOffField
        name="distributor"
        label={t("account.setting.distributor")}
        help={t("account.setting.distributor.help")}
        value={distributor}
        onChange={setDistributor}
      />
    </SectionForm>
  );
}
