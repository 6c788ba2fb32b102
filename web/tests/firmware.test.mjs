// The Firmware and Upgrade modules in a real browser against a real server: an image
// uploaded through the browser's file picker (refusals shown under the field they name,
// nothing kept), its details, a refused oversized file, deletion; then an upgrade
// strategy for a connected simulated door phone, edited, listed by status and deleted.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, ftruncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { adminCli, check, eventually, expectClean, keepEvidence, launchBrowser, logIn, openPage, startServer, startSim } from "./harness.mjs";

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

/** "YYYY-MM-DDTHH:MM" of `ms` in Europe/Berlin, as a datetime-local input takes it. */
function berlinLocal(ms) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Berlin",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(ms));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}T${part("hour")}:${part("minute")}`;
}

describe("the Upgrade module", () => {
  test("a strategy for a connected door phone: refusals, scheduled, edited to now, executed, deleted", () =>
    keepEvidence(browser, "upgrade module", async () => {
      const community = (
        await adminCli(server, ["--get", "id", "community", "create", "--name", "Elm Yard", "--feature-plan", "premium", "--country", "Germany", "--time-zone", "Europe/Berlin"])
      ).trim();
      await adminCli(server, ["mac", "add", "0C11050C0001"]);
      const gate = (
        await adminCli(server, ["--get", "id", "device", "create", "--public-area", community, "--type", "multi-tenant-door-phone", "--mac", "0C11050C0001", "--name", "Gate"])
      ).trim();
      const image = join(server.dataDir, "r29-900.bin");
      writeFileSync(image, randomBytes(300_000));
      await adminCli(server, ["firmware", "upload", image, "--version", "29.30.2.900", "--model", "R29", "--change-log", "Fixes"]);
      const sim = startSim(server, gate);
      try {
        await adminCli(server, ["device", "wait-online", gate]);
        const { page, context, problems } = await openPage(browser);
        await logIn(page, server.portal);
        await page.getByRole("link", { name: "Resident and Device of Elm Yard" }).click();
        await page.getByRole("navigation", { name: "Modules of Elm Yard" }).getByRole("link", { name: "Upgrade" }).click();
        await page.getByRole("heading", { name: "Upgrade", level: 1 }).waitFor();
        await page.getByText("No upgrade matches.").waitFor();

        await page.getByRole("button", { name: "New", exact: true }).click();
        const dialog = page.getByRole("dialog", { name: "Upgrade Strategy Creation" });
        await dialog.getByLabel(/^Model/).selectOption("R29");
        await dialog.getByLabel(/^Version/).selectOption({ label: "29.30.2.900" });
        const row = dialog.getByRole("row", { name: /Gate/ });
        await row.getByText("Public Device").waitFor();
        await row.getByText("0C11050C0001").waitFor();
        await check(page, "upgrade-new");

        // No device chosen, then a time that has passed: each refusal under its control.
        await dialog.getByRole("button", { name: "Submit" }).click();
        await dialog.getByRole("group", { name: /^Device/ }).getByText("Select at least one device").waitFor();
        await dialog.getByLabel("Upgrade Gate (0C11050C0001)").check();
        await dialog.getByLabel("Upgrade at a Specific Time").check();
        await dialog.getByLabel(/^Date and time/).fill(berlinLocal(Date.now() - 3_600_000));
        await dialog.getByRole("button", { name: "Submit" }).click();
        await dialog.locator(".field.invalid", { has: page.getByLabel(/^Date and time/) }).getByText(/has passed/).waitFor();

        await dialog.getByLabel(/^Date and time/).fill(berlinLocal(Date.now() + 2 * 86_400_000));
        await dialog.getByRole("button", { name: "Submit" }).click();
        await page.getByText("The upgrade to 29.30.2.900 (R29) was created for 1 device.").waitFor();
        const strategy = page.getByRole("row", { name: /29\.30\.2\.900/ });
        await strategy.getByText("Pending").waitFor();
        await check(page, "upgrade-list");

        // Right now, starting without a spread: the simulated door phone takes the image and
        // comes back with the new version.
        await page.getByRole("button", { name: "Edit 29.30.2.900 (R29)" }).click();
        const edit = page.getByRole("dialog", { name: "Edit Upgrade Strategy" });
        await edit.getByLabel("Upgrade Gate (0C11050C0001)").isChecked().then((on) => assert.ok(on, "the chosen device stays chosen"));
        await edit.getByLabel("Upgrade Right Now").check();
        // The strategy's rollout settings are shown filled in, so the section is open.
        await edit.getByLabel(/^Start spread/).fill("0");
        await edit.getByRole("button", { name: "Submit" }).click();
        await page.getByText("The upgrade to 29.30.2.900 (R29) was saved.").waitFor();
        await eventually(
          async () => {
            await page.getByRole("button", { name: "Refresh" }).click();
            return strategy.getByText("Executed").isVisible();
          },
          true,
          "the strategy is executed",
        );
        await page.getByRole("button", { name: "Details of 29.30.2.900 (R29)" }).click();
        const details = page.getByRole("dialog", { name: "Upgrade to 29.30.2.900 (R29)" });
        await details.getByRole("row", { name: /Gate 0C11050C0001 Executed/ }).waitFor();
        await check(page, "upgrade-details");
        await details.getByRole("button", { name: "Close" }).click();

        await page.getByLabel("Status", { exact: true }).selectOption({ label: "Pending" });
        await page.getByText("No upgrade matches.").waitFor();
        await page.getByLabel("Status", { exact: true }).selectOption({ label: "Executed" });
        await strategy.waitFor();
        await page.getByRole("button", { name: "Delete 29.30.2.900 (R29)" }).click();
        await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
        await page.getByText("The upgrade to 29.30.2.900 (R29) was deleted.").waitFor();
        await page.getByText("No upgrade matches.").waitFor();
        expectClean(problems, [/UpgradeService\/CreateUpgrade/]);
        await context.close();
      } finally {
        await sim.stop();
      }
    }));
});
