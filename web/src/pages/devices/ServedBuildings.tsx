// The Buildings of a public-area device: All Buildings, or the buildings whose residents
// the device serves (the manual: "Tick All Building if you want the device to be
// controlled by all the residents in all the building in the community").
import type { Building } from "../../gen/porter/admin/v1/admin_pb";
import { t } from "../../i18n";
import { CheckField } from "../../ui/fields";

export interface Served {
  all: boolean;
  /** Ids (as strings) of the chosen buildings when not all. */
  chosen: string[];
}

export const servedOf = (ids: bigint[]): Served => ({ all: ids.length === 0, chosen: ids.map(String) });

/** The ids to send, or undefined when "all" is off and nothing is chosen (refused here). */
export const servedIds = (s: Served): bigint[] | undefined => (s.all ? [] : s.chosen.length ? s.chosen.map(BigInt) : undefined);

export function ServedBuildings(props: { buildings: Building[]; value: Served; onChange: (s: Served) => void; error?: string }) {
  const { value } = props;
  const toggle = (id: string, on: boolean) =>
    props.onChange({ all: false, chosen: on ? [...value.chosen, id] : value.chosen.filter((x) => x !== id) });
  return (
    <fieldset class={`group${props.error ? " invalid" : ""}`}>
      <legend>{t("dev.buildings")}</legend>
      <CheckField
        name="allBuildings"
        label={t("dev.buildings.all")}
        help={t("dev.buildings.help")}
        checked={value.all}
        onChange={(all) => props.onChange({ ...value, all })}
      />
      {!value.all &&
        (props.buildings.length === 0 ? (
          <p class="help">{t("dev.buildings.none")}</p>
        ) : (
          props.buildings.map((b) => (
            <CheckField
              key={String(b.id)}
              name={`building-${b.id}`}
              label={b.name}
              checked={value.chosen.includes(String(b.id))}
              onChange={(on) => toggle(String(b.id), on)}
            />
          ))
        ))}
      {props.error && (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}
