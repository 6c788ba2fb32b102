// The Resident and Device page keeps what it shows in the URL (building, view, filters,
// page), so a reload, the back button and a bookmark show the same list.
import { navigate } from "../../router";

export interface View {
  building?: string;
  tab: "apt" | "devices" | "cameras" | "residents" | "events";
  page: number;
  size: number;
  app: string;
  active: string;
  q: string;
  sort: string;
}

export function readView(query: URLSearchParams): View {
  const page = Number.parseInt(query.get("page") ?? "1", 10);
  const size = Number.parseInt(query.get("size") ?? "10", 10);
  return {
    building: query.get("building") ?? undefined,
    tab: (["residents", "devices", "cameras", "events"] as const).find((k) => k === query.get("tab")) ?? "apt",
    page: page > 0 ? page : 1,
    size: [10, 20, 50, 100].includes(size) ? size : 10,
    app: query.get("app") ?? "",
    active: query.get("active") ?? "",
    q: query.get("q") ?? "",
    sort: query.get("sort") ?? "",
  };
}

/** The URL of `view` on community `id`'s page. */
export function viewUrl(id: string, view: View): string {
  const q = new URLSearchParams();
  if (view.building) q.set("building", view.building);
  if (view.tab !== "apt") q.set("tab", view.tab);
  if (view.page > 1) q.set("page", String(view.page));
  if (view.size !== 10) q.set("size", String(view.size));
  if (view.app) q.set("app", view.app);
  if (view.active) q.set("active", view.active);
  if (view.q) q.set("q", view.q);
  if (view.sort) q.set("sort", view.sort);
  const s = q.toString();
  return `/communities/${id}/residents${s ? `?${s}` : ""}`;
}

export function go(id: string, view: View, changes: Partial<View>): void {
  navigate(viewUrl(id, { ...view, ...changes }));
}
