// Benchmark: from navigation to a usable resident list of a 10,000-apartment community, in
// headless Chromium on loopback against the release `porter serve` (median of RUNS).
//
//   cargo build --release -p porter && cd web && npm run build
//   PORTER_PROFILE=release node bench/residents.mjs [RUNS]
//
// Each run opens a fresh browser context (nothing cached), logs in, then times two
// navigations by URL until their first row shows: the community's Residents view (a page of
// 10 among 10,000, with the "in all" total) and one building's APT list (500 apartments).
// The peer in the same run is the list's own gRPC-Web request as the browser's resource
// timing saw it: what the page adds on top of the server's answer.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { adminCli, launchBrowser, logIn, openPage, startServer } from "../tests/harness.mjs";

const RUNS = Number(process.argv[2] ?? 5);
const BUILDINGS = 20;
const PER_BUILDING = 500;
const HEADER = "Building,Apt,AptName,Device,FirstName,LastName,Email,MobileNumber,TelephoneCallingCode,1stPhone,2ndPhone,3rdPhone,CallType,WebRelayID";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function seed(server) {
  const community = (
    await adminCli(server, ["--get", "id", "community", "create", "--name", "Bench Park", "--feature-plan", "premium", "--country", "Germany", "--apartments", String(BUILDINGS * PER_BUILDING)])
  ).trim();
  const rows = [HEADER];
  for (let b = 0; b < BUILDINGS; b++) {
    for (let a = 0; a < PER_BUILDING; a++) {
      const i = b * PER_BUILDING + a;
      rows.push(`Tower ${b + 1},${100 + a},,,First${i},Last${i},r${i}@bench.example,,,,,,2,0`);
    }
  }
  const file = join(server.dataDir, "bench.csv");
  writeFileSync(file, rows.join("\n") + "\n");
  await adminCli(server, ["template", "import", "--community", community, file]);
  const buildings = JSON.parse(await adminCli(server, ["--json", "building", "list", "--community", community])).buildings;
  return { community, building: buildings.find((b) => b.name === "Tower 1").id };
}

/** Milliseconds from goto to `ready` showing, and the duration of the request named `rpc`. */
async function timed(page, url, ready, rpc) {
  const start = performance.now();
  await page.goto(url, { waitUntil: "commit" });
  await ready.waitFor();
  const total = performance.now() - start;
  const request = await page.evaluate(
    (name) => performance.getEntriesByType("resource").filter((e) => e.name.endsWith(name)).map((e) => e.duration).pop() ?? NaN,
    rpc,
  );
  return { total, request };
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const { community, building } = await seed(server);
  const results = { residents: [], apartments: [] };
  for (let run = 0; run < RUNS; run++) {
    const { page, context } = await openPage(browser);
    await logIn(page, server.portal);
    results.residents.push(
      await timed(
        page,
        `${server.portal}/communities/${community}/residents?tab=residents`,
        page.getByText("10,000 in all"),
        "SearchResidents",
      ),
    );
    results.apartments.push(
      await timed(
        page,
        `${server.portal}/communities/${community}/residents?building=${building}`,
        page.getByText("500 in all"),
        "ListApartments",
      ),
    );
    await context.close();
  }
  for (const [name, rs] of Object.entries(results)) {
    const total = median(rs.map((r) => r.total));
    const request = median(rs.map((r) => r.request));
    console.log(
      `${name}: navigation to usable list median ${total.toFixed(0)} ms (runs ${rs.map((r) => r.total.toFixed(0)).join(", ")}); ` +
        `its list request median ${request.toFixed(1)} ms; page / request ${(total / request).toFixed(1)}x`,
    );
  }
} finally {
  await browser.close();
  await server.stop();
}
