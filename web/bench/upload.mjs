// Benchmark: a 512 MiB firmware image uploaded from headless Chromium through the portal's
// Upload Firmware dialog (the gRPC-Web client stream of 1 MiB envelopes over slices of the
// file), against the release `porter serve` on loopback. Reports the wall time and the
// server's peak resident memory before and after: the image must never sit whole in the
// server's memory.
//
//   cargo build --release -p porter && cd web && npm run build
//   PORTER_PROFILE=release node bench/upload.mjs
import { closeSync, ftruncateSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { launchBrowser, logIn, openPage, startServer } from "../tests/harness.mjs";

const SIZE = 512 << 20;
const peakKiB = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

const server = await startServer();
const browser = await launchBrowser();
try {
  const file = join(server.dataDir, "image.bin");
  const fd = openSync(file, "w");
  ftruncateSync(fd, SIZE);
  closeSync(fd);
  const { page, context } = await openPage(browser);
  await logIn(page, server.portal);
  await page.getByRole("link", { name: "Firmware" }).click();
  const before = { peak: peakKiB(server.pid), rss: rssKiB(server.pid) };
  await page.getByRole("button", { name: "Upload Firmware" }).click();
  const dialog = page.getByRole("dialog", { name: "Upload Firmware" });
  await dialog.getByLabel(/^Version( \(required\))?$/).fill("29.30.9.1");
  await dialog.getByLabel(/^Device models/).fill("R29");
  await dialog.getByLabel(/^Firmware image/).setInputFiles(file);
  const start = performance.now();
  await dialog.getByRole("button", { name: "Submit" }).click();
  await page.getByText("Firmware 29.30.9.1 for R29 was uploaded.").waitFor({ timeout: 600_000 });
  const seconds = (performance.now() - start) / 1000;
  const after = { peak: peakKiB(server.pid), rss: rssKiB(server.pid) };
  console.log(
    `512 MiB upload: ${seconds.toFixed(1)} s (${(512 / seconds).toFixed(0)} MiB/s); server peak RSS ${(before.peak / 1024).toFixed(0)} MiB before, ` +
      `${(after.peak / 1024).toFixed(0)} MiB after (RSS now ${(after.rss / 1024).toFixed(0)} MiB)`,
  );
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}
