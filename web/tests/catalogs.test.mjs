// The message catalogs: every translated key is one English has, each translation uses the
// same {parameters} as the English message, and the languages said to be complete lack
// nothing (what a catalog lacks shows in English).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./harness.mjs";

const DIR = join(ROOT, "web", "src", "i18n");
/** Languages whose catalog is complete; the others are partial. */
const COMPLETE = ["he", "fa", "es", "fr", "ru", "zh-CN", "ja", "ko", "tr", "pl", "da", "vi", "bs"];

/** A catalog's object, read by stripping the TypeScript-only parts of its file. */
async function load(file) {
  const js = readFileSync(join(DIR, file), "utf8")
    .replace(/^import type .*$/gm, "")
    .replace(/^export type .*$/gm, "")
    .replace(/export const (\w+): Catalog =/, "export const $1 =")
    .replace(/\} satisfies Record<string, Message>;/, "};");
  const dir = mkdtempSync(join(tmpdir(), "porter-i18n-"));
  try {
    const path = join(dir, file.replace(/\.ts$/, ".mjs"));
    writeFileSync(path, js);
    const module = await import(pathToFileURL(path).href);
    return module.en ?? module.catalog;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const forms = (message) => (typeof message === "string" ? [message] : Object.values(message));
const params = (message) => new Set(forms(message).flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));

test("every catalog matches the English keys and parameters", async () => {
  const en = await load("en.ts");
  const languages = readdirSync(DIR).filter((f) => f.endsWith(".ts") && f !== "en.ts" && f !== "index.ts");
  assert.ok(languages.length >= 13, "the manual's languages have a catalog each");
  for (const file of languages) {
    const code = file.replace(/\.ts$/, "");
    const catalog = await load(file);
    for (const [key, message] of Object.entries(catalog)) {
      assert.ok(key in en, `${code}: ${key} is not an English key`);
      assert.deepEqual(params(message), params(en[key]), `${code}: ${key} has other {parameters} than English`);
      for (const text of forms(message)) assert.ok(text.trim().length > 0, `${code}: ${key} is empty`);
    }
    if (COMPLETE.includes(code)) {
      const missing = Object.keys(en).filter((k) => !(k in catalog));
      assert.deepEqual(missing, [], `${code} is complete`);
    }
  }
});
