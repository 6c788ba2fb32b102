// App Status, Active and a search over residents' names and emails, as the manual's list
// heads have them; applied with Search (or Enter), which goes back to page 1.
import { useState } from "preact/hooks";
import { ActiveStatus, AppStatus } from "../../gen/porter/admin/v1/admin_pb";
import { t } from "../../i18n";
import { SelectField, TextField } from "../../ui/fields";
import type { View } from "./query";
import { SearchForm } from "../../ui/SearchForm";

export function Filters(props: { view: View; apply: (changes: Partial<View>) => void }) {
  const [app, setApp] = useState(props.view.app);
  const [active, setActive] = useState(props.view.active);
  const [q, setQ] = useState(props.view.q);
  return (
    <SearchForm onSearch={() => props.apply({ app, active, q, page: 1 })}>
      <SelectField
        name="app"
        label={t("rd.filter.appStatus")}
        value={app}
        onChange={setApp}
        options={[
          { value: "", label: t("rd.filter.all") },
          { value: String(AppStatus.UNREGISTERED), label: t("rd.appStatus.unregistered") },
          { value: String(AppStatus.REGISTERED), label: t("rd.appStatus.registered") },
        ]}
      />
      <SelectField
        name="active"
        label={t("rd.filter.active")}
        value={active}
        onChange={setActive}
        options={[
          { value: "", label: t("rd.filter.all") },
          { value: String(ActiveStatus.INACTIVATED), label: t("rd.active.inactivated") },
          { value: String(ActiveStatus.NORMAL), label: t("rd.active.normal") },
          { value: String(ActiveStatus.EXPIRED), label: t("rd.active.expired") },
        ]}
      />
      <TextField name="q" type="search" label={t("rd.filter.search")} help={t("rd.filter.search.help")} value={q} onInput={setQ} />
    </SearchForm>
  );
}

/** The filter of `view` as the admin API takes it. */
export function residentFilter(view: View) {
  return {
    appStatus: Number(view.app || 0) as AppStatus,
    active: Number(view.active || 0) as ActiveStatus,
    text: view.q,
  };
}
