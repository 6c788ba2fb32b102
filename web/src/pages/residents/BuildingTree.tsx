// The left side of Resident and Device: the community's public area and its buildings,
// with + Add Building, rename and delete (its apartments and devices go with it).
import { useState } from "preact/hooks";
import { BuildingService, type Building } from "../../gen/porter/admin/v1/admin_pb";
import { client, problem } from "../../api";
import { t } from "../../i18n";
import { Link } from "../../router";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { FormDialog } from "../../ui/FormDialog";
import { TextField } from "../../ui/fields";
import { announce } from "../../ui/Notice";
import { isPropertyManager } from "../../session";

export function BuildingTree(props: {
  communityId: bigint;
  buildings: Building[];
  selected?: string;
  hrefOf: (building?: string) => string;
  changed: (selected?: string) => void;
}) {
  const [naming, setNaming] = useState<{ building?: Building; name: string }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [doomed, setDoomed] = useState<Building>();
  // Buildings are the installer's to add, rename and delete.
  const manager = isPropertyManager();

  const save = async () => {
    if (!naming) return;
    setBusy(true);
    setError(undefined);
    try {
      if (naming.building) {
        const b = await client(BuildingService).renameBuilding({ id: naming.building.id, name: naming.name });
        announce(t("rd.renamed", { name: b.name }));
        props.changed(String(b.id));
      } else {
        const b = await client(BuildingService).createBuilding({ communityId: props.communityId, name: naming.name });
        announce(t("rd.buildingAdded", { name: b.name }));
        props.changed(String(b.id));
      }
      setNaming(undefined);
    } catch (err) {
      setError(problem(err).message);
    }
    setBusy(false);
  };
  const remove = async () => {
    if (!doomed) return;
    setBusy(true);
    try {
      await client(BuildingService).deleteBuilding({ id: doomed.id, cascade: true });
      announce(t("rd.buildingDeleted", { name: doomed.name }));
      props.changed(props.selected === String(doomed.id) ? undefined : props.selected);
    } catch (err) {
      announce(problem(err).message, "error");
    }
    setBusy(false);
    setDoomed(undefined);
  };

  return (
    <nav class="tree" aria-label={t("rd.tree")}>
      {!manager && (
        <button type="button" class="small" onClick={() => (setError(undefined), setNaming({ name: "" }))}>
          {t("rd.addBuilding")}
        </button>
      )}
      <ul>
        <li class={props.selected === "public" ? "selected" : undefined}>
          <Link href={props.hrefOf("public")} class="tree-public" aria-current={props.selected === "public" ? "page" : undefined}>
            {t("rd.publicArea")}
          </Link>
        </li>
        {props.buildings.map((b) => (
          <li key={String(b.id)} class={props.selected === String(b.id) ? "selected" : undefined}>
            <Link href={props.hrefOf(String(b.id))} aria-current={props.selected === String(b.id) ? "page" : undefined}>
              {b.name}
            </Link>
            {!manager && (
            <span class="tree-actions">
              <button
                type="button"
                class="icon"
                aria-label={t("rd.renameBuilding", { name: b.name })}
                title={t("rd.renameBuilding", { name: b.name })}
                onClick={() => (setError(undefined), setNaming({ building: b, name: b.name }))}
              >
                ✎
              </button>
              <button
                type="button"
                class="icon danger"
                aria-label={t("rd.deleteBuilding", { name: b.name })}
                title={t("rd.deleteBuilding", { name: b.name })}
                onClick={() => setDoomed(b)}
              >
                ✕
              </button>
            </span>
            )}
          </li>
        ))}
      </ul>
      <FormDialog
        open={naming !== undefined}
        title={naming?.building ? t("rd.renameBuilding", { name: naming.building.name }) : t("rd.addBuilding")}
        busy={busy}
        error={error}
        onSubmit={save}
        onClose={() => setNaming(undefined)}
      >
        {naming && (
          <TextField
            name="building"
            required
            maxLength={128}
            label={t("rd.buildingName")}
            help={t("rd.buildingName.help")}
            value={naming.name}
            onInput={(name) => setNaming({ ...naming, name })}
          />
        )}
      </FormDialog>
      <ConfirmDialog
        open={doomed !== undefined}
        message={
          doomed
            ? t("rd.deleteBuildingConfirm", { name: doomed.name, apartments: doomed.apartmentCount, devices: doomed.deviceCount })
            : ""
        }
        confirmLabel={t("common.delete")}
        busy={busy}
        onConfirm={remove}
        onCancel={() => setDoomed(undefined)}
      />
    </nav>
  );
}
