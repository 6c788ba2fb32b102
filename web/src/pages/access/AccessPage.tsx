// The community's Access Control module: what residents may use (the Premium feature
// plan's switches), and every access credential of the community with the community's
// visitor and delivery keys. An apartment's own credentials are issued on its page.
import { Code } from "@connectrpc/connect";
import { useState } from "preact/hooks";
import { CommunityService, FeaturePlan, type Community, type ResidentFeatures } from "../../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../../api";
import { t } from "../../i18n";
import { isPropertyManager } from "../../session";
import { CheckField, FormErrors } from "../../ui/fields";
import { communityTimeStyle } from "../../ui/format";
import { LoadProblem } from "../../ui/LoadProblem";
import { announce } from "../../ui/Notice";
import { useLoad } from "../../ui/useLoad";
import { NotFound } from "../NotFound";
import { CommunityNav } from "../community/CommunityNav";
import { CredentialList } from "./CredentialList";

export function AccessPage(props: { id: string }) {
  const community = useLoad(() => client(CommunityService).getCommunity({ id: BigInt(props.id) }), [props.id]);
  if (community.error?.code === Code.NotFound) return <NotFound />;
  if (community.error) return <LoadProblem problem={community.error} retry={community.reload} />;
  if (!community.data) return <p aria-busy="true">{t("app.loading")}</p>;
  const c = community.data;
  return (
    <>
      <CommunityNav communityId={props.id} name={c.name} current="access" />
      <h1>{t("access.title")}</h1>
      <FeatureSwitches community={c} saved={community.reload} />
      <CredentialList community={c} time={communityTimeStyle(c)} />
    </>
  );
}

/** Whether the Premium plan is in force (an expired one gives no more than Basic). */
function premiumInForce(c: Community): boolean {
  return c.featurePlan === FeaturePlan.PREMIUM && (c.featurePlanExpiresAtMs === 0n || Number(c.featurePlanExpiresAtMs) > Date.now());
}

const SWITCHES: [keyof ResidentFeatures & string, Parameters<typeof t>[0]][] = [
  ["pinCodes", "access.f.pin"],
  ["qrCodes", "access.f.qr"],
  ["faceRecognition", "access.f.face"],
  ["familyAccounts", "access.f.family"],
  ["packageNotification", "access.f.package"],
];

function FeatureSwitches(props: { community: Community; saved: () => void }) {
  const current = props.community.residentFeatures;
  const [draft, setDraft] = useState<Record<string, boolean>>(() => Object.fromEntries(SWITCHES.map(([k]) => [k, Boolean(current?.[k])])));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const locked = isPropertyManager() && !premiumInForce(props.community);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client(CommunityService).setResidentFeatures({ communityId: props.community.id, features: draft });
      announce(t("access.f.saved"));
      props.saved();
    } catch (err) {
      setError(problem(err).message);
    }
    setBusy(false);
  };
  return (
    <section class="panel" aria-labelledby="features-title">
      <h2 id="features-title">{t("access.f.title")}</h2>
      <form onSubmit={save} aria-busy={busy}>
        <FormErrors message={error} />
        {locked && <p class="help locked">{t("access.f.locked")}</p>}
        {SWITCHES.map(([key, label]) => (
          <CheckField key={key} name={key} label={t(label)} checked={draft[key]} disabled={locked} onChange={(on) => setDraft({ ...draft, [key]: on })} />
        ))}
        <div class="buttons start">
          <button type="submit" class="primary" disabled={locked || busy}>
            {busy ? t("common.saving") : t("common.save")}
          </button>
        </div>
      </form>
    </section>
  );
}
