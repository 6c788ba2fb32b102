// Data a page shows, loaded when the page opens (and again on reload()); a load that
// finishes after the page moved on is dropped.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { problem, type Problem } from "../api";

export interface Loaded<T> {
  data?: T;
  error?: Problem;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Problem; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (err) => mine === generation.current && setState({ error: problem(err), loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    run();
    return () => void generation.current++;
  }, [run]);
  return { ...state, reload: run };
}
