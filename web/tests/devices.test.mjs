// Devices by area in a real browser against a real server: a public door phone serving
// chosen buildings (and all of them again), a third-party camera of the public area linked
// to it, and an apartment's own devices and camera on the apartment's page.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { adminCli, check, eventually, expectClean, keepEvidence, launchBrowser, logIn, openPage, startServer, startSim } from "./harness.mjs";

let server;
let browser;
let community;
const buildings = {};

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  community = (await adminCli(server, ["--get", "id", "community", "create", "--name", "Oak Row", "--feature-plan", "premium", "--country", "Germany"])).trim();
  for (const name of ["North", "South"]) {
    buildings[name] = (await adminCli(server, ["--get", "id", "building", "create", "--community", community, "--name", name])).trim();
  }
  await adminCli(server, ["apartment", "create", "--building", buildings.North, "--apt", "101"]);
  for (const mac of ["0C11050D0001", "0C11050D0002"]) await adminCli(server, ["mac", "add", mac]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const device = async (name) => {
  const list = JSON.parse(await adminCli(server, ["--json", "device", "list", "--community", community]));
  return (list.devices ?? []).find((d) => d.name === name);
};

describe("devices by area", () => {
  test("a public door phone for chosen buildings, a linked camera, an apartment's devices", () =>
    keepEvidence(browser, "devices by area", async () => {
      const { page, context, problems } = await openPage(browser);
      await logIn(page, server.portal);
      await page.getByRole("link", { name: "Resident and Device of Oak Row" }).click();
      await page.getByRole("link", { name: "Public Area" }).click();
      await page.getByRole("tab", { name: "Intercom Devices" }).click();
      await page.getByRole("link", { name: "New", exact: true }).click();
      await page.getByRole("heading", { name: "Add a device to the Public Area" }).waitFor();
      const form = page.locator("form.settings", { has: page.getByLabel(/^Device Name/) });
      await form.getByLabel(/^Device Type/).selectOption({ label: "Multi-tenant door phone" });
      await form.getByLabel(/^MAC/).fill("0C11050D0001");
      await form.getByLabel(/^Device Name/).fill("Gate");
      const served = page.getByRole("group", { name: "Buildings" });
      assert.equal(await served.getByLabel("All Buildings").isChecked(), true, "all buildings by default");
      // Neither all nor any building: refused before anything is sent.
      await served.getByLabel("All Buildings").uncheck();
      await page.getByRole("button", { name: "Submit" }).click();
      await served.getByText("Choose at least one building, or tick All Buildings.").waitFor();
      assert.equal(await device("Gate"), undefined, "nothing written");
      await served.getByLabel("South").check();
      await check(page, "device-public-buildings");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The device Gate was added.").waitFor();
      await page.getByRole("heading", { name: "Device Gate" }).waitFor();
      assert.deepEqual((await device("Gate")).public_building_ids.map(String), [buildings.South]);

      // Its page shows the choice; all buildings again.
      const saved = page.getByRole("group", { name: "Buildings" });
      assert.equal(await saved.getByLabel("All Buildings").isChecked(), false);
      assert.equal(await saved.getByLabel("South").isChecked(), true);
      assert.equal(await saved.getByLabel("North").isChecked(), false);
      await saved.getByLabel("All Buildings").check();
      await form.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The device Gate was saved.").waitFor();
      await eventually(async () => ((await device("Gate")).public_building_ids ?? []).length, 0, "the gate serves all buildings");

      // A camera of the public area, linked to the gate; a bad address refused under its field.
      await page.getByRole("link", { name: "Oak Row" }).click();
      await page.getByRole("link", { name: "Public Area" }).click();
      await page.getByRole("tab", { name: "Third Party Devices" }).click();
      await page.getByRole("cell", { name: "No Data" }).waitFor();
      await page.getByRole("button", { name: "Add Camera" }).click();
      const camera = page.getByRole("dialog", { name: "Add Camera" });
      await camera.getByLabel(/^Device Name/).fill("Yard camera");
      await camera.getByLabel(/^RTSP Address/).fill("http://10.0.0.9/stream");
      await camera.getByLabel(/^Username/).fill("viewer");
      await camera.getByLabel(/^Password/).fill("camera-secret");
      await camera.getByLabel(/^Link Device/).selectOption({ label: "Gate (0C11050D0001)" });
      await camera.getByRole("button", { name: "Submit" }).click();
      await camera.locator(".field.invalid", { has: page.getByLabel(/^RTSP Address/) }).getByRole("alert").waitFor();
      const none = JSON.parse(await adminCli(server, ["--json", "camera", "list", "--community", community]));
      assert.equal((none.cameras ?? []).length, 0, "a refused camera is not kept");
      await camera.getByLabel(/^RTSP Address/).fill("rtsp://10.0.0.9:554/stream1");
      await check(page, "camera-new");
      await camera.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The camera Yard camera was added.").waitFor();
      const row = page.getByRole("row", { name: /Yard camera/ });
      await row.getByRole("cell", { name: "Gate" }).waitFor();
      assert.equal(await page.getByText("camera-secret").count(), 0, "the password is never shown");

      // Edited without retyping the password: it stays.
      await page.getByRole("button", { name: "Edit Yard camera" }).click();
      const edit = page.getByRole("dialog", { name: "Edit Camera" });
      assert.equal(await edit.getByLabel(/^Password/).inputValue(), "");
      await edit.getByLabel(/^Device Name/).fill("Yard east");
      await edit.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The camera Yard east was saved.").waitFor();
      await page.getByRole("button", { name: "Delete Yard east" }).click();
      await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
      await page.getByText("The camera Yard east was deleted.").waitFor();
      await page.getByRole("cell", { name: "No Data" }).waitFor();

      // The apartment's page: its indoor monitor added there, and back to it.
      await page.getByRole("link", { name: "North" }).click();
      await page.getByRole("tab", { name: "APT" }).click();
      await page.getByRole("link", { name: "Edit APT 101" }).click();
      await page.getByRole("heading", { name: "APT 101 in North" }).waitFor();
      const devices = page.getByRole("region", { name: "Intercom Devices" });
      await devices.getByRole("cell", { name: "No Data" }).waitFor();
      await devices.getByRole("link", { name: "Add Device" }).click();
      await page.getByRole("heading", { name: "Add a device to APT 101 of North" }).waitFor();
      assert.equal(await page.getByRole("group", { name: "Buildings" }).count(), 0, "only public devices choose buildings");
      await form.getByLabel(/^Device Type/).selectOption({ label: "Indoor monitor" });
      await form.getByLabel(/^MAC/).fill("0C11050D0002");
      await form.getByLabel(/^Device Name/).fill("Hall monitor");
      await form.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The device Hall monitor was added.").waitFor();
      await page.getByRole("link", { name: "Oak Row" }).click();
      await page.getByRole("heading", { name: "APT 101 in North" }).waitFor();
      await devices.getByRole("row", { name: /Hall monitor/ }).getByText("0C11050D0002").waitFor();
      const cameras = page.getByRole("region", { name: "Third Party Devices" });
      await cameras.getByRole("button", { name: "Add Camera" }).click();
      const aptCamera = page.getByRole("dialog", { name: "Add Camera" });
      await aptCamera.getByLabel(/^Device Name/).fill("Balcony");
      await aptCamera.getByLabel(/^RTSP Address/).fill("rtsp://cam.example:554/live");
      await aptCamera.getByLabel(/^Username/).fill("viewer");
      await aptCamera.getByLabel(/^Password/).fill("balcony-secret");
      await aptCamera.getByRole("button", { name: "Submit" }).click();
      await page.getByText("The camera Balcony was added.").waitFor();
      await cameras.getByRole("row", { name: /Balcony/ }).waitFor();
      await check(page, "apartment-devices");
      const kept = JSON.parse(await adminCli(server, ["--json", "camera", "list", "--community", community]));
      assert.deepEqual(
        (kept.cameras ?? []).map((c) => c.name),
        ["Balcony"],
      );
      expectClean(problems, [/CameraService\/CreateCamera/]);
      await context.close();
    }));

  test("the overview: devices online by type, apartments, door openings today", () =>
    keepEvidence(browser, "community overview", async () => {
      const gate = await device("Gate");
      const sim = startSim(server, gate.id);
      try {
        await adminCli(server, ["device", "wait-online", String(gate.id)]);
        await adminCli(server, ["device", "unlock", String(gate.id)]);
        const { page, context, problems } = await openPage(browser);
        await logIn(page, server.portal);
        await page.getByRole("link", { name: "Resident and Device of Oak Row" }).click();
        await page.getByRole("navigation", { name: "Modules of Oak Row" }).getByRole("link", { name: "Overview" }).click();
        await page.getByRole("heading", { name: "Oak Row at a glance" }).waitFor();
        const devices = page.getByRole("table", { name: "Devices online and offline by type" });
        const row = (name) => devices.getByRole("row", { name: new RegExp(`^${name}`) });
        assert.deepEqual(await row("Multi-tenant door phone").getByRole("cell").allTextContents(), ["1", "0"]);
        assert.deepEqual(await row("Indoor monitor").getByRole("cell").allTextContents(), ["0", "1"]);
        await page.getByRole("link", { name: "1 apartment not activated" }).waitFor();
        await page.getByRole("img", { name: /^Door openings over 14 days: [1-9]\d* opened, 0 refused\.$/ }).waitFor();
        await page.getByText("The numbers by day").click();
        const today = page.getByRole("table", { name: "Door openings, last 14 days" }).getByRole("row").last();
        assert.notEqual((await today.getByRole("cell").first().textContent()).trim(), "0", "today's opening is counted");
        await check(page, "community-overview");
        await page.getByRole("link", { name: "1 apartment not activated" }).click();
        await page.getByRole("tab", { name: "Residents", selected: true }).waitFor();
        expectClean(problems);
        await context.close();
      } finally {
        await sim.stop();
      }
    }));

  test("another installer's forged URLs to this apartment, device and overview show not found", () =>
    keepEvidence(browser, "forged urls", async () => {
      await adminCli(server, ["installer", "create", "--username", "mia", "--password", "mia-installer-pw"]);
      const apartment = JSON.parse(await adminCli(server, ["--json", "apartment", "list", "--building", buildings.North])).apartments[0];
      const monitor = await device("Hall monitor");
      const { page, context, problems } = await openPage(browser);
      await logIn(page, server.portal, "mia", "mia-installer-pw");
      await page.getByText("No community yet").waitFor();
      for (const path of [
        `/communities/${community}/buildings/${buildings.North}/apartments/${apartment.id}`,
        `/communities/${community}/devices/${monitor.id}`,
        `/communities/${community}/overview`,
        `/communities/${community}/subscriptions`,
      ]) {
        await page.goto(`${server.portal}${path}`);
        await page.getByRole("heading", { name: "Page not found" }).waitFor();
        assert.equal(await page.getByText("101").count(), 0, `${path} shows nothing of the apartment`);
        assert.equal(await page.getByText("Hall monitor").count(), 0, `${path} shows nothing of the device`);
      }
      expectClean(problems, [/GetCommunity|GetApartment|GetDevice|GetCommunityOverview|ListBuildings|ListOrderCandidates|ListDevices|ListCameras|ListEvents/]);
      await context.close();
    }));

  test("keyboard only: log in, skip to the content, open a community, a dialog and close it, focus always visible", () =>
    keepEvidence(browser, "keyboard only", async () => {
      const { page, context, problems } = await openPage(browser);
      const focused = () =>
        page.evaluate(() => {
          const e = document.activeElement;
          const style = e ? getComputedStyle(e) : null;
          return {
            name: e?.getAttribute("aria-label") || e?.textContent?.trim() || e?.getAttribute("name") || "",
            tag: e?.tagName ?? "",
            outline: style ? style.outlineStyle : "none",
            inDialog: Boolean(e?.closest("dialog[open]")),
          };
        });
      /** Presses Tab until the focused element matches; at most `limit` times. */
      const tabTo = async (matches, limit = 60) => {
        for (let i = 0; i < limit; i++) {
          await page.keyboard.press("Tab");
          const f = await focused();
          if (matches(f)) return f;
        }
        throw new Error("never reached by Tab");
      };
      await page.goto(`${server.portal}/`);
      await tabTo((f) => f.name === "username");
      await page.keyboard.type("admin");
      await page.keyboard.press("Tab");
      await page.keyboard.type("first-admin-pw");
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();

      const skip = await tabTo((f) => f.name === "Skip to the main content", 3);
      assert.notEqual(skip.outline, "none", "focus is visible");
      await page.keyboard.press("Enter");
      const open = await tabTo((f) => f.name === "Resident and Device of Oak Row");
      assert.notEqual(open.outline, "none", "focus is visible on a link");
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Resident and Device" }).waitFor();

      const add = await tabTo((f) => f.name === "+ Add Building");
      assert.notEqual(add.outline, "none");
      await page.keyboard.press("Enter");
      await page.getByRole("dialog", { name: "+ Add Building" }).waitFor();
      assert.equal((await focused()).inDialog, true, "focus moves into the dialog");
      await page.keyboard.type("West");
      await page.keyboard.press("Enter");
      await page.getByText("The building West was added.").waitFor();
      await page.getByRole("button", { name: "+ Add Building" }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("dialog", { name: "+ Add Building" }).waitFor();
      await page.keyboard.press("Escape");
      await eventually(() => page.getByRole("dialog").count(), 0, "Escape closes the dialog");
      assert.equal((await focused()).name, "+ Add Building", "focus returns to the button that opened it");
      expectClean(problems);
      await context.close();
    }));
});

