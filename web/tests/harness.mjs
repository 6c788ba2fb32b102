// What the browser tests share: a real `porter serve` on ephemeral loopback ports (the
// debug build the workspace build made), Debian's Chromium driven by playwright-core, and
// per page the checks every test makes (no console error, no failed request, axe-core
// finds nothing serious or critical), with a screenshot of each page kept in test-output/.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, "..", "..");
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
// The benchmark runs the release build (PORTER_PROFILE=release); the tests the debug one.
export const PORTER = join(TARGET, process.env.PORTER_PROFILE || "debug", "porter");
export const PORTER_SIM = join(TARGET, "debug", "porter-sim");
export const OUTPUT = join(here, "..", "test-output");
export const ADMIN_USER = "admin";
export const ADMIN_PASSWORD = "first-admin-pw";
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Starts `porter serve` on a fresh data directory (or `dataDir`, kept from an earlier
 * server); resolves when every listener is up. `faketime` ("+31d") runs it under Debian's
 * libfaketime, its wall clock that far ahead, for what only time brings (a monthly reminder).
 * `extraArgs` go to `porter serve` as they are (`--smtp-url …`).
 */
export async function startServer({
  dataDir = mkdtempSync(join(tmpdir(), "porter-portal-")),
  faketime,
  extraArgs = [],
} = {}) {
  const listeners = [
    "--admin-listen", "--gateway-listen", "--gateway-ws-listen", "--https-listen",
    "--portal-listen", "--sip-listen", "--sip-tls-listen", "--sip-ws-listen",
  ].flatMap((flag) => [flag, "127.0.0.1:0"]);
  const command = [PORTER, "serve", "--data-dir", dataDir, ...listeners, "--log", "warn", ...extraArgs];
  const [program, ...args] = command;
  const child = spawn(program, args, {
    env: {
      ...process.env,
      PORTER_ADMIN_USER: ADMIN_USER,
      PORTER_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...(faketime ? fakeClock(faketime) : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const addrs = {};
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("porter did not start within 60 s")), 60_000);
    child.once("exit", (code) => reject(new Error(`porter exited (${code}) before listening`)));
    lines.on("line", (line) => {
      const m = /^porter: ([\w-]+) listening on (\S+)$/.exec(line);
      if (!m) return;
      addrs[m[1]] = m[2];
      if (m[1] === "admin") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    addrs,
    dataDir,
    pid: child.pid,
    portal: `https://${addrs.portal}`,
    /** Stops the server; its data directory goes unless `keepData` (to start again on it). */
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The environment that loads libfaketime into porter itself (not the `faketime` wrapper,
 * which would stand between the test and the server's signals and exit). Only the wall
 * clock moves: timers and timeouts keep the real monotonic clock.
 */
function fakeClock(offset) {
  const library = ["x86_64-linux-gnu", "aarch64-linux-gnu"]
    .map((arch) => `/usr/lib/${arch}/faketime/libfaketimeMT.so.1`)
    .find((path) => existsSync(path));
  if (!library) throw new Error("libfaketime is not installed (apt-get install faketime)");
  return { LD_PRELOAD: library, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: "1" };
}

/** Headless Debian Chromium, with the flags this machine's closed network needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A new page in a context of its own (its own storage: another browser, as it were), that
 * records console errors and failed requests for `expectClean`.
 */
export async function openPage(browser, { locale = "en-US" } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    // A live stream is cut when its page goes away: that is how it ends, not a failure.
    if (/WatchCommunity$/.test(req.url()) && req.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { page, context, problems };
}

/** No console error and no failed request so far; `allowed` lists expected ones (regexes). */
export function expectClean(problems, allowed = []) {
  const unexpected = problems.filter((p) => !allowed.some((re) => re.test(p)));
  assert.deepEqual(unexpected, [], "the page logged errors or had failed requests");
}

/** axe-core on the page as it is: no serious or critical violation. Also takes a screenshot. */
export async function check(page, name) {
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
  // Evaluated through the DevTools protocol, so the page's CSP (no inline script) stays on.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `axe-core on ${name}`);
}

/** Logs in through the login form and waits for the dashboard. */
export async function logIn(page, portal, user = ADMIN_USER, password = ADMIN_PASSWORD) {
  await page.goto(`${portal}/`);
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
}

/** Runs `porter admin ARGS…` against `server` as `user` (logged in first); its stdout. */
export async function adminCli(server, args, user = ADMIN_USER, password = ADMIN_PASSWORD) {
  const tokenFile = join(server.dataDir, `cli-token-${user}`);
  const env = { ...process.env, PORTER_SERVER: `http://${server.addrs.admin}`, PORTER_TOKEN_FILE: tokenFile };
  await run(PORTER, ["admin", "login", "--username", user, "--password", password], env);
  return run(PORTER, ["admin", ...args], env);
}

function run(program, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${program} ${args.join(" ")} exited ${code}: ${err}`)),
    );
  });
}

/**
 * `fn`, and when it fails, a screenshot of every page still open in `browser` (named after
 * the test) so a failure in CI leaves its evidence in test-output/.
 */
export async function keepEvidence(browser, name, fn) {
  try {
    await fn();
  } catch (err) {
    mkdirSync(OUTPUT, { recursive: true });
    const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
    let n = 0;
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        n += 1;
        await page
          .screenshot({ path: join(OUTPUT, `FAILED-${slug}-${n}.png`), fullPage: true })
          .catch(() => undefined);
        console.error(`failed test "${name}": page ${n} was at ${page.url()}`);
      }
    }
    throw err;
  }
}

/** Polls `read` until it deep-equals `expected` (the page redraws after an event), for 10 s. */
export async function eventually(read, expected, message) {
  const until = Date.now() + 10_000;
  let last;
  while (Date.now() < until) {
    last = await read();
    try {
      assert.deepEqual(last, expected);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.deepEqual(last, expected, message);
}

/**
 * A porter-sim door phone or monitor connected as device `id` until `stop()`. With
 * `control`, `present(line)` hands it an entry ("pin 2580", "qr 12345678") and resolves
 * with the door's answer ({ opened, method, credential_id, holder, relays, … }), or has it
 * take a picture ("capture door_log") and resolves with the upload's { status, answer }.
 */
export function startSim(server, id, { control = false } = {}) {
  const child = spawn(
    PORTER_SIM,
    [
      "--device", String(id),
      "--admin", `http://${server.addrs.admin}`,
      "--user", ADMIN_USER,
      "--password", ADMIN_PASSWORD,
      "--gateway", server.addrs.gateway,
      "--ca", join(server.dataDir, "gateway-cert.pem"),
      "--hold-secs", "300",
      ...(control ? ["--control-stdin", "--autop-url", `https://${server.addrs.https}`] : []),
    ],
    { stdio: [control ? "pipe" : "ignore", control ? "pipe" : "ignore", "inherit"] },
  );
  const answers = [];
  const waiting = [];
  if (control) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      let entry;
      try {
        const parsed = JSON.parse(line);
        entry = parsed.entry ?? parsed.capture;
      } catch {
        return;
      }
      if (!entry) return;
      const next = waiting.shift();
      if (next) next(entry);
      else answers.push(entry);
    });
  }
  return {
    present(line) {
      child.stdin.write(`${line}\n`);
      return new Promise((resolve, reject) => {
        if (answers.length) return resolve(answers.shift());
        const timer = setTimeout(() => reject(new Error(`porter-sim did not answer ${line} within 10 s`)), 10_000);
        waiting.push((entry) => {
          clearTimeout(timer);
          resolve(entry);
        });
      });
    },
    /** Presents `line` until the door's answer is `opened` (10 s at most). */
    async until(line, opened) {
      const end = Date.now() + 10_000;
      for (;;) {
        const entry = await this.present(line);
        if (entry.opened === opened) return entry;
        if (Date.now() > end) throw new Error(`${line}: the door never answered opened=${opened}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    },
  };
}
