// The residents' side of the portal: an end user added with an email gets an invitation
// from a real SMTP server (aiosmtpd, from PyPI, keeping a Maildir), opens its link in the
// browser and sets a password there (logging in with it through ResidentService is
// porter/tests/mail.rs's).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminCli, check, expectClean, keepEvidence, launchBrowser, openPage, startServer } from "./harness.mjs";

/** A free loopback port (closed again before aiosmtpd takes it). */
function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startSmtp() {
  const port = await freePort();
  // aiosmtpd makes the Maildir (new/, cur/, tmp/) when the folder is not there yet.
  const maildir = join(mkdtempSync(join(tmpdir(), "porter-mail-")), "maildir");
  const child = spawn(
    "python3",
    ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Mailbox", maildir],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      }).on("error", () => resolve(false));
    });
    if (up) return { port, maildir, stop: () => child.kill() };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error("aiosmtpd did not listen within 10 s (pip install aiosmtpd)");
}

/** The plain-text bodies of the messages to `to` so far, parsed by Python's email package. */
function mailTo(maildir, to) {
  const script = `
import email, email.policy, json, mailbox, sys
out = []
for m in mailbox.Maildir(sys.argv[1], factory=None, create=False):
    msg = email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
    if sys.argv[2] in str(msg['To']):
        out.append(msg.get_body(preferencelist=('plain',)).get_content())
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, maildir, to], { encoding: "utf8" }));
}

async function waitForMail(maildir, to) {
  for (let i = 0; i < 300; i++) {
    const found = mailTo(maildir, to);
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} within 30 s`);
}

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
