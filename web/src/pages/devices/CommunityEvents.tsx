// The Events view of Resident and Device: door logs, call logs, alarms, arming and relay
// status of the whole community, newest first, filtered by type and time (in the
// community's zone), paged backwards by sequence; new events arrive live at the top when
// they match.
import { useState } from "preact/hooks";
import { EventService, type DeviceEvent } from "../../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../../api";
import { t, type MessageKey } from "../../i18n";
import { Link } from "../../router";
import { SelectField, TextField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { formatDateTime, wallTimeMs, type TimeStyle } from "../../ui/format";
import { useLive } from "../../ui/useLive";
import { useLoad } from "../../ui/useLoad";
import { EventDetail } from "./DeviceEvents";

const KINDS = ["door_log", "call_log", "alarm", "arming_state", "relay_status", "capture"] as const;
const PAGE = 50;

interface Filter {
  kind: string;
  since: string;
  until: string;
}

/** A `datetime-local` filter in the community's time zone, as Unix milliseconds (0: none). */
function zonedMs(local: string, timeZone: string): bigint {
  const ms = wallTimeMs(local, timeZone);
  return Number.isNaN(ms) ? 0n : BigInt(ms);
}

export function CommunityEvents(props: { communityId: bigint; time: TimeStyle }) {
  const [filter, setFilter] = useState<Filter>({ kind: "", since: "", until: "" });
  const [draft, setDraft] = useState<Filter>(filter);
  const [older, setOlder] = useState<DeviceEvent[]>([]);
  const [fresh, setFresh] = useState<DeviceEvent[]>([]);
  const [more, setMore] = useState<string>();
  const request = (beforeSeq: bigint) => ({
    communityId: props.communityId,
    kind: filter.kind,
    sinceMs: zonedMs(filter.since, props.time.timeZone),
    untilMs: zonedMs(filter.until, props.time.timeZone),
    beforeSeq,
    limit: PAGE,
  });
  const first = useLoad(() => client(EventService).listEvents(request(0n)), [String(props.communityId), filter.kind, filter.since, filter.until]);
  useLive(
    props.communityId,
    (u) => {
      if (u.update.case !== "event") return;
      const e = u.update.value;
      const matches = (!filter.kind || e.kind === filter.kind) && !filter.until;
      if (matches) setFresh((list) => (list.some((x) => x.seq === e.seq) ? list : [e, ...list].slice(0, 200)));
    },
    () => {
      setFresh([]);
      setOlder([]);
      first.reload();
    },
  );
  const loaded = [...(first.data?.events ?? []), ...older];
  const shown = [...fresh.filter((f) => !loaded.some((e) => e.seq === f.seq)), ...loaded];
  const loadOlder = async () => {
    const last = loaded[loaded.length - 1];
    if (!last) return;
    try {
      const page = await client(EventService).listEvents(request(last.seq));
      setOlder((o) => [...o, ...page.events]);
      setMore(page.events.length < PAGE ? "end" : undefined);
    } catch (err) {
      setMore(problem(err).message);
    }
  };
  return (
    <>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setOlder([]);
          setFresh([]);
          setMore(undefined);
          setFilter(draft);
        }}
      >
        <SelectField
          name="kind"
          label={t("evp.kind")}
          value={draft.kind}
          onChange={(kind) => setDraft({ ...draft, kind })}
          options={[{ value: "", label: t("evp.allKinds") }, ...KINDS.map((k) => ({ value: k, label: t(`ev.kind.${k}` as MessageKey) }))]}
        />
        <TextField name="since" type="datetime-local" label={t("evp.since")} value={draft.since} onInput={(since) => setDraft({ ...draft, since })} />
        <TextField name="until" type="datetime-local" label={t("evp.until")} value={draft.until} onInput={(until) => setDraft({ ...draft, until })} />
        <button type="submit">{t("evp.apply")}</button>
      </form>
      {first.error && <LoadProblem problem={first.error} retry={first.reload} />}
      {first.data && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t("evp.tab")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("ev.col.time")}</th>
                <th scope="col">{t("evp.col.device")}</th>
                <th scope="col">{t("ev.col.kind")}</th>
                <th scope="col">{t("ev.col.detail")}</th>
              </tr>
            </thead>
            <tbody aria-live="polite">
              {shown.length === 0 ? (
                <tr>
                  <td colSpan={4} class="empty">
                    {t("evp.none")}
                  </td>
                </tr>
              ) : (
                shown.map((e) => (
                  <tr key={String(e.seq)} data-kind={e.kind}>
                    <td>{formatDateTime(e.atMs, props.time)}</td>
                    <td>
                      <Link href={`/communities/${props.communityId}/devices/${e.deviceId}`}>{e.deviceName || e.mac}</Link>
                    </td>
                    <td>{t(`ev.kind.${e.kind}` as MessageKey)}</td>
                    <td>
                      <EventDetail event={e} communityId={props.communityId} time={props.time} />
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}
      {first.data && first.data.events.length === PAGE && more !== "end" && (
        <div class="buttons start">
          <button type="button" onClick={loadOlder}>
            {t("evp.more")}
          </button>
          {more && more !== "end" && <span class="field-error">{more}</span>}
        </div>
      )}
    </>
  );
}
