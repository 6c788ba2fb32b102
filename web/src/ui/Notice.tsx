// One line of news at the top of the page (a save, a delete), announced to screen readers
// and gone on the next navigation: announce after navigating to the page it belongs to.
import { useEffect, useState } from "preact/hooks";

let show: ((text: string, kind: "ok" | "error") => void) | undefined;
let pending: { text: string; kind: "ok" | "error" } | undefined;

export function announce(text: string, kind: "ok" | "error" = "ok"): void {
  if (show) show(text, kind);
  else pending = { text, kind };
}

export function NoticeArea(props: { path: string }) {
  const [notice, setNotice] = useState(pending);
  const [shownAt, setShownAt] = useState(props.path);
  useEffect(() => {
    show = (text, kind) => {
      setNotice({ text, kind });
      setShownAt(window.location.pathname);
    };
    pending = undefined;
    return () => (show = undefined);
  }, []);
  const visible = notice && shownAt === props.path;
  return (
    <div class="notice-area" role="status" aria-live="polite">
      {visible && <div class={`notice ${notice.kind}`}>{notice.text}</div>}
    </div>
  );
}
