// The login session: the admin API's bearer token, kept in this origin's localStorage so a
// reload or a second tab stays logged in. The portal has its own origin (--portal-listen),
// so device pages shown through remote control (another origin) cannot read it. The
// session ends at the token's expiry, on logout, or when the server refuses the token.
import { toJson, fromJson } from "@bufbuild/protobuf";
import { AccountInfoSchema, AccountRole, type AccountInfo } from "./gen/porter/admin/v1/admin_pb";

const STORAGE_KEY = "porter.session";

export interface Session {
  token: string;
  expiresAtMs: number;
  account: AccountInfo;
}

/** Why the last session ended, shown on the login page. */
export type EndReason = "expired" | "loggedOut";

let session: Session | null = load();
let expiryTimer: number | undefined;
const listeners = new Set<(reason?: EndReason) => void>();

function load(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const stored = JSON.parse(raw) as { token: string; expiresAtMs: number; account: unknown };
    if (typeof stored.token !== "string" || stored.expiresAtMs <= Date.now()) {
      localStorage.removeItem(STORAGE_KEY);
      return null;
    }
    return {
      token: stored.token,
      expiresAtMs: stored.expiresAtMs,
      account: fromJson(AccountInfoSchema, stored.account as never),
    };
  } catch {
    localStorage.removeItem(STORAGE_KEY);
    return null;
  }
}

export function currentSession(): Session | null {
  return session;
}

/** Whether the session is a property manager's: its communities only, none of the
 * installer's own pages. */
export function isPropertyManager(): boolean {
  return session?.account.role === AccountRole.PROPERTY_MANAGER;
}

/** Whether the session may read the community's door and call logs: installers always, a
 * property manager with "Log Access Control" there (the server decides; this hides what
 * it would refuse). */
export function mayReadLogs(communityId: bigint): boolean {
  if (!isPropertyManager()) return true;
  return Boolean(session?.account.managedCommunities.find((m) => m.communityId === communityId)?.permissions?.logAccess);
}

export function startSession(next: Session): void {
  session = next;
  localStorage.setItem(
    STORAGE_KEY,
    JSON.stringify({
      token: next.token,
      expiresAtMs: next.expiresAtMs,
      account: toJson(AccountInfoSchema, next.account),
    }),
  );
  armExpiry();
  listeners.forEach((l) => l());
}

/** Ends the session here (the server's token is revoked by the caller, when it can be). */
export function endSession(reason: EndReason): void {
  session = null;
  localStorage.removeItem(STORAGE_KEY);
  window.clearTimeout(expiryTimer);
  listeners.forEach((l) => l(reason));
}

export function onSessionChange(listener: (reason?: EndReason) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function armExpiry(): void {
  window.clearTimeout(expiryTimer);
  if (!session) return;
  // setTimeout holds at most about 24.8 days; tokens live 30 days at most, so re-arm.
  const wait = Math.min(session.expiresAtMs - Date.now(), 2 ** 31 - 1);
  expiryTimer = window.setTimeout(() => {
    if (session && session.expiresAtMs <= Date.now()) endSession("expired");
    else armExpiry();
  }, Math.max(wait, 0));
}

// Another tab logged in or out: follow it.
window.addEventListener("storage", (event) => {
  if (event.key !== STORAGE_KEY) return;
  const was = session;
  session = load();
  armExpiry();
  listeners.forEach((l) => l(was && !session ? "loggedOut" : undefined));
});

armExpiry();
