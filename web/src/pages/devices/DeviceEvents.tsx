// A device's latest events (door log, call log, alarms, arming, relay status, captured
// images), newest first; new ones are added as the live stream brings them.
import { useState } from "preact/hooks";
import { EventService, type DeviceEvent } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t, type MessageKey } from "../../i18n";
import { FetchedImage } from "../../ui/FetchedImage";
import { formatDateTime, type TimeStyle } from "../../ui/format";

export function eventSummary(e: DeviceEvent): string {
  const d = e.detail;
  switch (d.case) {
    case "doorLog":
      return (
        t("ev.door", {
          relay: d.value.relay,
          method: t(`ev.method.${d.value.method}` as MessageKey),
          result: d.value.success ? t("ev.door.opened") : t("ev.door.refused"),
          who: d.value.who ? ` (${d.value.who})` : "",
        }) + (d.value.offline ? t("ev.door.offline") : "")
      );
    case "callLog":
      return t("ev.call", {
        caller: d.value.caller,
        callee: d.value.callee,
        result: d.value.answered ? t("ev.call.answered", { secs: d.value.durationSecs }) : t("ev.call.missed"),
      });
    case "alarm":
      return t("ev.alarm", { kind: d.value.kind, zone: d.value.zone, message: d.value.message });
    case "armingState":
      return t("ev.arming", { mode: d.value.mode });
    case "relayStatus":
      return t("ev.relay", { relay: d.value.relay, state: d.value.open ? t("ev.relay.open") : t("ev.relay.closed") });
    case "capture":
      return t("ev.capture", { reason: t(`ev.capture.${d.value.reason}` as MessageKey) });
    default:
      return e.kind;
  }
}

/** An event's details; a captured image is shown on demand. */
export function EventDetail(props: { event: DeviceEvent; communityId: bigint; time: TimeStyle }) {
  const e = props.event;
  const [shown, setShown] = useState(false);
  if (e.detail.case !== "capture") return <>{eventSummary(e)}</>;
  return (
    <div class="capture">
      <span>{eventSummary(e)}</span>{" "}
      <button type="button" class="link" aria-expanded={shown} onClick={() => setShown(!shown)}>
        {shown ? t("ev.capture.hide") : t("ev.capture.show")}
      </button>
      {shown && (
        <FetchedImage
          id={String(e.seq)}
          fetch={() => client(EventService).getCapturedImage({ communityId: props.communityId, seq: e.seq })}
          alt={t("ev.capture.alt", { device: e.deviceName, time: formatDateTime(e.atMs, props.time) })}
          class="captured-image"
        />
      )}
    </div>
  );
}

export function DeviceEvents(props: { events: DeviceEvent[]; communityId: bigint; time: TimeStyle }) {
  return (
    <section class="panel device-events" aria-labelledby="device-events-title">
      <h2 id="device-events-title">{t("ev.title")}</h2>
      <p class="help">{t("ev.live")}</p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{t("ev.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("ev.col.time")}</th>
              <th scope="col">{t("ev.col.kind")}</th>
              <th scope="col">{t("ev.col.detail")}</th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {props.events.length === 0 ? (
              <tr>
                <td colSpan={3} class="empty">
                  {t("ev.none")}
                </td>
              </tr>
            ) : (
              props.events.map((e) => (
                <tr key={String(e.seq)} data-kind={e.kind}>
                  <td>{formatDateTime(e.atMs, props.time)}</td>
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
    </section>
  );
}
