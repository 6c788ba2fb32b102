// Third Party Devices: the RTSP cameras of the public area, a building or an apartment
// (Device Name, Link Device, Created Time), searched by name; Add Camera and its edit
// (the password is never shown; left empty it stays), delete after confirming.
import { useState } from "preact/hooks";
import { CameraService, DeviceService, type Camera } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { FormDialog } from "../../ui/FormDialog";
import { SelectField, TextField } from "../../ui/fields";
import { LoadProblem } from "../../ui/LoadProblem";
import { SearchForm } from "../../ui/SearchForm";
import { SortableTable } from "../../ui/SortableTable";
import { formatDateTime, type TimeStyle } from "../../ui/format";
import { useEditor } from "../../ui/useEditor";
import { useLoad } from "../../ui/useLoad";
import { isDoorPhone } from "./labels";
import { isPropertyManager } from "../../session";

/** Where the cameras are: the public area, a building, or an apartment. */
export type CameraScope = { kind: "public" } | { kind: "building"; id: bigint } | { kind: "apartment"; id: bigint };

interface Draft {
  id?: bigint;
  name: string;
  rtspUrl: string;
  username: string;
  password: string;
  linkedDeviceId: string;
}

const EMPTY: Draft = { name: "", rtspUrl: "rtsp://", username: "", password: "", linkedDeviceId: "0" };
const SERVER_FIELDS: Record<string, keyof Draft> = {
  name: "name",
  rtsp_url: "rtspUrl",
  username: "username",
  password: "password",
  linked_device_id: "linkedDeviceId",
};

function listRequest(communityId: bigint, scope: CameraScope) {
  return {
    communityId,
    publicOnly: scope.kind === "public",
    buildingId: scope.kind === "building" ? scope.id : 0n,
    apartmentId: scope.kind === "apartment" ? scope.id : 0n,
  };
}

export function CameraList(props: { communityId: bigint; scope: CameraScope; time: TimeStyle }) {
  const [search, setSearch] = useState("");
  const [typed, setTyped] = useState("");
  const where = listRequest(props.communityId, props.scope);
  const deps = [props.communityId, props.scope.kind, props.scope.kind === "public" ? 0n : props.scope.id];
  const list = useLoad(() => client(CameraService).listCameras({ ...where, search }), [...deps, search]);
  // The door phones of the same area, which a camera may be linked to.
  const doorPhones = useLoad(
    () => client(DeviceService).listDevices({ ...where, page: { page: 1, pageSize: 100 } }).then((a) => a.devices.filter((d) => isDoorPhone(d.deviceType))),
    deps,
  );
  const editor = useEditor<Draft, Camera>({
    fields: SERVER_FIELDS,
    changed: list.reload,
    save: async (d) => {
      const camera = {
        name: d.name,
        rtspUrl: d.rtspUrl,
        username: d.username,
        password: d.password || undefined,
        linkedDeviceId: BigInt(d.linkedDeviceId || "0"),
      };
      if (d.id !== undefined) {
        const saved = await client(CameraService).updateCamera({ id: d.id, camera });
        return t("cam.saved", { name: saved.name });
      }
      const scope =
        props.scope.kind === "public"
          ? { case: "publicArea" as const, value: { communityId: props.communityId, buildingIds: [] } }
          : props.scope.kind === "building"
            ? { case: "buildingId" as const, value: props.scope.id }
            : { case: "apartmentId" as const, value: props.scope.id };
      const made = await client(CameraService).createCamera({ scope, camera });
      return t("cam.added", { name: made.name });
    },
    remove: async (c) => {
      await client(CameraService).deleteCamera({ id: c.id });
      return t("cam.deleted", { name: c.name });
    },
  });
  const { draft, set, errors } = editor;
  const links = [{ value: "0", label: t("cam.link.none") }, ...(doorPhones.data ?? []).map((d) => ({ value: String(d.id), label: `${d.name} (${d.mac})` }))];

  return (
    <>
      <div class="list-head">
        <SearchForm onSearch={() => setSearch(typed.trim())}>
          <TextField name="cameraSearch" type="search" label={t("cam.search")} value={typed} onInput={setTyped} />
        </SearchForm>
        {!isPropertyManager() && (
          <button type="button" class="primary" onClick={() => editor.open(EMPTY)}>
            {t("cam.new")}
          </button>
        )}
      </div>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <SortableTable
          caption={t("cam.title")}
          rows={list.data.cameras}
          rowKey={(c) => String(c.id)}
          initialSort={{ key: "name" }}
          empty={t("cam.empty")}
          columns={[
            { key: "name", label: t("cam.name"), cell: (c) => c.name, sortValue: (c) => c.name },
            { key: "link", label: t("cam.link"), cell: (c) => c.linkedDeviceName || t("common.none"), sortValue: (c) => c.linkedDeviceName },
            { key: "created", label: t("cam.created"), cell: (c) => formatDateTime(c.createdAtMs, props.time), sortValue: (c) => Number(c.createdAtMs) },
            {
              key: "actions",
              label: t("common.actions"),
              className: "actions",
              cell: (c) => (
                <>
                  <button
                    type="button"
                    class="small"
                    aria-label={t("cam.editOne", { name: c.name })}
                    onClick={() =>
                      editor.open({ id: c.id, name: c.name, rtspUrl: c.rtspUrl, username: c.username, password: "", linkedDeviceId: String(c.linkedDeviceId) })
                    }
                  >
                    {t("common.edit")}
                  </button>
                  <button type="button" class="small danger" aria-label={t("cam.deleteOne", { name: c.name })} onClick={() => editor.askRemove(c)}>
                    {t("common.delete")}
                  </button>
                </>
              ),
            },
          ]}
        />
      )}
      <FormDialog {...editor.dialog} title={draft?.id === undefined ? t("cam.new") : t("cam.edit")}>
        {draft && (
          <>
            <TextField name="name" required label={t("cam.name")} value={draft.name} onInput={set("name")} maxLength={64} error={errors.name} />
            <TextField name="rtspUrl" required label={t("cam.rtsp")} help={t("cam.rtsp.help")} value={draft.rtspUrl} onInput={set("rtspUrl")} error={errors.rtspUrl} />
            <TextField name="username" required label={t("cam.username")} help={t("cam.username.help")} value={draft.username} onInput={set("username")} autocomplete="off" error={errors.username} />
            <TextField
              name="password"
              type="password"
              required={draft.id === undefined}
              autocomplete="new-password"
              label={t("cam.password")}
              help={draft.id === undefined ? t("cam.password.help") : t("cam.password.editHelp")}
              value={draft.password}
              onInput={set("password")}
              error={errors.password}
            />
            <SelectField name="link" label={t("cam.link")} help={t("cam.link.help")} value={draft.linkedDeviceId} onChange={set("linkedDeviceId")} options={links} error={errors.linkedDeviceId} />
          </>
        )}
      </FormDialog>
      <ConfirmDialog
        {...editor.confirm}
        message={editor.doomed ? t("cam.deleteConfirm", { name: editor.doomed.name }) : ""}
        confirmLabel={t("common.delete")}
      />
    </>
  );
}
