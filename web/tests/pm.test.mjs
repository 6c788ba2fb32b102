// A property manager in the portal, in a real browser against a real server: it logs in on
// the installers' form with its email, sees only the communities assigned to it, none of
// the installer's own modules or actions, opens its community's residents, and its account
// page is its own password.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { adminCli, check, expectClean, keepEvidence, launchBrowser, logIn, openPage, startServer } from "./harness.mjs";

let server;
let browser;
let pm;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const community = async (name) =>
    (await adminCli(server, ["--get", "id", "community", "create", "--name", name, "--feature-plan", "premium", "--country", "Germany"])).trim();
  const elm = await community("Elm Court");
  await community("Ash Court");
  const b1 = (await adminCli(server, ["--get", "id", "building", "create", "--community", elm, "--name", "B1"])).trim();
  await adminCli(server, ["apartment", "create", "--building", b1, "--apt", "101", "--first-name", "Lily", "--last-name", "Zheng"]);
  const made = JSON.parse(
    await adminCli(server, ["--json", "pm", "create", "--first-name", "Pat", "--last-name", "Lee", "--email", "pat@pm.example"]),
  );
  pm = { email: "pat@pm.example", password: made.generated_password, id: String(made.property_manager.id) };
  await adminCli(server, ["pm", "assign", pm.id, "--community", elm, "--log-access"]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe("property manager", () => {
  test("logs in, sees its communities only and none of the installer's pages", () =>
    keepEvidence(browser, "pm", async () => {
      const { page, context, problems } = await openPage(browser);
      await logIn(page, server.portal, pm.email, pm.password);
      await page.getByText("(Property manager)").waitFor();
      const nav = page.getByRole("navigation", { name: "Modules" });
      for (const installerOnly of ["MAC Library", "Firmware", "Subscriptions", "Payments", "Audit Log"]) {
        assert.equal(await nav.getByRole("link", { name: installerOnly }).count(), 0, `${installerOnly} is the installer's`);
      }
      const table = page.getByRole("table", { name: "Dashboard" });
      await table.getByRole("link", { name: /Elm Court/ }).waitFor();
      assert.equal(await table.getByText("Ash Court").count(), 0, "an unassigned community does not exist for it");
      assert.equal(await page.getByRole("link", { name: "+ New" }).count(), 0);
      assert.equal(await table.getByRole("columnheader", { name: "Actions" }).count(), 0);
      assert.equal(await page.getByRole("heading", { name: /Property Manager List/ }).count(), 0);
      await check(page, "pm-dashboard");

      await table.getByRole("link", { name: /Elm Court/ }).click();
      const modules = page.getByRole("navigation", { name: /Elm Court/ });
      await modules.getByRole("link", { name: "Resident and Device" }).waitFor();
      assert.equal(await modules.getByRole("link", { name: "Upgrade" }).count(), 0, "upgrades are the installer's");
      assert.equal(await page.getByRole("button", { name: "+ Add Building" }).count(), 0);
      await page.getByRole("link", { name: "B1" }).click();
      await page.getByRole("cell", { name: /Lily/ }).first().waitFor();
      assert.equal(await page.getByRole("link", { name: "New", exact: true }).count(), 0, "apartments are the installer's to add");
      assert.equal(await page.getByRole("button", { name: "Delete B1" }).count(), 0);
      await check(page, "pm-residents");

      // The apartment: no Delete APT or Reset; without Delete Account Permission the
      // resident's move-out is refused, naming the permission.
      await page.getByRole("link", { name: /101/ }).first().click();
      await page.getByRole("button", { name: "Move Out" }).waitFor();
      assert.equal(await page.getByRole("button", { name: "Reset" }).count(), 0);
      assert.equal(await page.getByRole("button", { name: "Delete APT" }).count(), 0);
      assert.equal(await page.getByRole("link", { name: "Add Device" }).count(), 0);
      await check(page, "pm-apartment");
      await page.getByRole("button", { name: "Move Out" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Move Out" }).click();
      await page.getByText("Delete Account Permission is off").waitFor();

      await page.getByRole("link", { name: /pat@pm\.example/ }).click();
      await page.getByRole("heading", { name: "Change Password" }).waitFor();
      assert.equal(await page.getByRole("heading", { name: "Time Zone" }).count(), 0);
      assert.equal(await page.getByRole("heading", { name: "Billing Information" }).count(), 0);
      expectClean(problems, [/PERMISSION_DENIED|403|permission/i]);
      await context.close();
    }));
});
