// Paths of the portal, on the History API: every page has a URL that survives a reload
// and can be bookmarked. The server answers index.html for every path that is not a file.
import { useEffect, useState } from "preact/hooks";
import type { ComponentChildren, JSX } from "preact";

const listeners = new Set<() => void>();

export function navigate(path: string, replace = false): void {
  if (path === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  listeners.forEach((l) => l());
}

window.addEventListener("popstate", () => listeners.forEach((l) => l()));

/** The current path and query; redraws the caller when they change. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, redraw] = useState(0);
  const drawn = window.location.pathname + window.location.search;
  useEffect(() => {
    const l = () => redraw((n) => n + 1);
    listeners.add(l);
    // A child's effect (a Redirect) may have moved on before this listener was added.
    if (window.location.pathname + window.location.search !== drawn) l();
    return () => void listeners.delete(l);
  }, []);
  return {
    path: window.location.pathname,
    query: new URLSearchParams(window.location.search),
  };
}

/** `pattern` ("/communities/:id/edit") against `path`: the named parts, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

/** A link inside the portal: navigates without a reload, opens a tab when asked to. */
export function Link(props: { href: string; children: ComponentChildren } & JSX.HTMLAttributes<HTMLAnchorElement>) {
  const { href, children, ...rest } = props;
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

/** Sends the browser to `to` once drawn (replacing the history entry). */
export function Redirect(props: { to: string }) {
  useEffect(() => navigate(props.to, true), [props.to]);
  return null;
}
