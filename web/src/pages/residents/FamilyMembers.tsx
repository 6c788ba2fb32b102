// Family members of an apartment's resident: their SmartPlus app accounts. Add, edit (the
// email cannot change once set) and remove.
import { ApartmentService, type Apartment, type FamilyMember } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { FormDialog } from "../../ui/FormDialog";
import { TextField } from "../../ui/fields";
import { SortableTable } from "../../ui/SortableTable";
import { useEditor } from "../../ui/useEditor";
import { appStatusLabel } from "./labels";

interface Draft {
  id?: bigint;
  firstName: string;
  lastName: string;
  email: string;
  callingCode: string;
  mobile: string;
  emailLocked: boolean;
}

const EMPTY: Draft = { firstName: "", lastName: "", email: "", callingCode: "", mobile: "", emailLocked: false };
const SERVER_FIELDS: Record<string, keyof Draft> = {
  first_name: "firstName",
  last_name: "lastName",
  email: "email",
  calling_code: "callingCode",
  mobile: "mobile",
};
const fullName = (m: { firstName: string; lastName: string }) => `${m.firstName} ${m.lastName}`.trim();

export function FamilyMembers(props: { apartment: Apartment; changed: () => void }) {
  const editor = useEditor<Draft, FamilyMember>({
    fields: SERVER_FIELDS,
    changed: props.changed,
    save: async (draft) => {
      if (draft.id === undefined) {
        const m = await client(ApartmentService).addFamilyMember({ apartmentId: props.apartment.id, ...draft });
        return t("apt.family.added", { name: fullName(m) });
      }
      const m = await client(ApartmentService).updateFamilyMember({
        id: draft.id,
        firstName: draft.firstName,
        lastName: draft.lastName,
        email: draft.emailLocked ? undefined : draft.email,
        callingCode: draft.callingCode,
        mobile: draft.mobile,
      });
      return t("apt.family.saved", { name: fullName(m) });
    },
    remove: async (member) => {
      await client(ApartmentService).deleteFamilyMember({ id: member.id });
      return t("apt.family.deleted", { name: fullName(member) });
    },
  });
  const { draft, set, errors, doomed } = editor;

  return (
    <section aria-labelledby="family-title">
      <div class="page-head">
        <h2 id="family-title">{t("apt.family")}</h2>
        <button type="button" disabled={!props.apartment.resident} onClick={() => editor.open(EMPTY)}>
          {t("apt.family.add")}
        </button>
      </div>
      <SortableTable
        caption={t("apt.family")}
        rows={props.apartment.familyMembers}
        rowKey={(m) => String(m.id)}
        initialSort={{ key: "name" }}
        empty={t("apt.family.none")}
        columns={[
          { key: "name", label: t("rd.col.resident"), cell: fullName, sortValue: fullName },
          { key: "email", label: t("rd.col.email"), cell: (m) => m.email || t("common.none") },
          { key: "mobile", label: t("rd.col.mobile"), cell: (m) => (m.mobile ? `${m.callingCode} ${m.mobile}`.trim() : t("common.none")) },
          { key: "app", label: t("rd.col.appStatus"), cell: (m) => appStatusLabel(m.appStatus) },
          {
            key: "actions",
            label: t("common.actions"),
            className: "actions",
            cell: (m) => (
              <>
                <button
                  type="button"
                  class="small"
                  aria-label={t("apt.family.editOne", { name: fullName(m) })}
                  onClick={() =>
                    editor.open({
                      id: m.id,
                      firstName: m.firstName,
                      lastName: m.lastName,
                      email: m.email,
                      callingCode: m.callingCode,
                      mobile: m.mobile,
                      emailLocked: Boolean(m.email),
                    })
                  }
                >
                  {t("common.edit")}
                </button>
                <button type="button" class="small danger" aria-label={t("apt.family.deleteOne", { name: fullName(m) })} onClick={() => editor.askRemove(m)}>
                  {t("common.remove")}
                </button>
              </>
            ),
          },
        ]}
      />
      <FormDialog {...editor.dialog} title={draft?.id === undefined ? t("apt.family.add") : t("apt.family.edit")}>
        {draft && (
          <>
            <TextField name="firstName" required label={t("apt.firstName")} value={draft.firstName} onInput={set("firstName")} maxLength={64} error={errors.firstName} />
            <TextField name="lastName" required label={t("apt.lastName")} value={draft.lastName} onInput={set("lastName")} maxLength={64} error={errors.lastName} />
            <TextField
              name="email"
              type="email"
              label={t("apt.email")}
              value={draft.email}
              onInput={set("email")}
              disabled={draft.emailLocked}
              lockedReason={t("apt.email.locked")}
              error={errors.email}
            />
            <TextField name="callingCode" type="tel" label={t("apt.callingCode")} value={draft.callingCode} onInput={set("callingCode")} error={errors.callingCode} />
            <TextField name="mobile" type="tel" label={t("apt.mobile")} value={draft.mobile} onInput={set("mobile")} error={errors.mobile} />
          </>
        )}
      </FormDialog>
      <ConfirmDialog {...editor.confirm} message={doomed ? t("apt.family.deleteConfirm", { name: fullName(doomed) }) : ""} confirmLabel={t("common.remove")} />
    </section>
  );
}
