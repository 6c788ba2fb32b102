// A property manager in the portal, in a real browser against a real server: it logs in on
// the installers' form with its email, sees only the communities assigned to it, none of
// the installer's own modules or actions, opens its community's residents, and its account
// page is its own password. It moves a resident in, issues a PIN and a visitor's QR key
// that a porter-sim door phone then opens with (the door log names who), withdraws the
// PIN, looks at the door phone's picture of someone at the door, opens its relay from its page (which offers none of the installer's
// settings), and finds the Basic plan's switches locked. A month on, its login asks for a new
// password (the server restarted under libfaketime, its clock 31 days ahead).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { adminCli, check, expectClean, keepEvidence, launchBrowser, logIn, openPage, startServer, startSim } from "./harness.mjs";

let server;
let browser;
let pm;
let oak;

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

  // Oak Court (Premium): an empty apartment and a public door phone; Birch Court (Basic).
  const oakId = await community("Oak Court");
  const b2 = (await adminCli(server, ["--get", "id", "building", "create", "--community", oakId, "--name", "North"])).trim();
  await adminCli(server, ["apartment", "create", "--building", b2, "--apt", "201"]);
  await adminCli(server, ["mac", "add", "0C1100000B01"]);
  const gate = (
    await adminCli(server, ["--get", "id", "device", "create", "--public-area", oakId, "--type", "multi-tenant-door-phone", "--mac", "0C1100000B01", "--name", "Oak Gate"])
  ).trim();
  await adminCli(server, ["pm", "assign", pm.id, "--community", oakId, "--log-access", "--delete-accounts"]);
  const birch = (
    await adminCli(server, ["--get", "id", "community", "create", "--name", "Birch Court", "--feature-plan", "basic", "--country", "Germany"])
  ).trim();
  await adminCli(server, ["pm", "assign", pm.id, "--community", birch]);
  oak = { id: oakId, gate };
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

  test("moves a resident in, issues a PIN and a visitor's QR key, and sees the door phone use them", () =>
    keepEvidence(browser, "pm-access", async () => {
      const door = startSim(server, oak.gate, { control: true });
      try {
        const { page, context, problems } = await openPage(browser);
        await logIn(page, server.portal, pm.email, pm.password);
        await page.getByRole("table", { name: "Dashboard" }).getByRole("link", { name: /Oak Court/ }).click();

        // What residents may use: on Premium the property manager's to switch.
        await page.getByRole("navigation", { name: /Oak Court/ }).getByRole("link", { name: "Access Control" }).click();
        const packages = page.getByLabel("Package Notification (R29 door phones)");
        await packages.check();
        await page.getByRole("button", { name: "Submit" }).click();
        await page.getByText("What residents may use is saved.").waitFor();
        await check(page, "pm-access");

        // Moves Mia Park into apartment 201.
        await page.getByRole("navigation", { name: /Oak Court/ }).getByRole("link", { name: "Resident and Device" }).click();
        await page.getByRole("link", { name: "North" }).click();
        await page.getByRole("link", { name: /201/ }).first().click();
        await page.getByLabel("Add Resident Later").uncheck();
        await page.getByLabel(/First Name/).fill("Mia");
        await page.getByLabel(/Last Name/).fill("Park");
        await page.getByRole("button", { name: "Submit" }).click();
        await page.getByText("The apartment 201 was saved.").waitFor();
        await page.getByText(/Moved in by pat@pm\.example \(property manager\) on /).waitFor();

        // Her PIN.
        const credentials = page.getByRole("region", { name: "Access credentials" });
        await credentials.getByRole("button", { name: "New credential" }).click();
        let dialog = page.getByRole("dialog", { name: "New credential for apartment 201" });
        assert.equal(await dialog.getByLabel(/Holder/).inputValue(), "resident");
        await dialog.getByLabel(/PIN code/).fill("2580");
        await dialog.getByRole("button", { name: "Submit" }).click();
        await credentials.getByRole("cell", { name: "2580" }).waitFor();
        await check(page, "pm-credentials");

        // A visitor's QR key: its code and QR code are shown at once.
        await credentials.getByRole("button", { name: "New credential" }).click();
        dialog = page.getByRole("dialog", { name: "New credential for apartment 201" });
        await dialog.getByLabel(/Holder/).selectOption("visitor");
        await dialog.getByLabel(/Name of the visitor/).fill("Dana Cruz");
        await dialog.getByLabel(/Number of uses/).fill("2");
        await dialog.getByRole("button", { name: "Submit" }).click();
        const shown = page.getByRole("dialog", { name: /QR code key – Dana Cruz/ });
        await shown.getByRole("img", { name: /QR code of the key for Dana Cruz/ }).waitFor();
        const code = (await shown.locator(".code").textContent()).trim();
        assert.match(code, /^\d{8}$/);
        await check(page, "pm-key-shown");
        await shown.getByRole("button", { name: "Close" }).click();

        // The door phone opens for both, and the door log says who.
        const byPin = await door.until("pin 2580", true);
        assert.equal(byPin.holder, "Mia Park");
        const byKey = await door.until(`qr ${code}`, true);
        assert.equal(byKey.holder, "Dana Cruz");
        await page.locator(".breadcrumb").getByRole("link", { name: "Oak Court" }).click();
        await page.getByRole("tab", { name: "Events" }).click();
        await page.getByRole("cell", { name: /PIN: opened \(Mia Park \(APT 201\)\)/ }).first().waitFor();
        await page.getByRole("cell", { name: /QR code: opened \(Dana Cruz/ }).first().waitFor();
        await check(page, "pm-door-log");

        // The door phone's picture of someone at the door, shown on demand (Log Access).
        const upload = await door.present("capture door_log");
        assert.equal(upload.status, 201, upload.answer);
        await page.getByLabel("Type", { exact: true }).selectOption("capture");
        await page.getByRole("button", { name: "Show", exact: true }).click();
        const picture = page.getByRole("cell", { name: /Picture: someone at the door/ }).first();
        await picture.getByRole("button", { name: "Show picture" }).click();
        const img = picture.getByRole("img", { name: /Picture taken by Oak Gate at/ });
        await img.waitFor();
        assert.match(await img.getAttribute("src"), /^blob:/);
        await page.waitForFunction((el) => el.complete && el.naturalWidth === 640, await img.elementHandle());
        await check(page, "pm-capture");

        // The door phone's page: its status and its relays to open, not the installer's
        // settings, reboot or remote control.
        await page.getByRole("link", { name: "Public Area" }).click();
        await page.getByRole("tab", { name: "Intercom Devices" }).click();
        await page.getByRole("link", { name: "Oak Gate" }).click();
        await page.getByRole("heading", { name: "Oak Gate", exact: true }).waitFor();
        await page.getByRole("button", { name: /^Open / }).first().waitFor();
        for (const installers of ["Reboot", "Remote Control", "Delete device", "Submit"]) {
          assert.equal(await page.getByRole("button", { name: installers }).count(), 0, `${installers} is the installer's`);
        }
        await check(page, "pm-device");
        await page.getByRole("button", { name: /^Open / }).first().click();
        await page.getByText(/Oak Gate: relay 1 opened \(\d+ ms\)/).waitFor();
        await page.locator(".breadcrumb").getByRole("link", { name: "Oak Court" }).click();

        // Withdrawn, the PIN no longer opens.
        await page.getByRole("navigation", { name: /Oak Court/ }).getByRole("link", { name: "Access Control" }).click();
        const all = page.getByRole("region", { name: "Access credentials" });
        await all.getByRole("button", { name: "Withdraw PIN code – Mia Park (Resident)" }).click();
        await page.getByRole("dialog").getByRole("button", { name: "Withdraw" }).click();
        await page.getByText(/withdrawn: the door phones drop it/).waitFor();
        await door.until("pin 2580", false);

        // Birch Court is on Basic: what residents may use is not the property manager's.
        await page.getByRole("link", { name: "Dashboard" }).first().click();
        await page.getByRole("table", { name: "Dashboard" }).getByRole("link", { name: /Birch Court/ }).click();
        await page.getByRole("navigation", { name: /Birch Court/ }).getByRole("link", { name: "Access Control" }).click();
        await page.getByText("Only the Premium feature plan, while in force").waitFor();
        assert.equal(await page.getByLabel("PIN codes as an access method").isDisabled(), true);
        assert.equal(await page.getByRole("button", { name: "Submit" }).isDisabled(), true);
        // Without Log Access Control there, no Events tab.
        await page.getByRole("navigation", { name: /Birch Court/ }).getByRole("link", { name: "Resident and Device" }).click();
        await page.getByRole("tab", { name: "APT" }).waitFor();
        assert.equal(await page.getByRole("tab", { name: "Events" }).count(), 0);
        expectClean(problems);
        await context.close();
      } finally {
        await door.stop();
      }
    }));
});

describe("monthly password reminder", () => {
  test("a month after its password was set, the login asks for a new one", () =>
    keepEvidence(browser, "pm-reminder", async () => {
      const first = await startServer();
      const made = JSON.parse(
        await adminCli(first, ["--json", "pm", "create", "--first-name", "Ron", "--last-name", "Ode", "--email", "ron@pm.example", "--monthly-password-reminder"]),
      );
      await first.stop({ keepData: true });
      const later = await startServer({ dataDir: first.dataDir, faketime: "+31d" });
      try {
        const { page, context, problems } = await openPage(browser);
        await page.goto(`${later.portal}/`);
        await page.getByLabel("Username").fill("ron@pm.example");
        await page.getByLabel("Password").fill(made.generated_password);
        await page.getByRole("button", { name: "Log in" }).click();
        await page.getByRole("heading", { name: "Change Password" }).waitFor();
        await page.getByText("Your password has not been changed for a month.").waitFor();
        await page.getByLabel(/Current password/).fill(made.generated_password);
        await page.getByLabel(/New password/).first().fill("ron-new-password-1");
        await page.getByLabel(/New password again/).fill("ron-new-password-1");
        await page.getByRole("region", { name: "Change Password" }).getByRole("button", { name: "Submit" }).click();
        await page.getByText("Your password was changed; other sessions were ended.").waitFor();
        expectClean(problems);
        await context.close();

        // Changed just now: the next login goes to the dashboard.
        const again = await openPage(browser);
        await logIn(again.page, later.portal, "ron@pm.example", "ron-new-password-1");
        await again.context.close();
      } finally {
        await later.stop();
      }
    }));
});
