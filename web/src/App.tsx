// The portal's frame: the login page without a session, else the header (modules,
// language, account, log out) around the page the path names.
import { useEffect, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { AccountRole, AuthService } from "./gen/porter/admin/v1/admin_pb";
import { client } from "./api";
import { onLanguageChange, t } from "./i18n";
import { Link, Redirect, match, navigate, useLocation } from "./router";
import { currentSession, endSession, isPropertyManager, onSessionChange, type EndReason } from "./session";
import { announce } from "./ui/Notice";
import { LanguageSwitch } from "./ui/LanguageSwitch";
import { NoticeArea } from "./ui/Notice";
import { Login } from "./pages/Login";
import { Dashboard } from "./pages/Dashboard";
import { CommunityForm } from "./pages/CommunityForm";
import { NotFound } from "./pages/NotFound";
import { Account } from "./pages/Account";
import { MacLibrary } from "./pages/MacLibrary";
import { FirmwarePage } from "./pages/firmware/FirmwarePage";
import { UpgradesPage } from "./pages/upgrades/UpgradesPage";
import { ResidentsPage } from "./pages/residents/ResidentsPage";
import { ApartmentForm } from "./pages/residents/ApartmentForm";
import { DevicePage } from "./pages/devices/DevicePage";
import { SubscriptionsPage } from "./pages/subscriptions/SubscriptionsPage";
import { PaymentsPage } from "./pages/subscriptions/PaymentsPage";
import { AuditPage } from "./pages/AuditPage";
import { OutboxPage } from "./pages/OutboxPage";
import { OverviewPage } from "./pages/community/OverviewPage";
import { AccessPage } from "./pages/access/AccessPage";
import { PasswordFromLink } from "./pages/PasswordFromLink";

/** Each page: its path pattern and what it shows. */
const PAGES: { path: string; show: (params: Record<string, string>) => ComponentChildren }[] = [
  { path: "/", show: () => <Dashboard /> },
  { path: "/communities/new", show: () => <CommunityForm /> },
  { path: "/account", show: () => <Account /> },
  { path: "/macs", show: () => <MacLibrary /> },
  { path: "/firmware", show: () => <FirmwarePage /> },
  { path: "/subscriptions", show: () => <SubscriptionsPage /> },
  { path: "/payments", show: () => <PaymentsPage /> },
  { path: "/audit", show: () => <AuditPage /> },
  { path: "/outbox", show: () => <OutboxPage /> },
  { path: "/communities/:id/subscriptions", show: (p) => (ids(p.id) ? <SubscriptionsPage communityId={p.id} /> : <NotFound />) },
  { path: "/communities/:id/devices/new", show: (p) => (ids(p.id) ? <DevicePage communityId={p.id} /> : <NotFound />) },
  {
    path: "/communities/:id/devices/:device",
    show: (p) => (ids(p.id, p.device) ? <DevicePage communityId={p.id} deviceId={p.device} /> : <NotFound />),
  },
  { path: "/communities/:id/overview", show: (p) => (ids(p.id) ? <OverviewPage id={p.id} /> : <NotFound />) },
  { path: "/communities/:id/residents", show: (p) => (ids(p.id) ? <ResidentsPage id={p.id} /> : <NotFound />) },
  { path: "/communities/:id/access", show: (p) => (ids(p.id) ? <AccessPage id={p.id} /> : <NotFound />) },
  { path: "/communities/:id/upgrades", show: (p) => (ids(p.id) ? <UpgradesPage id={p.id} /> : <NotFound />) },
  {
    path: "/communities/:id/buildings/:building/apartments/new",
    show: (p) => (ids(p.id, p.building) ? <ApartmentForm communityId={p.id} buildingId={p.building} /> : <NotFound />),
  },
  {
    path: "/communities/:id/buildings/:building/apartments/:apartment",
    show: (p) =>
      ids(p.id, p.building, p.apartment) ? (
        <ApartmentForm communityId={p.id} buildingId={p.building} apartmentId={p.apartment} />
      ) : (
        <NotFound />
      ),
  },
  { path: "/communities/:id/edit", show: (p) => (ids(p.id) ? <CommunityForm id={p.id} /> : <NotFound />) },
];

/** The header's modules besides the Dashboard: the installer's own, not a property manager's. */
const INSTALLER_MODULES: [string, Parameters<typeof t>[0]][] = [
  ["/macs", "nav.macs"],
  ["/firmware", "nav.firmware"],
  ["/subscriptions", "nav.subscriptions"],
  ["/payments", "nav.payments"],
  ["/audit", "nav.audit"],
  ["/outbox", "nav.outbox"],
];

/** Whether every path part is a record id (digits), as the API's ids are. */
function ids(...parts: string[]): boolean {
  return parts.every((p) => /^\d{1,19}$/.test(p));
}

export function App() {
  const [, redraw] = useState(0);
  const [ended, setEnded] = useState<EndReason>();
  const { path, query } = useLocation();
  useEffect(() => onLanguageChange(() => redraw((n) => n + 1)), []);
  useEffect(
    () =>
      onSessionChange((reason) => {
        if (reason) {
          setEnded(reason);
          const back = window.location.pathname + window.location.search;
          navigate(back === "/login" ? "/login" : `/login?next=${encodeURIComponent(back)}`, true);
        }
        redraw((n) => n + 1);
      }),
    [],
  );

  // Emailed links: no portal session needed, whoever is logged in here.
  if (path === "/resident/password") return <PasswordFromLink kind="resident" token={query.get("token") ?? ""} />;
  if (path === "/account/password") return <PasswordFromLink kind="manager" token={query.get("token") ?? ""} />;
  const session = currentSession();
  if (!session) {
    if (path !== "/login") {
      return <Redirect to={`/login?next=${encodeURIComponent(path + window.location.search)}`} />;
    }
    return (
      <Login
        ended={ended}
        onLoggedIn={(reminder) => {
          setEnded(undefined);
          if (reminder) {
            // "Monthly Password Update Reminder": the password form first.
            navigate("/account", true);
            announce(t("login.reminder"));
            return;
          }
          const next = query.get("next");
          navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", true);
        }}
      />
    );
  }
  if (path === "/login") return <Redirect to="/" />;
  // The site requires a second factor this account lacks: its account page only.
  if (session.account.twoFactorSetupRequired && path !== "/account") return <Redirect to="/account" />;
  let page: ComponentChildren = <NotFound />;
  for (const p of PAGES) {
    const params = match(p.path, path);
    if (params) {
      page = p.show(params);
      break;
    }
  }
  return (
    <>
      <a class="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header class="top">
        <Link href="/" class="brand">
          {t("app.name")}
        </Link>
        <nav aria-label={t("app.nav")}>
          <ul>
            <li>
              <Link href="/" aria-current={path === "/" ? "page" : undefined}>
                {t("nav.dashboard")}
              </Link>
            </li>
            {!isPropertyManager() &&
              INSTALLER_MODULES.map(([href, label]) => (
                <li key={href}>
                  <Link href={href} aria-current={path === href ? "page" : undefined}>
                    {t(label)}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div class="account">
          <LanguageSwitch />
          <Link
            href="/account"
            class="who"
            aria-current={path === "/account" ? "page" : undefined}
          >
            {session.account.username}
            <span class="role">
              {" "}
              ({roleLabel(session.account.role)})
            </span>
          </Link>
          <button type="button" onClick={logout}>
            {t("nav.logout")}
          </button>
        </div>
      </header>
      <NoticeArea path={path} />
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function roleLabel(role: AccountRole): string {
  if (role === AccountRole.PROPERTY_MANAGER) return t("nav.role.propertyManager");
  return role === AccountRole.SUB_INSTALLER ? t("nav.role.subInstaller") : t("nav.role.installer");
}

async function logout() {
  try {
    await client(AuthService).logout({});
  } catch {
    // The token ends here either way; a server that cannot be reached forgets it at expiry.
  }
  endSession("loggedOut");
}
