// A property manager's password by email, in a real browser against a real server and a
// real SMTP server (aiosmtpd): "New Property Manager" mails the account with a link that
// sets its password on /account/password; "Forgot password?" on the sign-in page mails a
// new link, which works once. The installer's Email page lists both messages as sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { adminCli, check, expectClean, keepEvidence, launchBrowser, logIn, openPage, startServer } from "./harness.mjs";
import { mailTo, startSmtp, waitForMail } from "./smtp.mjs";

const linkIn = (text) => text.split(/\s+/).find((w) => w.startsWith("https://"));

async function setPassword(page, link, password) {
  await page.goto(link);
  await page.getByRole("heading", { name: "Set your portal password" }).waitFor();
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("Repeat the password").fill(password);
  await page.getByRole("button", { name: "Set password" }).click();
}

test("a property manager sets its password from the account email and from Forgot password", async () => {
  const smtp = await startSmtp();
  const server = await startServer({ extraArgs: ["--smtp-url", `smtp://127.0.0.1:${smtp.port}`] });
  const browser = await launchBrowser();
  try {
    await keepEvidence(browser, "manager password", async () => {
      const community = (
        await adminCli(server, ["--get", "id", "community", "create", "--name", "Elm", "--feature-plan", "premium", "--country", "Germany"])
      ).trim();
      const pm = JSON.parse(
        await adminCli(server, ["--json", "pm", "create", "--first-name", "Pat", "--last-name", "Lee", "--email", "pat@pm.example"]),
      );
      await adminCli(server, ["pm", "assign", String(pm.property_manager.id), "--community", community]);
      const [account] = await waitForMail(smtp.maildir, "pat@pm.example");
      const link = linkIn(account);
      assert.ok(link?.startsWith(`${server.portal}/account/password?token=`), link);

      const { page, problems } = await openPage(browser);
      await setPassword(page, link, "pat-own-password-1");
      await page.getByRole("status").getByText("Your password is set.").waitFor();
      await check(page, "account-password");
      await page.getByRole("button", { name: "Go to sign in" }).click();
      await logIn(page, server.portal, "pat@pm.example", "pat-own-password-1");
      await page.getByRole("button", { name: /Log out/ }).click();

      // Forgot password: the same answer for any address; a link only to Pat's.
      await page.getByRole("button", { name: "Forgot password?" }).click();
      await page.getByRole("heading", { name: "Forgot password" }).waitFor();
      await check(page, "forgot-password");
      await page.getByLabel("Email").fill("pat@pm.example");
      await page.getByRole("button", { name: "Send link" }).click();
      await page.getByRole("status").getByText(/a link to set a new password is on its way/).waitFor();
      let mails = [];
      for (let i = 0; i < 300 && mails.length < 2; i++) {
        mails = mailTo(smtp.maildir, "pat@pm.example");
        await new Promise((r) => setTimeout(r, 100));
      }
      const reset = mails.map(linkIn).find((l) => l !== link);
      assert.ok(reset?.startsWith(`${server.portal}/account/password?token=`), reset);
      await setPassword(page, reset, "pat-own-password-2");
      await page.getByRole("status").getByText("Your password is set.").waitFor();
      expectClean(problems);
      // Used once; the account email's link is spent too.
      await setPassword(page, reset, "pat-own-password-3");
      await page.getByRole("alert").getByText(/link is unknown, used or expired/).waitFor();
      await logIn(page, server.portal, "pat@pm.example", "pat-own-password-2");
      await page.getByRole("button", { name: /Log out/ }).click();

      // The installer's outbox: both messages, sent, to Pat, in English.
      await logIn(page, server.portal);
      await page.getByRole("link", { name: "Email" }).click();
      await page.getByRole("heading", { name: "Email Outbox" }).waitFor();
      const rows = page.getByRole("row").filter({ hasText: "pat@pm.example" });
      await rows.filter({ hasText: "Property manager account" }).getByText("Sent").waitFor();
      await rows.filter({ hasText: "Property manager password reset" }).getByText("Sent").waitFor();
      assert.equal(await rows.count(), 2);
      await check(page, "outbox");
    });
  } finally {
    await browser.close();
    await server.stop();
    smtp.stop();
  }
});
