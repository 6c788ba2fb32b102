// The residents' side of the portal: an end user added with an email gets an invitation
// from a real SMTP server (aiosmtpd, from PyPI, keeping a Maildir), opens its link in the
// browser and sets a password there (logging in with it through ResidentService is
// porter/tests/mail.rs's).
import { test } from "node:test";
import assert from "node:assert/strict";
import { adminCli, check, expectClean, keepEvidence, launchBrowser, openPage, startServer } from "./harness.mjs";
import { startSmtp, waitForMail } from "./smtp.mjs";

test("an invited resident sets the app password on the emailed link's page", async () => {
  const smtp = await startSmtp();
  const server = await startServer({ extraArgs: ["--smtp-url", `smtp://127.0.0.1:${smtp.port}`] });
  const browser = await launchBrowser();
  try {
    await keepEvidence(browser, "resident password", async () => {
      const community = (
        await adminCli(server, ["--get", "id", "community", "create", "--name", "Luna", "--feature-plan", "premium", "--country", "Germany"])
      ).trim();
      const building = (await adminCli(server, ["--get", "id", "building", "create", "--community", community, "--name", "B1"])).trim();
      await adminCli(server, [
        "apartment", "create", "--building", building, "--apt", "101",
        "--first-name", "Lily", "--last-name", "Zheng", "--email", "lily@example.com",
      ]);
      const [text] = await waitForMail(smtp.maildir, "lily@example.com");
      const link = text.split(/\s+/).find((w) => w.startsWith("https://"));
      assert.ok(link?.startsWith(`${server.portal}/resident/password?token=`), link);

      const { page, problems } = await openPage(browser);
      await page.goto(link);
      await page.getByRole("heading", { name: "Set your app password" }).waitFor();
      await page.getByLabel("New password").fill("resident-pw-1");
      await page.getByLabel("Repeat the password").fill("resident-pw-2");
      await page.getByRole("button", { name: "Set password" }).click();
      await page.getByText("The two passwords differ.").waitFor();
      await page.getByLabel("Repeat the password").fill("resident-pw-1");
      await page.getByRole("button", { name: "Set password" }).click();
      await page.getByRole("status").getByText("Your password is set.").waitFor();
      expectClean(problems);
      await check(page, "resident-password");
      // The link is used up: opened again, the page says so on submitting.
      await page.goto(link);
      await page.getByLabel("New password").fill("resident-pw-3");
      await page.getByLabel("Repeat the password").fill("resident-pw-3");
      await page.getByRole("button", { name: "Set password" }).click();
      await page.getByRole("alert").getByText(/link is unknown, used or expired/).waitFor();
    });
  } finally {
    await browser.close();
    await server.stop();
    smtp.stop();
  }
});
