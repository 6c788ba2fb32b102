// The Firmware and Upgrade modules in a real browser against a real server: an image
// uploaded through the browser's file picker (refusals shown under the field they name,
// nothing kept), its details, a refused oversized file, deletion; then an upgrade
// strategy for a connected simulated door phone, edited, listed by status and deleted.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, ftruncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { adminCli, check, eventually, expectClean, keepEvidence, launchBrowser, logIn, openPage, startServer } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Fills the Upload Firmware dialog and submits it. */
async function fillUpload(dialog, { version, models, log = "", file, sha256 = "" }) {
  await dialog.getByLabel(/^Version( \(required\))?$/).fill(version);
  await dialog.getByLabel(/^Device models/).fill(models);
  await dialog.getByLabel(/^Version Log/).fill(log);
  await dialog.getByLabel(/^Firmware image/).setInputFiles(file);
  await dialog.getByLabel(/^SHA-256/).fill(sha256);
  await dialog.getByRole("button", { name: "Submit" }).click();
}

describe("the Firmware module", () => {
  test("upload with refusals, details, an oversized file, delete", () =>
    keepEvidence(browser, "firmware module", async () => {
      const { page, context, problems } = await openPage(browser);
      await logIn(page, server.portal);
      await page.getByRole("link", { name: "Firmware" }).click();
      await page.getByRole("heading", { name: "Firmware", level: 1 }).waitFor();
      await page.getByText("No firmware yet.").waitFor();

      // 5 MiB and a bit: six chunk messages, the last one short.
      const image = randomBytes((5 << 20) + 12345);
      const file = join(server.dataDir, "r29.bin");
      writeFileSync(file, image);
      const sha = createHash("sha256").update(image).digest("hex");

      await page.getByRole("button", { name: "Upload Firmware" }).click();
      const dialog = page.getByRole("dialog", { name: "Upload Firmware" });
      await fillUpload(dialog, { version: "29.x.2", models: "R29", file });
      await dialog.locator(".field.invalid", { has: page.getByLabel(/^Version( \(required\))?$/) }).getByRole("alert").waitFor();

      // A checksum that does not match: refused under the SHA-256 field, nothing kept.
      await fillUpload(dialog, { version: "29.30.2.805", models: "R29", file, sha256: "ab".repeat(32) });
      await dialog.locator(".field.invalid", { has: page.getByLabel(/^SHA-256/) }).getByRole("alert").waitFor();
      const stored = JSON.parse(await adminCli(server, ["--json", "firmware", "list"]));
      assert.equal((stored.firmware ?? []).length, 0, "a refused upload keeps nothing");

      await fillUpload(dialog, { version: "29.30.2.805", models: "r29, R29S", log: "Fixes the relay delay.\nSecond line.", file, sha256: sha });
      await page.getByText("Firmware 29.30.2.805 for R29, R29S was uploaded.").waitFor();
      const row = page.getByRole("row", { name: /29\.30\.2\.805/ });
      await row.getByText("R29, R29S").waitFor();
      await row.getByText("Fixes the relay delay.").waitFor();

      await page.getByRole("button", { name: "Details of 29.30.2.805" }).click();
      const details = page.getByRole("dialog", { name: "Firmware 29.30.2.805" });
      await details.getByText(sha).waitFor();
      await details.getByText("5 MiB").waitFor();
      await details.getByText("Second line.").waitFor();
      await check(page, "firmware-details");
      await details.getByRole("button", { name: "Close" }).click();

      // Larger than the server takes (512 MiB by default): refused before a byte is sent.
      // A sparse file, so the test writes nothing to disk.
      const huge = join(server.dataDir, "huge.bin");
      const fd = openSync(huge, "w");
      ftruncateSync(fd, (512 << 20) + 1);
      closeSync(fd);
      await page.getByRole("button", { name: "Upload Firmware" }).click();
      await fillUpload(dialog, { version: "29.30.2.806", models: "R29", file: huge });
      await dialog.getByText("The file has 536,870,913 bytes; this server takes images of at most 536,870,912 bytes (512 MiB).").waitFor();
      await check(page, "firmware-too-large");

      // Cancel while the bytes are going: the server keeps nothing.
      const big = join(server.dataDir, "big.bin");
      const bigFd = openSync(big, "w");
      ftruncateSync(bigFd, 400 << 20);
      closeSync(bigFd);
      await fillUpload(dialog, { version: "29.30.2.807", models: "R29", file: big });
      await dialog.getByRole("progressbar", { name: "Upload progress" }).waitFor();
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await page.getByText("The upload was cancelled; nothing was kept.").waitFor();
      const kept = JSON.parse(await adminCli(server, ["--json", "firmware", "list"]));
      assert.deepEqual(
        kept.firmware.map((f) => f.version),
        ["29.30.2.805"],
        "a cancelled upload keeps nothing",
      );

      await page.getByLabel(/^Model/).fill("R29S");
      await page.getByRole("button", { name: "Search" }).click();
      await eventually(() => page.locator("tbody tr").count(), 1);
      await page.getByLabel(/^Model/).fill("C313");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByText("No firmware yet.").waitFor();
      await page.goBack();
      await page.getByRole("button", { name: "Delete 29.30.2.805" }).click();
      await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
      await page.getByText("Firmware 29.30.2.805 was deleted.").waitFor();
      await page.getByText("No firmware yet.").waitFor();
      expectClean(problems, [/FirmwareService\/UploadFirmware/]);
      await context.close();
    }));
});
