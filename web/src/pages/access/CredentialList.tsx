// The access credentials of a community or of one apartment, newest first: who holds each,
// how it opens (PIN, card, face, key), which doors, when a key works and how often it was
// used. New issues one (a key's code and QR code are shown at once, to hand to the
// visitor); Withdraw removes it from every door phone.
import { useState } from "preact/hooks";
import {
  CredentialMethod,
  CredentialService,
  KeyFormat,
  type Apartment,
  type Community,
  type Credential,
} from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { CheckField, SelectField } from "../../ui/fields";
import { formatDateTime, type TimeStyle } from "../../ui/format";
import { FetchedImage } from "../../ui/FetchedImage";
import { InfoDialog } from "../../ui/InfoDialog";
import { LoadProblem } from "../../ui/LoadProblem";
import { Pager } from "../../ui/Pager";
import { QrCode } from "../../ui/QrCode";
import { SortableTable } from "../../ui/SortableTable";
import { useEditor } from "../../ui/useEditor";
import { useLoad } from "../../ui/useLoad";
import { CredentialDialog } from "./CredentialDialog";
import { doorsLabel, holderLabel, methodLabel, validityLabel } from "./labels";

export function CredentialList(props: { community: Community; apartment?: Apartment; time: TimeStyle }) {
  const { community, apartment } = props;
  const [method, setMethod] = useState("0");
  const [spent, setSpent] = useState(false);
  const [paging, setPaging] = useState({ page: 1, size: 20 });
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Credential>();
  const list = useLoad(
    () =>
      client(CredentialService).listCredentials({
        communityId: community.id,
        apartmentId: apartment?.id ?? 0n,
        method: Number(method),
        includeSpent: spent,
        page: paging.page,
        pageSize: paging.size,
      }),
    [String(community.id), String(apartment?.id ?? 0n), method, spent, paging.page, paging.size],
  );
  const editor = useEditor<object, Credential>({
    changed: list.reload,
    remove: async (c) => {
      await client(CredentialService).deleteCredential({ id: c.id });
      return t("cred.withdrawn", { what: `${methodLabel(c)} – ${holderLabel(c)}` });
    },
  });
  const titleId = apartment ? "apt-credentials-title" : "credentials-title";
  return (
    <section aria-labelledby={titleId}>
      <div class="page-head">
        <h2 id={titleId}>{t("cred.title")}</h2>
        <button type="button" onClick={() => setCreating(true)}>
          {apartment ? t("cred.new") : t("cred.newKey")}
        </button>
      </div>
      <div class="filters">
        <SelectField
          name="method"
          label={t("cred.method")}
          value={method}
          onChange={(m) => {
            setMethod(m);
            setPaging({ ...paging, page: 1 });
          }}
          options={[
            { value: "0", label: t("cred.method.any") },
            { value: String(CredentialMethod.PIN), label: t("cred.method.pin") },
            { value: String(CredentialMethod.RF_CARD), label: t("cred.method.card") },
            { value: String(CredentialMethod.FACE), label: t("cred.method.face") },
            { value: String(CredentialMethod.KEY), label: t("cred.method.key") },
          ]}
        />
        <CheckField
          name="spent"
          label={t("cred.showSpent")}
          checked={spent}
          onChange={(s) => {
            setSpent(s);
            setPaging({ ...paging, page: 1 });
          }}
        />
      </div>
      {list.error && <LoadProblem problem={list.error} retry={list.reload} />}
      {list.data && (
        <>
          <SortableTable
            caption={t("cred.title")}
            rows={list.data.credentials}
            rowKey={(c) => String(c.id)}
            empty={t("cred.none")}
            columns={[
              { key: "holder", label: t("cred.holder"), cell: holderLabel },
              ...(apartment
                ? []
                : [{ key: "apt", label: t("cred.col.apt"), cell: (c: Credential) => (c.apartmentId ? `${c.buildingName} ${c.aptNumber}` : t("cred.communityKey")) }]),
              { key: "method", label: t("cred.method"), cell: (c) => methodLabel(c) },
              { key: "value", label: t("cred.col.value"), cell: (c) => c.value || t("common.none") },
              { key: "doors", label: t("cred.doors"), cell: doorsLabel },
              {
                key: "validity",
                label: t("cred.col.validity"),
                cell: (c) => (
                  <>
                    {validityLabel(c, props.time)}
                    {c.spent && <strong class="tag"> {t("cred.spent")}</strong>}
                  </>
                ),
              },
              { key: "issued", label: t("cred.col.issued"), cell: (c) => `${formatDateTime(c.createdAtMs, props.time)} (${c.issuedBy})` },
              {
                key: "actions",
                label: t("common.actions"),
                className: "actions",
                cell: (c) => (
                  <>
                    {(c.method === CredentialMethod.KEY || c.method === CredentialMethod.FACE) && (
                      <button type="button" class="small" aria-label={t("cred.showOne", { who: holderLabel(c) })} onClick={() => setShown(c)}>
                        {t("cred.show")}
                      </button>
                    )}
                    <button type="button" class="small danger" aria-label={t("cred.withdrawOne", { what: `${methodLabel(c)} – ${holderLabel(c)}` })} onClick={() => editor.askRemove(c)}>
                      {t("cred.withdraw")}
                    </button>
                  </>
                ),
              },
            ]}
          />
          <Pager page={paging.page} size={paging.size} total={list.data.total} onChange={(page, size) => setPaging({ page, size })} />
        </>
      )}
      {creating && (
        <CredentialDialog
          community={community}
          apartment={apartment}
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            list.reload();
            if (c.method === CredentialMethod.KEY) setShown(c);
          }}
        />
      )}
      <CredentialShown credential={shown} onClose={() => setShown(undefined)} />
      <ConfirmDialog
        {...editor.confirm}
        message={editor.doomed ? t("cred.withdrawConfirm", { what: `${methodLabel(editor.doomed)} – ${holderLabel(editor.doomed)}` }) : ""}
        confirmLabel={t("cred.withdraw")}
      />
    </section>
  );
}

/** A key's code (and QR code) to hand to the visitor, or a face credential's photo. */
function CredentialShown(props: { credential?: Credential; onClose: () => void }) {
  const c = props.credential;
  return (
    <InfoDialog open={c !== undefined} title={c ? `${methodLabel(c)} – ${holderLabel(c)}` : ""} onClose={props.onClose}>
      {c?.method === CredentialMethod.FACE ? (
        <FetchedImage
          id={String(c.id)}
          fetch={() => client(CredentialService).getFacePhoto({ id: c.id })}
          alt={t("cred.photoOf", { who: holderLabel(c) })}
          class="face-photo"
        />
      ) : (
        c && (
          <div class="key-code">
            <p>
              {t("cred.code")}: <strong class="code">{c.value}</strong>
            </p>
            {c.keyFormat === KeyFormat.QR && <QrCode value={c.value} label={t("cred.qrOf", { who: holderLabel(c) })} />}
          </div>
        )
      )}
    </InfoDialog>
  );
}

