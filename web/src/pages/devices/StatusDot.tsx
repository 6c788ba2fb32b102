import { t } from "../../i18n";

/** Online or offline as a coloured dot with its word (colour is never the only sign). */
export function StatusDot(props: { online: boolean }) {
  return (
    <span class={`status ${props.online ? "online" : "offline"}`} data-status={props.online ? "online" : "offline"}>
      <span class="dot" aria-hidden="true" />
      {props.online ? t("dev.online") : t("dev.offline")}
    </span>
  );
}
