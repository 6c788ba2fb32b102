// A real SMTP server for browser tests: aiosmtpd (installed by scripts/test.sh) keeping a
// Maildir, read back with Python's own email parser.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free loopback port (closed again before aiosmtpd takes it). */
function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startSmtp() {
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
export function mailTo(maildir, to) {
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

export async function waitForMail(maildir, to) {
  for (let i = 0; i < 300; i++) {
    const found = mailTo(maildir, to);
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} within 30 s`);
}
