// The manual's twelve account-email languages, as the admin API names them.
import { Language } from "../gen/porter/admin/v1/admin_pb";

/** Each language in its own name (people look for their language by its own name). */
export const EMAIL_LANGUAGES: { value: Language; label: string }[] = [
  { value: Language.ENGLISH, label: "English" },
  { value: Language.SIMPLIFIED_CHINESE, label: "简体中文" },
  { value: Language.KOREAN, label: "한국어" },
  { value: Language.JAPANESE, label: "日本語" },
  { value: Language.TURKISH, label: "Türkçe" },
  { value: Language.POLISH, label: "Polski" },
  { value: Language.RUSSIAN, label: "Русский" },
  { value: Language.SPANISH, label: "Español" },
  { value: Language.BOSNIAN, label: "Bosanski" },
  { value: Language.DANISH, label: "Dansk" },
  { value: Language.VIETNAMESE, label: "Tiếng Việt" },
  { value: Language.FRENCH, label: "Français" },
];

export function languageOptions(): { value: string; label: string }[] {
  return EMAIL_LANGUAGES.map((l) => ({ value: String(l.value), label: l.label }));
}
