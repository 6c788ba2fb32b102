// Two-factor login in a real browser against a real server: an installer sets it up on
// the account page (the test computes the app's codes from the secret shown, RFC 6238),
// logs out, logs in with a code, then with a recovery code, which works once; the site
// operator requires it, and a property manager without it is held on its account page
// until it has set it up.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { ADMIN_PASSWORD, ADMIN_USER, adminCli, check, expectClean, keepEvidence, launchBrowser, openPage, startServer } from "./harness.mjs";

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 6-digit code an authenticator app shows for `secret`, `stepsAhead` steps from now. */
function totp(secret, stepsAhead = 0) {
  const counter = Math.floor(Date.now() / 1000 / 30) + stepsAhead;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const h = createHmac("sha1", base32Decode(secret)).update(message).digest();
  const o = h[h.length - 1] & 15;
  const value = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(value % 1_000_000).padStart(6, "0");
}

async function signIn(page, portal, user, password, code) {
  await page.goto(`${portal}/login`);
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  if (code !== undefined) {
    await page.getByLabel("Authentication code").fill(code);
    await page.getByRole("button", { name: "Log in" }).click();
  }
}

/** Sets up two-factor login on the open account page; its secret and recovery codes. */
async function setUp(page) {
  await page.getByRole("button", { name: "Set up two-factor login" }).click();
  await page.getByRole("img", { name: "QR code of the two-factor secret" }).waitFor();
  const secret = (await page.locator("code[data-secret]").textContent()).trim();
  await page.getByLabel("Authentication code").fill("000000");
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.getByText(/does not match/).waitFor();
  await page.getByLabel("Authentication code").fill(totp(secret));
  await page.getByRole("button", { name: "Confirm" }).click();
  const list = page.getByRole("list", { name: "Recovery codes" });
  await list.waitFor();
  const codes = (await list.getByRole("listitem").allTextContents()).map((c) => c.trim());
  return { secret, codes };
}

test("two-factor login: set up, sign in with a code and a recovery code, required by the operator", async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    await keepEvidence(browser, "two-factor", async () => {
      // A property manager made before anything requires a second factor.
      const pm = JSON.parse(
        await adminCli(server, ["--json", "pm", "create", "--first-name", "Pat", "--last-name", "Lee", "--email", "pat@pm.example"]),
      );
      const { page, problems } = await openPage(browser);
      await signIn(page, server.portal, ADMIN_USER, ADMIN_PASSWORD);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.goto(`${server.portal}/account`);
      await page.getByText("Two-factor login is off").waitFor();
      const { secret, codes } = await setUp(page);
      assert.equal(codes.length, 10);
      await check(page, "two-factor-codes");
      await page.getByRole("button", { name: "I have saved them" }).click();
      await page.getByText("Two-factor login is on. Recovery codes left: 10.").waitFor();

      // Out and in again: the password, then the app's next code.
      await page.getByRole("button", { name: "Log out" }).click();
      await signIn(page, server.portal, ADMIN_USER, ADMIN_PASSWORD, totp(secret, 1));
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.getByRole("button", { name: "Log out" }).click();
      // A recovery code works once.
      await signIn(page, server.portal, ADMIN_USER, ADMIN_PASSWORD, codes[2]);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.getByRole("button", { name: "Log out" }).click();
      await signIn(page, server.portal, ADMIN_USER, ADMIN_PASSWORD, codes[2]);
      await page.getByRole("alert").getByText("invalid authentication code").waitFor();
      await page.getByLabel("Authentication code").fill(codes[3]);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();

      // The operator requires it for every account.
      await page.goto(`${server.portal}/account`);
      await page.getByText("Recovery codes left: 8").waitFor();
      const policy = page.getByRole("region", { name: "Site security" });
      await policy.getByRole("radio", { name: "On" }).check();
      await policy.getByRole("button", { name: "Submit" }).click();
      await policy.getByRole("status").waitFor();
      await page.getByRole("button", { name: "Log out" }).click();

      // The property manager is held on its account page until it sets one up.
      await signIn(page, server.portal, "pat@pm.example", pm.generated_password);
      await page.getByRole("heading", { name: "Account" }).waitFor();
      await page.getByRole("alert").getByText("This site requires two-factor login").waitFor();
      await check(page, "two-factor-required");
      await page.goto(`${server.portal}/`);
      await page.getByRole("button", { name: "Set up two-factor login" }).waitFor();
      await setUp(page);
      await page.getByRole("button", { name: "I have saved them" }).click();
      await page.getByRole("link", { name: "Dashboard" }).click();
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      expectClean(problems);
    });
  } finally {
    await browser.close();
    await server.stop();
  }
});
