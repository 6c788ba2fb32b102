// The portal in a real browser against a real server: the origin's headers, logging in and
// out, the session across reloads and at expiry, the dashboard's community list, creating
// and editing a community with every setting, deleting it, tenancy, Hebrew right to left.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  adminCli,
  eventually,
  keepEvidence,
  check,
  expectClean,
  launchBrowser,
  logIn,
  openPage,
  startServer,
  startSim,
} from "./harness.mjs";

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

/** A raw HTTPS request to the portal: status and headers. */
function request(path, { method = "GET", headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${server.portal}${path}`,
      { method, headers, rejectUnauthorized: false },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("the portal's origin", () => {
  test("pages carry a strict policy and are never cached; hashed assets are cached long", () =>
    keepEvidence(browser, "pages carry a strict policy and are never cached; hashed assets are cached long", async () => {
    const index = await request("/communities/1/edit");
    assert.equal(index.status, 200);
    const csp = index.headers["content-security-policy"];
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(index.headers["x-frame-options"], "DENY");
    assert.equal(index.headers["x-content-type-options"], "nosniff");
    assert.equal(index.headers["cache-control"], "no-store");
    assert.doesNotMatch(index.body, /<script>(?!<\/script>)/, "no inline script in index.html");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    assert.ok(script, "index.html loads a hashed script");
    const asset = await request(script, { headers: { "accept-encoding": "gzip" } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(asset.headers["content-encoding"], "gzip");
    assert.equal((await request("/assets/missing-0000.js")).status, 404);
    }));

  test("the API answers gRPC-Web only, and offers no CORS to other origins", () =>
    keepEvidence(browser, "the API answers gRPC-Web only, and offers no CORS to other origins", async () => {
    const plain = await request("/porter.admin.v1.AuthService/Login", { method: "POST" });
    assert.equal(plain.status, 415);
    const preflight = await request("/porter.admin.v1.CommunityService/ListCommunities", {
      method: "OPTIONS",
      headers: { origin: "https://device.example", "access-control-request-method": "POST" },
    });
    assert.notEqual(preflight.status, 200);
    assert.equal(preflight.headers["access-control-allow-origin"], undefined);
    }));
});

describe("an installer in the browser", () => {
  test("logs in (a wrong password is refused), and the session survives a reload", () =>
    keepEvidence(browser, "logs in (a wrong password is refused), and the session survives a reload", async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(`${server.portal}/`);
    await page.getByRole("heading", { name: "Log in to Porter" }).waitFor();
    // HTTP/2, so that each page's live stream does not use up the browser's connections.
    assert.equal(await page.evaluate(() => performance.getEntriesByType("navigation")[0].nextHopProtocol), "h2");
    await check(page, "login");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.getByRole("alert").innerText(), /password|credentials|username/i);
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByText("No community yet").waitFor();
    await check(page, "dashboard-empty");
    await page.reload();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    expectClean(problems, [/AuthService\/Login/]);
    await page.context().close();
    }));

  test("creates a community with every setting, edits it, and deletes it after confirming", () =>
    keepEvidence(browser, "creates a community with every setting, edits it, and deletes it after confirming", async () => {
    const { page, problems } = await openPage(browser);
    await logIn(page, server.portal);
    await page.getByRole("link", { name: "+ New" }).click();
    await page.getByRole("heading", { name: "New Community" }).waitFor();
    // The form's own checks: what is required, before the server is asked.
    await page.getByRole("button", { name: "Submit" }).click();
    await page.getByText("Feature Plan: required").waitFor();
    await check(page, "community-new-errors");

    const form = page.locator("form");
    await form.getByLabel("Number of apartments").fill("120");
    await page.getByRole("group", { name: "Home Automation Service" }).getByLabel("Off").check();
    await page.getByRole("group", { name: "Community Calls" }).getByLabel("On").check();
    await page.getByRole("group", { name: /Feature Plan/ }).getByLabel("Premium").check();
    await page.getByRole("group", { name: "Landline Service" }).getByLabel("On").check();
    await form.getByLabel(/Community Name/).fill("Lakeside Gardens");
    await form.getByLabel(/Country \/ Region/).selectOption("Germany");
    await form.getByLabel("State/Province").fill("Berlin");
    await form.getByLabel("City").fill("Berlin");
    await form.getByLabel("Post Code").fill("10115");
    await form.getByLabel("Street").fill("Seestraße 1");
    await form.getByLabel("Time Zone").selectOption("Europe/Berlin");
    await page.getByRole("group", { name: "Time Format" }).getByLabel("12H").check();
    await form.getByLabel("Date Format").selectOption("dmy");
    await page.getByRole("group", { name: /Permission Of Access Control/ }).getByLabel("Only Public Area").check();
    await page.getByRole("group", { name: "PIN Mode" }).getByLabel(/APT\+PIN/).check();
    await page.getByRole("group", { name: "Charge Mode" }).getByLabel("Pay By PM").check();
    await page.getByRole("group", { name: /Send Expiration Email/ }).getByLabel("On").check();
    await page.getByRole("group", { name: /Send Renew Email/ }).getByLabel("On").check();
    await page.getByRole("button", { name: "Submit" }).click();
    await page.getByText("The community Lakeside Gardens was created.").waitFor();
    const row = page.getByRole("row", { name: /Lakeside Gardens/ });
    await row.waitFor();
    await check(page, "dashboard-one-community");

    // Every setting was stored as chosen (the CLI reads it back through the admin API).
    const stored = JSON.parse(await adminCli(server, ["--json", "community", "list"]));
    const community = (stored.communities ?? stored)[0];
    assert.equal(community.name, "Lakeside Gardens");
    assert.equal(community.apartment_count, 120);
    assert.equal(community.community_calls, true);
    assert.equal(community.landline_service, true);
    assert.equal(community.time_zone, "Europe/Berlin");
    assert.equal(community.address.post_code, "10115");
    assert.match(String(community.feature_plan), /PREMIUM|Premium|2/);
    assert.match(String(community.access_control), /PUBLIC_ONLY|Public|2/);
    assert.match(String(community.pin_mode), /APT|2/);
    assert.equal(community.send_expiration_email, true);
    assert.equal(community.send_renew_email, true);

    // Edit: the settings fixed at creation are shown, disabled, with the reason.
    await row.getByRole("link", { name: "Edit Lakeside Gardens" }).click();
    await page.getByRole("heading", { name: "Edit Community" }).waitFor();
    assert.equal(await page.getByRole("group", { name: /Feature Plan/ }).getByLabel("Premium").isChecked(), true);
    assert.equal(await page.getByRole("group", { name: /Feature Plan/ }).getByLabel("Premium").isDisabled(), true);
    await page.getByText("The feature plan cannot be changed after the community is created.").waitFor();
    assert.equal(await page.getByRole("group", { name: /Permission Of Access Control/ }).getByLabel("Only Public Area").isDisabled(), true);
    await check(page, "community-edit");
    // A rule only the server knows lands on its field: landline with home automation.
    await page.getByRole("group", { name: "Home Automation Service" }).getByLabel("On").check();
    assert.equal(await page.getByRole("group", { name: "Landline Service" }).getByLabel("On").isDisabled(), true);
    await page.getByRole("group", { name: "Home Automation Service" }).getByLabel("Off").check();
    await page.locator("form").getByLabel("Post Code").fill("10-115");
    await page.getByRole("button", { name: "Submit" }).click();
    await page.getByText("Letters A-Z or a-z and digits 0-9 only.", { exact: true }).first().waitFor();
    await page.locator("form").getByLabel("Post Code").fill("10117");
    await page.locator("form").getByLabel(/Community Name/).fill("Lakeside Gardens North");
    await page.getByRole("button", { name: "Submit" }).click();
    await page.getByText("The community Lakeside Gardens North was saved.").waitFor();

    // Sorting by a column header, then deleting with the manual's confirmation.
    await adminCli(server, ["community", "create", "--name", "Alpha Court", "--feature-plan", "basic", "--country", "Germany"]);
    await page.reload();
    await page.getByRole("row", { name: /Alpha Court/ }).waitFor();
    const names = async () => page.locator("section[aria-labelledby=communities-count] tbody tr td:first-child").allInnerTexts();
    await eventually(names, ["Alpha Court", "Lakeside Gardens North"]);
    await page.locator("section[aria-labelledby=communities-count]").getByRole("button", { name: /Sort by Name/ }).click();
    await eventually(names, ["Lakeside Gardens North", "Alpha Court"]);
    await page.getByRole("button", { name: "Delete Alpha Court" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Are you sure you want to delete the community Alpha Court?").waitFor();
    await check(page, "community-delete-confirm");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await page.getByRole("row", { name: /Alpha Court/ }).count(), 1);
    await page.getByRole("button", { name: "Delete Alpha Court" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await page.getByText("The community Alpha Court was deleted.").waitFor();
    await page.getByRole("row", { name: /Alpha Court/ }).waitFor({ state: "detached" });
    expectClean(problems, [/CommunityService\/UpdateCommunity/]);
    await page.context().close();
    }));

  test("a second installer sees none of it, and a forged URL shows not found", () =>
    keepEvidence(browser, "a second installer sees none of it, and a forged URL shows not found", async () => {
    await adminCli(server, ["installer", "create", "--username", "second", "--password", "second-installer-pw"]);
    const { page, problems } = await openPage(browser);
    await logIn(page, server.portal, "second", "second-installer-pw");
    await page.getByText("No community yet").waitFor();
    const list = JSON.parse(await adminCli(server, ["--json", "community", "list"]));
    const id = (list.communities ?? list)[0].id;
    await page.goto(`${server.portal}/communities/${id}/edit`);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    await check(page, "not-found");
    expectClean(problems, [/CommunityService\/GetCommunity/]);
    await page.context().close();
    }));

  test("logs out, and an expired session ends with a clear message", () =>
    keepEvidence(browser, "logs out, and an expired session ends with a clear message", async () => {
    const { page, problems } = await openPage(browser);
    await logIn(page, server.portal);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByText("You are logged out.").waitFor();
    await page.goto(`${server.portal}/`);
    await page.getByRole("heading", { name: "Log in to Porter" }).waitFor();

    await logIn(page, server.portal);
    // The token's expiry passes (the browser's clock says so).
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem("porter.session"));
      s.expiresAtMs = Date.now() + 1500;
      localStorage.setItem("porter.session", JSON.stringify(s));
    });
    await page.reload();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByText("Your session has ended. Log in again to go on.").waitFor({ timeout: 10_000 });
    expectClean(problems);
    await page.context().close();
    }));

  test("Hebrew lays the portal out right to left, from the browser's language or the switch", () =>
    keepEvidence(browser, "Hebrew lays the portal out right to left, from the browser's language or the switch", async () => {
    const { page, problems } = await openPage(browser, { locale: "he-IL" });
    await page.goto(`${server.portal}/`);
    await page.waitForFunction(() => document.documentElement.dir === "rtl");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "he");
    await page.getByRole("heading", { name: "כניסה ל-Porter" }).waitFor();
    await page.getByLabel("שם משתמש").waitFor();
    await check(page, "login-hebrew");
    // The whole portal speaks Hebrew: the pages after login too.
    await page.getByLabel("שם משתמש").fill(ADMIN_USER);
    await page.getByLabel("סיסמה").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "כניסה", exact: true }).click();
    await page.getByRole("heading", { name: "לוח בקרה" }).waitFor();
    await page.getByRole("link", { name: "תשלומים" }).click();
    await page.getByRole("heading", { name: "תשלומים", level: 1 }).waitFor();
    await page.getByRole("link", { name: "מינויים" }).click();
    await page.getByRole("button", { name: "הפעלה" }).click();
    await page.getByRole("table", { name: "פרטי הרכישה" }).waitFor();
    await check(page, "subscriptions-hebrew");
    await page.getByRole("combobox").first().selectOption("en");
    await page.waitForFunction(() => document.documentElement.dir === "ltr");
    await page.getByRole("combobox").first().selectOption("fa");
    await page.waitForFunction(() => document.documentElement.dir === "rtl" && document.documentElement.lang === "fa");
    expectClean(problems);
    await page.context().close();
    }));
});

describe("the account menu and sub-accounts", () => {
  test("customer service, billing, account setting and time zone are saved and shown again", () =>
    keepEvidence(browser, "customer service, billing, account setting and time zone are saved and shown again", async () => {
    const { page, problems } = await openPage(browser);
    await logIn(page, server.portal);
    await page.getByRole("link", { name: /admin \(Installer\)/ }).click();
    await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();

    const service = page.getByRole("region", { name: "Customer Service" });
    await service.getByLabel(/^Phone/).fill("+49 30 1234567");
    await service.getByLabel(/^Email/).fill("service@installer.example");
    await service.getByRole("group", { name: "Receive Feedback" }).getByLabel("On").check();
    await service.getByRole("button", { name: "Submit" }).click();
    await service.getByText("Saved.").waitFor();

    const billing = page.getByRole("region", { name: "Billing Information" });
    await billing.getByLabel(/^Company\/Family/).fill("Acme Intercom GmbH");
    await billing.getByLabel(/^ATTN/).fill("R. Chen");
    await billing.getByLabel(/^Street/).fill("Seestraße 1");
    await billing.getByLabel("Country / Region").selectOption("Germany");
    await billing.getByLabel(/^Email/).fill("billing@installer.example");
    // The server's rule lands on its field: TEL is required.
    await billing.getByRole("button", { name: "Submit" }).click();
    await billing.locator(".field.invalid", { has: page.getByLabel(/^TEL/) }).getByText("Is required", { exact: true }).waitFor();
    await billing.getByLabel(/^TEL/).fill("+49 (30) 123-4567");
    await billing.getByRole("button", { name: "Submit" }).click();
    await billing.getByText("Saved.").waitFor();

    const setting = page.getByRole("region", { name: "Account Setting" });
    await setting.getByRole("group", { name: "Distributor access" }).getByLabel("On").check();
    await setting.getByRole("button", { name: "Submit" }).click();
    await setting.getByText("Saved.").waitFor();

    const zone = page.getByRole("region", { name: "Time Zone" });
    await zone.getByLabel("Time Zone").selectOption("Asia/Tokyo");
    await zone.getByLabel("Time Format").selectOption({ label: "12H" });
    await zone.getByLabel("Date Format").selectOption({ label: "Day-Month-Year" });
    await zone.getByRole("button", { name: "Submit" }).click();
    await zone.getByText("Saved.").waitFor();
    await check(page, "account");

    await page.reload();
    await page.getByRole("region", { name: "Customer Service" }).getByLabel(/^Phone/).waitFor();
    assert.equal(await page.getByRole("region", { name: "Customer Service" }).getByLabel(/^Email/).inputValue(), "service@installer.example");
    assert.equal(await page.getByRole("region", { name: "Billing Information" }).getByLabel(/^Company\/Family/).inputValue(), "Acme Intercom GmbH");
    assert.equal(await page.getByRole("region", { name: "Billing Information" }).getByLabel(/^TEL/).inputValue(), "+49301234567");
    assert.equal(await page.getByRole("region", { name: "Account Setting" }).getByLabel("On").isChecked(), true);
    assert.equal(await page.getByRole("region", { name: "Time Zone" }).getByLabel("Time Zone").inputValue(), "Asia/Tokyo");
    // Times outside a community follow the account's formats: the dashboard's Created.
    await page.getByRole("link", { name: "Dashboard" }).click();
    // The list loads after the page shows: wait for a row's date before reading it.
    await page.locator("tbody tr td").filter({ hasText: /\d{4}/ }).first().waitFor();
    const created = (await page.locator("tbody tr").first().locator("td").allTextContents()).find((c) => /\d{4}/.test(c));
    assert.match(created, /^\d{2}-\d{2}-\d{4} \d{2}:\d{2} (AM|PM)$/, "day-month-year and 12 hours");
    await page.getByRole("link", { name: /admin \(Installer\)/ }).click();
    const back = page.getByRole("region", { name: "Time Zone" });
    await back.getByLabel("Time Format").selectOption({ label: "24H" });
    await back.getByLabel("Date Format").selectOption({ label: "Year-Month-Day" });
    await back.getByRole("button", { name: "Submit" }).click();
    await back.getByText("Saved.").waitFor();
    expectClean(problems);
    await page.context().close();
    }));

  test("a sub-account is created, logs in, changes its password, is edited and deleted", () =>
    keepEvidence(browser, "a sub-account is created, logs in, changes its password, is edited and deleted", async () => {
    const { page, problems } = await openPage(browser);
    await logIn(page, server.portal);
    await page.getByRole("button", { name: "New Sub-account" }).click();
    const dialog = page.getByRole("dialog", { name: "New Sub-account" });
    await dialog.getByLabel(/^Account/).fill("helper");
    await dialog.getByLabel("Email").fill("helper@installer.example");
    await dialog.getByLabel("Password").fill("helper-password-1");
    await check(page, "sub-account-new");
    await dialog.getByRole("button", { name: "Submit" }).click();
    await page.getByText("The sub-account helper was created.").waitFor();
    await page.getByRole("row", { name: /helper@installer\.example/ }).waitFor();

    // The sub-account sees the installer's communities and changes its own password.
    const sub = await openPage(browser);
    await logIn(sub.page, server.portal, "helper", "helper-password-1");
    await sub.page.getByRole("row", { name: /Lakeside Gardens North/ }).waitFor();
    assert.equal(await sub.page.getByRole("button", { name: "New Sub-account" }).count(), 0);
    await sub.page.getByRole("link", { name: /helper \(Sub-installer\)/ }).click();
    const password = sub.page.getByRole("region", { name: "Change Password" });
    await password.getByLabel("Current password").fill("helper-password-1");
    await password.getByLabel("New password", { exact: false }).first().fill("helper-password-2");
    await password.getByLabel("New password again").fill("helper-password-3");
    await password.getByRole("button", { name: "Submit" }).click();
    await password.getByText("The two new passwords differ.").waitFor();
    await password.getByLabel("Current password").fill("wrong-password");
    await password.getByLabel("New password again").fill("helper-password-2");
    await password.getByRole("button", { name: "Submit" }).click();
    await password.locator(".field-error").first().waitFor();
    await password.getByLabel("Current password").fill("helper-password-1");
    await password.getByRole("button", { name: "Submit" }).click();
    await password.getByText("Your password was changed; other sessions were ended.").waitFor();
    await sub.page.getByRole("button", { name: "Log out" }).click();
    await logIn(sub.page, server.portal, "helper", "helper-password-2");
    expectClean(sub.problems, [/AuthService\/ChangePassword/]);
    await sub.context.close();

    await page.reload();
    await page.getByRole("button", { name: "Edit helper" }).click();
    const edit = page.getByRole("dialog", { name: "Edit Sub-account" });
    assert.equal(await edit.getByLabel(/^Account/).isDisabled(), true);
    await edit.getByLabel("Phone").fill("+49 30 7654321");
    await edit.getByRole("button", { name: "Submit" }).click();
    await page.getByText("The sub-account helper was saved.").waitFor();
    await page.getByRole("row", { name: /\+49307654321/ }).waitFor();
    await page.getByRole("button", { name: "Delete helper" }).click();
    await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
    await page.getByText("The sub-account helper was deleted.").waitFor();
    // The list reloads after the notice: the row goes.
    await page.getByRole("row", { name: /helper@installer\.example/ }).waitFor({ state: "detached" });
    expectClean(problems);
    await page.context().close();
    }));
});

describe("templates and property managers on the dashboard", () => {
  test("a template with bad rows shows every one and imports nothing; a good one imports", () =>
    keepEvidence(browser, "template import", async () => {
      await adminCli(server, ["community", "create", "--name", "Birch Court", "--feature-plan", "premium", "--country", "Germany"]);
      await adminCli(server, ["mac", "add", "0C11050893C6"]);
      const header = "Building,Apt,AptName,Device,FirstName,LastName,Email,MobileNumber,TelephoneCallingCode,1stPhone,2ndPhone,3rdPhone,CallType,WebRelayID";
      const bad = join(server.dataDir, "bad-template.csv");
      writeFileSync(
        bad,
        [
          header,
          'Building 1,101,,"Living Room,2,0C11050893C6",Ann,Lee,ann@example.com,,,,,,0,0',
          "Building 1,10a!,,,Bo,Chen,,,,,,,0,0",
          'Building 1,103,,"Hall,2,0C1105FFFFFF",Cy,Diaz,,,,,,,9,0',
        ].join("\n") + "\n",
      );
      const good = join(server.dataDir, "good-template.csv");
      writeFileSync(good, [header, 'Building 1,101,,"Living Room,2,0C11050893C6",Ann,Lee,ann@example.com,,,,,,0,0'].join("\n") + "\n");

      const { page, problems } = await openPage(browser);
      await logIn(page, server.portal);
      await page.getByRole("group", { name: "Download The Template" }).waitFor();
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "Template (CSV)" }).click();
      assert.match((await download).suggestedFilename(), /\.csv$/);

      await page.getByRole("button", { name: "Import a template into Birch Court" }).click();
      const dialog = page.getByRole("dialog", { name: "Import a template into Birch Court" });
      await dialog.getByLabel("Template file (CSV or XLSX)").setInputFiles(bad);
      await dialog.getByRole("button", { name: "Submit" }).click();
      await dialog.getByRole("alert").filter({ hasText: /Nothing was imported: \d+ problems? in the file\./ }).waitFor();
      const rows = await dialog.locator("tbody tr").allInnerTexts();
      assert.ok(rows.some((r) => r.startsWith("3\t")), `row 3 (the bad APT) is listed: ${rows.join(" | ")}`);
      assert.ok(rows.some((r) => r.startsWith("4\t")), `row 4 (unknown MAC, call type) is listed: ${rows.join(" | ")}`);
      await check(page, "template-import-refused");
      const before = JSON.parse(await adminCli(server, ["--json", "building", "list", "--community", await communityId("Birch Court")]));
      assert.equal((before.buildings ?? before).length, 0, "a refused import writes nothing");

      await dialog.getByLabel("Template file (CSV or XLSX)").setInputFiles(good);
      await dialog.getByRole("button", { name: "Submit" }).click();
      await page.getByText("Imported into Birch Court: 1 new buildings, 1 apartments, 1 residents, 1 devices.").waitFor();
      await page.locator("section[aria-labelledby=communities-count]").getByRole("row", { name: /Birch Court\s+1\s+1/ }).waitFor();
      expectClean(problems);
      await page.context().close();
    }));

  test("a property manager is created, assigned with permissions, edited, reset and deleted", () =>
    keepEvidence(browser, "property managers", async () => {
      const { page, problems } = await openPage(browser);
      await logIn(page, server.portal);
      await page.getByRole("button", { name: "New Property Manager" }).click();
      const form = page.getByRole("dialog", { name: "New Property Manager" });
      await form.getByLabel(/^First Name/).fill("Luna");
      await form.getByLabel(/^Last Name/).fill("Zheng");
      await form.getByLabel(/^Email/).fill("luna@pm.example");
      await form.getByLabel("Language").selectOption({ label: "Français" });
      await form.getByLabel("Monthly Password Update Reminder").check();
      await check(page, "pm-new");
      await form.getByRole("button", { name: "Submit" }).click();
      await page.getByText(/The property manager Luna Zheng was created\. The login password, shown only now: \S{8,}/).waitFor();
      const row = page.getByRole("region", { name: "Property Manager List" }).getByRole("row", { name: /luna@pm\.example/ });
      await row.waitFor();

      await page.getByRole("button", { name: "Property managers of Birch Court" }).click();
      const assign = page.getByRole("dialog", { name: "Property managers of Birch Court" });
      await assign.getByLabel("Property manager to add").selectOption({ label: "Luna Zheng (luna@pm.example)" });
      await assign.getByRole("button", { name: "Add" }).click();
      const luna = assign.getByRole("group", { name: "Luna Zheng" });
      await luna.getByLabel("App").check();
      await luna.getByLabel("Log Access Control").check();
      await check(page, "pm-assign");
      await assign.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The property managers of Birch Court were saved.").waitFor();
      await page.locator("section[aria-labelledby=communities-count]").getByRole("row", { name: /Birch Court.*Luna Zheng/ }).waitFor();
      await row.getByText("Birch Court").waitFor();
      const stored = JSON.parse(await adminCli(server, ["--json", "pm", "list"]));
      const pm = (stored.property_managers ?? stored)[0];
      assert.equal(pm.monthly_password_reminder, true);
      assert.equal(pm.assignments[0].permissions.app_enabled, true);
      assert.equal(pm.assignments[0].permissions.log_access, true);
      assert.ok(!pm.assignments[0].permissions.delete_accounts);

      await row.getByRole("button", { name: "Edit Luna Zheng" }).click();
      const edit = page.getByRole("dialog", { name: "Edit Property Manager" });
      assert.equal(await edit.getByLabel(/^Email/).isDisabled(), true);
      await edit.getByLabel(/^Last Name/).fill("Zheng-Li");
      await edit.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The property manager Luna Zheng-Li was saved.").waitFor();
      await page.getByRole("button", { name: "Edit Luna Zheng-Li" }).click();
      await page.getByRole("dialog", { name: "Edit Property Manager" }).getByRole("button", { name: "Reset Password" }).click();
      await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Reset Password" }).click();
      await page.getByText(/New login password of Luna Zheng-Li, shown only now: \S{8,}/).waitFor();

      await page.getByRole("button", { name: "Delete Luna Zheng-Li" }).click();
      await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
      await page.getByText("The property manager Luna Zheng-Li was deleted.").waitFor();
      await page.getByRole("row", { name: /luna@pm\.example/ }).waitFor({ state: "detached" });
      expectClean(problems);
      await page.context().close();
    }));
});

/** The id of the community called `name`, read through the CLI. */
async function communityId(name) {
  const list = JSON.parse(await adminCli(server, ["--json", "community", "list"]));
  return String((list.communities ?? list).find((c) => c.name === name).id);
}

describe("resident and device", () => {
  test("buildings, an apartment with its resident and family, the residents search, reset and delete", () =>
    keepEvidence(browser, "resident and device", async () => {
      await adminCli(server, ["community", "create", "--name", "Cedar Park", "--feature-plan", "premium", "--country", "Germany"]);
      const { page, problems } = await openPage(browser);
      await logIn(page, server.portal);
      await page.getByRole("link", { name: "Resident and Device of Cedar Park" }).click();
      await page.getByRole("heading", { name: "Resident and Device" }).waitFor();
      await page.getByText("Add a building first").waitFor();

      await page.getByRole("button", { name: "+ Add Building" }).click();
      const add = page.getByRole("dialog", { name: "+ Add Building" });
      await add.getByLabel(/^Building name/).fill("Tower A");
      await add.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The building Tower A was added.").waitFor();
      await page.getByRole("link", { name: "Tower A" }).waitFor();
      await page.getByRole("cell", { name: "No Data" }).waitFor();
      await check(page, "residents-empty-building");

      await page.getByRole("link", { name: "New", exact: true }).click();
      await page.getByRole("heading", { name: "Add APT in Tower A" }).waitFor();
      const form = page.locator("form.settings");
      // The APT rule shows as it is typed.
      await form.getByLabel(/^APT\b/).first().fill("#12");
      await form.getByText("must not start with '#'", { exact: false }).waitFor();
      await form.getByLabel(/^APT\b/).first().fill("12#03");
      assert.equal(await form.locator(".field-error").count(), 0);
      await form.getByLabel("Floor", { exact: true }).fill("12");
      await form.getByLabel("APT Name").fill("Corner flat");
      await form.getByLabel("Call Type").selectOption({ label: "Indoor monitors with SmartPlus as backup, finally phone" });
      await form.getByLabel("Accessible Floors").fill("1, 12");
      await form.getByLabel(/^First Name/).fill("Ann");
      await form.getByLabel(/^Last Name/).fill("Lee");
      await form.getByLabel(/^Email/).fill("ann.lee@resident.example");
      await form.getByLabel(/^Country \/ Region calling code/).fill("+49");
      await form.getByLabel(/^Mobile Number/).fill("1512345678");
      await form.getByLabel("Landline 1").fill("030 1234567");
      await check(page, "apartment-new");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The apartment 12#03 was added.").waitFor();
      await page.getByRole("heading", { name: "APT 12#03 in Tower A" }).waitFor();
      assert.equal(await page.locator("form.settings").getByLabel(/^Email/).isDisabled(), true);
      await page.getByText(/Family SIP Number:\s*\d+/).waitFor();

      await page.getByRole("button", { name: "Add family member" }).click();
      const member = page.getByRole("dialog", { name: "Add family member" });
      await member.getByLabel(/^First Name/).fill("Bo");
      await member.getByLabel(/^Last Name/).fill("Lee");
      await member.getByRole("button", { name: "Submit" }).click();
      await page.getByText("Bo Lee was added to the family.").waitFor();
      await page.getByRole("row", { name: /Bo Lee/ }).waitFor();
      await check(page, "apartment-edit");

      // The community-wide residents view finds her by part of her email.
      await page.getByRole("link", { name: "Cedar Park" }).click();
      await page.getByRole("tab", { name: "Residents" }).click();
      await page.getByLabel("Search resident").fill("ann.lee@");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("row", { name: /Ann Lee.*Tower A.*12#03 \(Floor 12\)/ }).waitFor();
      assert.match(page.url(), /tab=residents.*q=ann\.lee%40|q=ann\.lee%40.*tab=residents/);
      await page.reload();
      await page.getByRole("row", { name: /Ann Lee/ }).waitFor();
      await check(page, "residents-search");

      // Reset, with the manual's wording and what goes and stays; then delete.
      await page.getByRole("link", { name: "12#03 (Floor 12)" }).click();
      await page.getByRole("button", { name: "Reset" }).click();
      const reset = page.getByRole("dialog", { name: "Please confirm" });
      await reset.getByText("Are you sure you want to reset the apartment? If you reset it, all the information will be cleared").waitFor();
      await reset.getByText("Access settings, including PIN, face data, NFC, Bluetooth, and QR codes.").waitFor();
      await check(page, "apartment-reset-confirm");
      await reset.getByRole("button", { name: "Reset" }).click();
      await page.getByText("The apartment 12#03 was reset.").waitFor();
      await page.getByRole("row", { name: /Bo Lee/ }).waitFor({ state: "detached" });
      await page.getByRole("button", { name: "Delete APT" }).click();
      await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
      await page.getByText("The apartment 12#03 was deleted.").waitFor();
      await page.getByRole("cell", { name: "No Data" }).waitFor();
      expectClean(problems);
      await page.context().close();
    }));
});

describe("intercom devices", () => {
  test("a door phone with two relays and a security relay; online, a relay opened, remote control in a new tab, deleted", () =>
    keepEvidence(browser, "intercom devices", async () => {
      await adminCli(server, ["mac", "add", "0C11050B9814"]);
      const { page, context, problems } = await openPage(browser);
      await logIn(page, server.portal);
      await page.getByRole("link", { name: "Resident and Device of Cedar Park" }).click();
      await page.getByRole("tab", { name: "Intercom Devices" }).click();
      await page.getByRole("link", { name: "Tower A" }).click();
      await page.getByRole("cell", { name: "No Data" }).waitFor();
      await page.getByRole("link", { name: "New", exact: true }).click();
      await page.getByRole("heading", { name: "Add a device to Tower A" }).waitFor();
      const form = page.locator("form.settings");
      await form.getByLabel(/^Device Type/).selectOption({ label: "Multi-tenant door phone" });
      await form.getByLabel(/^MAC/).fill("0c:11:05:0b:98:14");
      await form.getByLabel(/^Device Name/).fill("Lobby");
      await form.getByLabel("Contact Display Setting").selectOption({ label: "APT numbers, indoor monitors and apps" });
      const relay1 = page.getByRole("group", { name: "Relay 1" });
      await relay1.getByLabel("Relay Name").fill("Front Door");
      await relay1.getByLabel("Bluetooth").uncheck();
      await page.getByRole("button", { name: "Add Relay" }).click();
      const relay2 = page.getByRole("group", { name: "Relay 2" });
      await relay2.getByLabel("Relay Name").fill("Garage");
      await relay2.getByLabel(/^DTMF Code/).fill("*2");
      await page.getByRole("button", { name: "Add Security Relay" }).click();
      await page.getByRole("group", { name: "Security Relay" }).getByLabel("Relay Name").fill("SR01");
      await check(page, "device-new");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The device Lobby was added.").waitFor();
      await page.getByRole("heading", { name: "Device Lobby" }).waitFor();
      const status = page.getByRole("region", { name: "Status" });
      await status.locator("[data-status=offline]").waitFor();
      const stored = JSON.parse(await adminCli(server, ["--json", "device", "list", "--community", await communityId("Cedar Park")]));
      const lobby = (stored.devices ?? stored).find((d) => d.name === "Lobby");
      assert.equal(lobby.relays.length, 2);
      assert.equal(lobby.relays[1].dtmf_code, "*2");
      assert.ok(!lobby.relays[0].unlock_methods.map(String).some((m) => /BLUETOOTH|6/.test(m)));
      assert.equal(lobby.security_relay.name, "SR01");

      const sim = startSim(server, lobby.id);
      try {
        // No reload: the live stream turns the dot green and brings the door log.
        await page.getByRole("region", { name: "Status" }).locator("[data-status=online]").waitFor({ timeout: 20_000 });
        const events = page.getByRole("region", { name: "Events" });
        const doorLogs = events.locator("tr[data-kind=door_log]");
        const before = await doorLogs.count();
        await page.getByRole("button", { name: "Open Front Door" }).click();
        await page.getByText(/^Lobby: .*\(\d+ ms\)$/).waitFor();
        await eventually(() => doorLogs.count().then((n) => n > before), true, "a door-log row arrives live");
        await events.getByText(/Relay 1, .*opened/).first().waitFor();
        const opened = context.waitForEvent("page");
        await page.getByRole("button", { name: "Remote Control" }).click();
        const tab = await opened;
        await tab.waitForURL(/\/remote\//);
        assert.notEqual(new URL(tab.url()).port, new URL(server.portal).port, "remote control is on another origin");
        // What a hostile device page could try from its own scripts: read the portal's
        // session, or call the admin API with the installer's browser. Neither works.
        // Chromium reports a frame refused by frame-ancestors on the framing page's console.
        const tabConsole = [];
        tab.on("console", (m) => tabConsole.push(m.text()));
        const stolen = await tab.evaluate(async (portal) => {
          const session = window.localStorage.getItem("porter.session");
          let called = "refused";
          try {
            const answer = await fetch(`${portal}/porter.admin.v1.CommunityService/ListCommunities`, {
              method: "POST",
              headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
              body: new Uint8Array([0, 0, 0, 0, 0]),
              credentials: "include",
            });
            called = `answered ${answer.status}`;
          } catch {
            called = "refused";
          }
          const frame = document.createElement("iframe");
          frame.src = portal;
          document.body.append(frame);
          await new Promise((r) => setTimeout(r, 1000));
          return { session, called };
        }, server.portal);
        assert.deepEqual(stolen, { session: null, called: "refused" });
        assert.ok(tabConsole.some((m) => /frame-ancestors/.test(m)), `the portal refused to be framed: ${tabConsole.join(" | ")}`);
        await tab.close();
        await page.getByText(/Remote control of Lobby is open in a new tab until/).waitFor();
        await check(page, "device-online");
        // The list's dot follows too: the door phone goes offline while the list is shown.
        await page.getByRole("link", { name: "Cedar Park" }).click();
        const row = page.getByRole("row", { name: /Lobby/ });
        await row.locator("[data-status=online]").waitFor();
        await sim.stop();
        await row.locator("[data-status=offline]").waitFor({ timeout: 20_000 });
        await row.getByRole("link", { name: "Lobby" }).click();
      } finally {
        await sim.stop();
      }
      // Settings: connection type, AutoP commands (duplicates merged), one-time AutoP.
      await page.getByRole("heading", { name: "Device Lobby" }).waitFor();
      const settings = page.getByRole("region", { name: "Settings" });
      await settings.getByLabel("Connection Type").selectOption({ label: "TCP" });
      await settings.getByLabel("Others").fill("Config.Settings.GENERAL.Volume = 7\nConfig.Settings.GENERAL.Volume = 8\n");
      await settings.getByRole("button", { name: "Submit" }).click();
      await settings.getByText("The settings of Lobby were saved.").waitFor();
      assert.doesNotMatch(await settings.getByLabel("Others").inputValue(), /= 7/);
      await settings.getByRole("button", { name: "One-Time AutoP" }).click();
      const once = page.getByRole("dialog", { name: "One-Time AutoP" });
      await once.getByLabel(/^Commands for the next AutoP fetch only/).fill("Config.Settings.GENERAL.Reboot = 1");
      await once.getByRole("button", { name: "Submit" }).click();
      await page.getByText("One-time AutoP commands for Lobby are waiting for its next fetch.").waitFor();
      await check(page, "device-settings");
      const kept = JSON.parse(await adminCli(server, ["--json", "device-settings", "get", String(lobby.id)]));
      assert.match(String(kept.connection_type), /TCP|2/);
      assert.match(kept.autop_commands, /Volume = 8/);
      assert.match(kept.pending_one_time_autop, /Reboot = 1/);
      await page.getByRole("button", { name: "Delete device" }).click();
      await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
      await page.getByText("The device Lobby was deleted.").waitFor();
      await page.getByRole("cell", { name: "No Data" }).waitFor();
      // The community's Events view keeps the door log of the unlock, and filters by type.
      await page.getByRole("tab", { name: "Events" }).click();
      await page.getByRole("row", { name: /Lobby\s+Door log\s+Relay 1/ }).first().waitFor();
      await check(page, "community-events");
      await page.getByLabel("Type").selectOption({ label: "Alarm" });
      await page.getByRole("button", { name: "Show" }).click();
      await page.getByRole("cell", { name: "No event matches." }).waitFor();
      expectClean(problems, [/\/remote\//]);
      await context.close();
    }));
});

describe("the MAC library", () => {
  test("add, import with a bad row then a good file, search and delete", () =>
    keepEvidence(browser, "mac library", async () => {
      const { page, context, problems } = await openPage(browser);
      await logIn(page, server.portal);
      await page.getByRole("link", { name: "MAC Library" }).click();
      await page.getByRole("heading", { name: "MAC Library" }).waitFor();

      await page.getByRole("button", { name: "Add MAC" }).click();
      const add = page.getByRole("dialog", { name: "Add MAC" });
      await add.getByLabel(/^MAC/).fill("not-a-mac");
      await add.getByRole("button", { name: "Submit" }).click();
      await add.getByRole("alert").waitFor();
      await add.getByLabel(/^MAC/).fill("0c-11-05-aa-bb-01");
      await add.getByRole("button", { name: "Submit" }).click();
      await page.getByText("0C1105AABB01 is in your library.").waitFor();

      const bad = join(server.dataDir, "bad-macs.csv");
      writeFileSync(bad, "MAC\n0C1105AABB02\nnonsense\n");
      const good = join(server.dataDir, "good-macs.csv");
      writeFileSync(good, "MAC\n0C1105AABB02\n0C1105AABB03\n0C1105AABB01\n");
      await page.getByRole("button", { name: "Import" }).click();
      const dialog = page.getByRole("dialog", { name: "Import MACs" });
      await dialog.getByLabel("MAC file (CSV or XLSX)").setInputFiles(bad);
      await dialog.getByRole("button", { name: "Submit" }).click();
      await dialog.getByRole("row", { name: /^3 MAC "nonsense" is not a MAC address/ }).waitFor();
      await check(page, "mac-import-refused");
      await dialog.getByLabel("MAC file (CSV or XLSX)").setInputFiles(good);
      await dialog.getByRole("button", { name: "Submit" }).click();
      await page.getByText("2 MACs added, 1 already in your library.").waitFor();

      await page.getByLabel("Search MAC").fill("aa:bb");
      await page.getByRole("button", { name: "Search" }).click();
      await eventually(() => page.locator("tbody tr").count(), 3);
      await check(page, "mac-library");
      await page.getByRole("button", { name: "Delete 0C1105AABB03" }).click();
      await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
      await page.getByText("0C1105AABB03 was deleted from your library.").waitFor();
      await eventually(() => page.locator("tbody tr").count(), 2);
      expectClean(problems, [/MacLibraryService\/AddMac/]);
      await context.close();
    }));
});
