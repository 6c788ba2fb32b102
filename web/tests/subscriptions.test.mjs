// Subscriptions and Payments in a real browser against a real server: an installer orders
// activation for the apartments of one of two communities, the site operator confirms the
// payment from Payments, the apartments become Normal; a renewal from the community's own
// Subscriptions is refused past five years, placed, cancelled and deleted.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { adminCli, check, eventually, expectClean, keepEvidence, launchBrowser, logIn, openPage, startServer } from "./harness.mjs";

const RYAN = ["ryan", "ryan-installer-pw"];
let server;
let browser;
let elm;
const apartments = {};

const asRyan = (args) => adminCli(server, args, ...RYAN);

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await adminCli(server, ["installer", "create", "--username", RYAN[0], "--password", RYAN[1]]);
  elm = (await asRyan(["--get", "id", "community", "create", "--name", "Elm Court", "--feature-plan", "premium", "--country", "Germany"])).trim();
  const ash = (await asRyan(["--get", "id", "community", "create", "--name", "Ash Court", "--feature-plan", "premium", "--country", "Germany"])).trim();
  const b1 = (await asRyan(["--get", "id", "building", "create", "--community", elm, "--name", "B1"])).trim();
  const a = (await asRyan(["--get", "id", "building", "create", "--community", ash, "--name", "A"])).trim();
  for (const [building, apt] of [[b1, "101"], [b1, "102"], [a, "7"]]) {
    apartments[apt] = (await asRyan(["--get", "id", "apartment", "create", "--building", building, "--apt", apt])).trim();
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const orders = async () => JSON.parse(await asRyan(["--json", "subscription", "list"])).orders ?? [];
const activeOf = async (apt) => JSON.parse(await asRyan(["--json", "apartment", "get", apartments[apt]])).active;

describe("subscriptions and payments", () => {
  test("activation ordered by the installer, paid by the operator; a renewal refused, placed, cancelled, deleted", () =>
    keepEvidence(browser, "subscriptions", async () => {
      const { page, context, problems } = await openPage(browser);
      await logIn(page, server.portal, ...RYAN);
      await page.getByRole("link", { name: "Subscriptions" }).click();
      await page.getByRole("heading", { name: "Subscriptions", level: 1 }).waitFor();
      await check(page, "subscriptions-types");
      await page.getByRole("button", { name: "Active" }).click();
      const table = page.getByRole("table", { name: "Purchase Details" });
      await table.getByRole("row", { name: /Ash Court/ }).waitFor();
      assert.equal(await table.locator("tbody tr").count(), 3);

      // Nothing chosen: refused before anything is sent.
      await page.getByRole("button", { name: "Next", exact: true }).click();
      await page.getByText("Select at least one apartment.").waitFor();
      assert.equal((await orders()).length, 0);

      await page.getByRole("group", { name: "Community" }).getByLabel("Elm Court").check();
      await eventually(() => table.locator("tbody tr").count(), 2, "only Elm Court's apartments");
      await page.getByRole("button", { name: "Select all 2 matching apartments" }).click();
      await page.getByText("Selected 2 / 2").waitFor();
      await check(page, "subscriptions-details");
      await page.getByRole("button", { name: "Next", exact: true }).click();
      await page.getByRole("heading", { name: "Payment Information" }).waitFor();
      await page.getByText("Processing").waitFor();
      assert.equal(await page.getByRole("button", { name: "Confirm payment" }).count(), 0, "an installer does not confirm payments");
      const [order] = await orders();
      assert.equal(order.apartment_ids.length, 2);
      assert.equal(await activeOf("101"), "INACTIVATED", "unpaid: nothing changes");
      await check(page, "subscriptions-payment");

      await page.getByRole("link", { name: "Go to Payments" }).click();
      await page.getByRole("heading", { name: "Payments", level: 1 }).waitFor();
      await page.getByRole("button", { name: `Info of order ${order.number}` }).click();
      const info = page.getByRole("dialog", { name: `Order ${order.number}` });
      await info.getByRole("row", { name: /101/ }).waitFor();
      await info.getByRole("row", { name: /102/ }).waitFor();
      await check(page, "payments-info");
      await info.getByRole("button", { name: "Close" }).click();
      await context.close();

      // The site operator confirms the payment from every installer's orders.
      const operator = await openPage(browser);
      await logIn(operator.page, server.portal);
      await operator.page.getByRole("link", { name: "Payments" }).click();
      await operator.page.getByLabel("Every installer's orders").check();
      await operator.page.getByRole("button", { name: `Confirm payment of order ${order.number}` }).click();
      const confirm = operator.page.getByRole("dialog", { name: `Order ${order.number}` });
      await confirm.getByRole("button", { name: "Confirm payment" }).click();
      await confirm.locator(".field.invalid", { has: operator.page.getByLabel(/^Payment reference/) }).getByRole("alert").waitFor();
      await confirm.getByLabel(/^Payment reference/).fill("INV-77");
      await confirm.getByRole("button", { name: "Confirm payment" }).click();
      await operator.page.getByText(`Order ${order.number} is paid: 2 apartments were activated or renewed.`).waitFor();
      await operator.page.getByRole("row", { name: new RegExp(order.number) }).getByText("Succeed").waitFor();
      assert.equal(await activeOf("101"), "NORMAL");
      assert.equal(await activeOf("7"), "INACTIVATED");
      expectClean(operator.problems);
      await operator.context.close();

      // A renewal from the community's own Subscriptions.
      const again = await openPage(browser);
      const p = again.page;
      await logIn(p, server.portal, ...RYAN);
      await p.goto(`${server.portal}/communities/${elm}/subscriptions`);
      await p.getByRole("heading", { name: "Subscriptions of Elm Court" }).waitFor();
      await p.getByRole("button", { name: "Renew" }).click();
      await p.getByLabel("Select 101 in B1, Elm Court").check();
      const far = new Date(Date.now() + 6 * 365 * 86_400_000).toISOString().slice(0, 10);
      await p.getByLabel(/^Renew To/).fill(far);
      await p.getByRole("button", { name: "Next", exact: true }).click();
      await p.locator(".field.invalid", { has: p.getByLabel(/^Renew To/) }).getByRole("alert").waitFor();
      assert.equal((await orders()).length, 1, "a refused order is not kept");
      const later = new Date(Date.now() + 2 * 365 * 86_400_000).toISOString().slice(0, 10);
      await p.getByLabel(/^Renew To/).fill(later);
      await p.getByRole("button", { name: "Next", exact: true }).click();
      await p.getByRole("heading", { name: "Payment Information" }).waitFor();
      await p.getByRole("button", { name: "Cancel order" }).click();
      await p.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Cancel order" }).click();
      await p.getByText(/^Order \d+ was cancelled\.$/).waitFor();
      const renewal = (await orders()).find((o) => o.kind === "RENEWAL");
      assert.equal(renewal.order_status, "CANCELLED");

      await p.getByRole("link", { name: "Go to Payments" }).click();
      await p.getByRole("row", { name: new RegExp(renewal.number) }).getByText("Cancel").waitFor();
      await p.getByLabel("Status", { exact: true }).selectOption({ label: "Cancel" });
      await p.waitForURL(/status=3/);
      await eventually(() => p.locator("tbody tr").count(), 1, "only the cancelled order");
      await p.getByRole("button", { name: `Delete order ${renewal.number}` }).click();
      await p.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete" }).click();
      await p.getByText(`Order ${renewal.number} was deleted.`).waitFor();
      await p.getByText("No order matches.").waitFor();

      // The audit log tells who did each of it, newest first.
      await p.getByRole("link", { name: "Audit Log" }).click();
      const log = p.getByRole("table", { name: "Audit Log" });
      await log.getByRole("row").nth(1).getByText("subscription.delete").waitFor();
      await log.getByRole("row", { name: /subscription\.paid/ }).waitFor();
      await log.getByRole("row", { name: /subscription\.cancel/ }).getByText("ryan").waitFor();
      await check(p, "audit-log");
      await log.getByRole("link", { name: `community/${elm}` }).click();
      await p.getByRole("heading", { name: "Resident and Device" }).waitFor();
      expectClean(again.problems, [/SubscriptionService\/CreateOrder/]);
      await again.context.close();
    }));
});
