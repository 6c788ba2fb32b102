import { useId } from "preact/hooks";
import { LANGUAGES, currentLanguage, switchLanguage, t } from "../i18n";

/** The language switch; the choice is remembered on this browser. */
export function LanguageSwitch() {
  const id = useId();
  return (
    <div class="language-switch">
      <label for={id}>{t("app.language")}</label>
      <select
        id={id}
        value={currentLanguage().code}
        onChange={(e) => {
          const code = (e.currentTarget as HTMLSelectElement).value;
          const language = LANGUAGES.find((l) => l.code === code);
          if (language) void switchLanguage(language, true);
        }}
      >
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
}
