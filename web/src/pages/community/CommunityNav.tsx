// The modules of one community (the manual's left-hand menu inside a community): the
// breadcrumb back to the dashboard, and a link to each module, the current one marked.
import { t } from "../../i18n";
import { Link } from "../../router";
import { isPropertyManager } from "../../session";

export type CommunityModule = "overview" | "residents" | "access" | "upgrades" | "subscriptions";

const MODULES: { module: CommunityModule; path: string; label: () => string; installer?: true }[] = [
  { module: "overview", path: "overview", label: () => t("ov.nav") },
  { module: "residents", path: "residents", label: () => t("rd.title") },
  { module: "access", path: "access", label: () => t("access.title") },
  { module: "upgrades", path: "upgrades", label: () => t("up.title"), installer: true },
  { module: "subscriptions", path: "subscriptions", label: () => t("sub.title"), installer: true },
];

export function CommunityNav(props: { communityId: string | bigint; name: string; current: CommunityModule }) {
  return (
    <>
      <p class="breadcrumb">
        <Link href="/">{t("nav.dashboard")}</Link> › {props.name}
      </p>
      <nav class="community-nav" aria-label={t("community.modules", { name: props.name })}>
        <ul>
          {MODULES.filter((m) => !m.installer || !isPropertyManager()).map((m) => (
            <li key={m.module}>
              <Link href={`/communities/${props.communityId}/${m.path}`} aria-current={m.module === props.current ? "page" : undefined}>
                {m.label()}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
    </>
  );
}
