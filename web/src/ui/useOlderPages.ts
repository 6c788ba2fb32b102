// A newest-first list that loads older pages on request (the audit log, the outbox): the
// first page comes from the caller's load, each older one from `fetchOlder(last row)`.
import { useState } from "preact/hooks";
import { problem, type Problem } from "../api";

export interface OlderPages<Row> {
  rows: Row[];
  loadOlder: () => Promise<void>;
  busy: boolean;
  problem?: Problem;
  /** Whether an older page may exist. */
  hasMore: boolean;
}

export function useOlderPages<Row>(
  first: Row[] | undefined,
  pageSize: number,
  fetchOlder: (last: Row) => Promise<Row[]>,
): OlderPages<Row> {
  const [older, setOlder] = useState<Row[]>([]);
  const [state, setState] = useState<{ busy: boolean; done: boolean; problem?: Problem }>({ busy: false, done: false });
  const rows = [...(first ?? []), ...older];
  const loadOlder = async () => {
    const last = rows[rows.length - 1];
    if (last === undefined) return;
    setState({ busy: true, done: false });
    try {
      const page = await fetchOlder(last);
      setOlder((o) => [...o, ...page]);
      setState({ busy: false, done: page.length < pageSize });
    } catch (err) {
      setState({ busy: false, done: false, problem: problem(err) });
    }
  };
  return {
    rows,
    loadOlder,
    busy: state.busy,
    problem: state.problem,
    hasMore: !state.done && (first?.length ?? 0) === pageSize,
  };
}
