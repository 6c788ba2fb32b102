// The message catalog: every string the portal shows comes from here. English is complete
// and bundled; each other language is its own chunk, loaded when chosen, and falls back to
// English key by key. A message is a string with {name} parameters, or plural forms keyed
// by Intl.PluralRules categories (chosen by the `count` parameter).
import { en, type MessageKey, type Message } from "./en";

export type { MessageKey };
export type Catalog = Partial<Record<MessageKey, Message>>;

export interface Language {
  code: string;
  /** The language's own name, as its speakers look for it in a list. */
  name: string;
  rtl?: boolean;
  load: () => Promise<Catalog>;
}

/** English, the manual's twelve email languages, and Hebrew and Persian (6.7.0). */
export const LANGUAGES: Language[] = [
  { code: "en", name: "English", load: async () => ({}) },
  { code: "zh-CN", name: "简体中文", load: () => import("./zh-CN").then((m) => m.catalog) },
  { code: "ko", name: "한국어", load: () => import("./ko").then((m) => m.catalog) },
  { code: "ja", name: "日本語", load: () => import("./ja").then((m) => m.catalog) },
  { code: "tr", name: "Türkçe", load: () => import("./tr").then((m) => m.catalog) },
  { code: "pl", name: "Polski", load: () => import("./pl").then((m) => m.catalog) },
  { code: "ru", name: "Русский", load: () => import("./ru").then((m) => m.catalog) },
  { code: "es", name: "Español", load: () => import("./es").then((m) => m.catalog) },
  { code: "bs", name: "Bosanski", load: () => import("./bs").then((m) => m.catalog) },
  { code: "da", name: "Dansk", load: () => import("./da").then((m) => m.catalog) },
  { code: "vi", name: "Tiếng Việt", load: () => import("./vi").then((m) => m.catalog) },
  { code: "fr", name: "Français", load: () => import("./fr").then((m) => m.catalog) },
  { code: "he", name: "עברית", rtl: true, load: () => import("./he").then((m) => m.catalog) },
  { code: "fa", name: "فارسی", rtl: true, load: () => import("./fa").then((m) => m.catalog) },
];

const STORAGE_KEY = "porter.language";

let current: Language = LANGUAGES[0];
let catalog: Catalog = {};
let plurals = new Intl.PluralRules("en");
const listeners = new Set<() => void>();

/** The language saved by the switch, else the browser's first one we have, else English. */
export function preferredLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  const wanted = saved ? [saved] : [...navigator.languages, navigator.language];
  for (const tag of wanted) {
    const exact = LANGUAGES.find((l) => l.code.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const base = tag.split("-")[0].toLowerCase();
    const byBase = LANGUAGES.find((l) => l.code.split("-")[0] === base);
    if (byBase) return byBase;
  }
  return LANGUAGES[0];
}

/** Loads `language`, sets the page's lang and direction, and redraws whoever listens. */
export async function switchLanguage(language: Language, remember = false): Promise<void> {
  const loaded = await language.load();
  current = language;
  catalog = loaded;
  plurals = new Intl.PluralRules(language.code);
  document.documentElement.lang = language.code;
  document.documentElement.dir = language.rtl ? "rtl" : "ltr";
  if (remember) localStorage.setItem(STORAGE_KEY, language.code);
  listeners.forEach((l) => l());
}

export function currentLanguage(): Language {
  return current;
}

export function onLanguageChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export type Params = Record<string, string | number>;

/** The message `key` in the current language, with `params` filled in. */
export function t(key: MessageKey, params: Params = {}): string {
  const message = catalog[key] ?? en[key];
  let text: string;
  if (typeof message === "string") {
    text = message;
  } else {
    const count = Number(params.count ?? 0);
    const category = plurals.select(count) as keyof typeof message;
    text = message[category] ?? message.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? formatParam(params[name]) : whole,
  );
}

function formatParam(value: string | number): string {
  return typeof value === "number" ? new Intl.NumberFormat(current.code).format(value) : value;
}
