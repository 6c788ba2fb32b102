// The admin API through gRPC-Web on the portal's own origin. Clients are generated from
// proto/ (src/gen); this file only adds the token and turns errors into messages.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { currentSession, endSession } from "./session";
import { t } from "./i18n";

const withToken: Interceptor = (next) => async (req) => {
  const session = currentSession();
  if (session) req.header.set("authorization", `Bearer ${session.token}`);
  try {
    return await next(req);
  } catch (err) {
    // A refused token (expired, revoked, or the account removed) ends the session.
    if (session && ConnectError.from(err).code === Code.Unauthenticated) endSession("expired");
    throw err;
  }
};

const transport = createGrpcWebTransport({
  baseUrl: window.location.origin,
  interceptors: [withToken],
});

const clients = new Map<DescService, unknown>();

/** The client of one admin service. */
export function client<S extends DescService>(service: S): Client<S> {
  let c = clients.get(service);
  if (!c) {
    c = createClient(service, transport);
    clients.set(service, c);
  }
  return c as Client<S>;
}

/** What went wrong, for people: the server's own message, and the field it names. */
export interface Problem {
  message: string;
  field?: string;
  code: Code;
}

export function problem(err: unknown): Problem {
  const e = ConnectError.from(err);
  const field = e.metadata.get("porter-field") ?? undefined;
  const message = e.rawMessage;
  switch (e.code) {
    case Code.Unavailable:
    case Code.Unknown:
      return { code: e.code, message: message ? t("error.other", { message }) : t("error.unreachable") };
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
      return { code: e.code, field, message: t("error.invalid", { message }) };
    case Code.PermissionDenied:
      return { code: e.code, message: t("error.permission", { message }) };
    case Code.NotFound:
      return { code: e.code, message: t("error.notFound", { message }) };
    default:
      return { code: e.code, message: t("error.other", { message }) };
  }
}

/**
 * Where a refusal belongs in a form: under the control `fields` maps the server's field to
 * (the field itself, or the list it is an element of: `relays[0].name` → `relays`), else
 * above the form. Under its own control the message drops the field's name, which the
 * control's label already says.
 */
export function placeProblem<K>(err: unknown, fields: Record<string, K> = {}): { field?: K; message: string } {
  const p = problem(err);
  if (!p.field) return { message: p.message };
  if (Object.hasOwn(fields, p.field)) {
    const prefix = `${p.field}: `;
    if (!p.message.startsWith(prefix)) return { field: fields[p.field], message: p.message };
    const rest = p.message.slice(prefix.length);
    return { field: fields[p.field], message: rest.charAt(0).toLocaleUpperCase() + rest.slice(1) };
  }
  const base = p.field.split(/[.[]/)[0];
  return Object.hasOwn(fields, base) ? { field: fields[base], message: p.message } : { message: p.message };
}
