// The console's speed, measured in Chromium (Debian's, driven by playwright-core):
//  1. first load: the compressed bytes of every asset the console's first screen loads
//     (index.html, app.js, app.css), as served with gzip and with brotli; budget 150 KB;
//  2. time to a rendered tenants screen (signed in, cold cache, from navigation start to
//     the tenant's row on screen); budget 1 s;
//  3. the runs screen of a schedule with 1,000 runs, to its runs table on screen; budget 1 s.
// It starts `tenantpilot serve` (api and consumers only) on a fresh database and a free
// port, registers a tenant and a schedule through the API and gives the schedule 1,000
// finished runs with `examples/console_runs.rs` (the Run aggregate's own commands).
//
//   TENANTPILOT_BIN=target/release/tenantpilot CONSOLE_RUNS_BIN=target/release/examples/console_runs \
//     npm --prefix ui run bench
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { createServer } from "node:net";
import { launch } from "../e2e/browser.mjs";

const BIN = process.env.TENANTPILOT_BIN;
const SEED = process.env.CONSOLE_RUNS_BIN;
if (!BIN || !SEED) throw new Error("TENANTPILOT_BIN and CONSOLE_RUNS_BIN must name the binaries");
const RUNS = 1000;
const REPEATS = 5;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const database = `tp_bench_console_${randomBytes(6).toString("hex")}`;
const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const token = `tp_bench_${randomBytes(18).toString("hex")}`;
const secretKey = execFileSync(BIN, ["secrets", "generate-key"]).toString().trim();
const service = spawn(BIN, ["serve"], {
  env: {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TENANTPILOT_BIND: `127.0.0.1:${port}`,
    TENANTPILOT_ADMIN_TOKEN: token,
    TENANTPILOT_SECRET_KEY: secretKey,
    TENANTPILOT_ROLES: "api,consumers",
    RUST_LOG: "warn",
  },
  stdio: ["ignore", "ignore", "inherit"],
});

async function api(method, path, body) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    } catch (error) {
      // a kept-alive connection the server closed meanwhile: reads are safe to repeat
      if (method !== "GET" || attempt === 3) throw error;
    }
  }
}

/** The body bytes of a GET as sent on the wire (node's http does not decompress). */
function wireBytes(path, encoding) {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers: { "Accept-Encoding": encoding } }, (response) => {
      let bytes = 0;
      response.on("data", (chunk) => (bytes += chunk.length));
      response.on("end", () => resolve({ bytes, encoding: response.headers["content-encoding"] ?? "identity" }));
    })
      .on("error", reject)
      .end();
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

try {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const tenant = await api("POST", "/api/v1/tenants", {
    display_name: "Bench tenant",
    azure_tenant_id: "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
    client_id: "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e",
  });
  const tenantId = tenant.body.id;
  const schedule = await api("POST", `/api/v1/tenants/${tenantId}/backup-schedules`, {
    name: "Hourly",
    cadence: { kind: "daily", times: ["02:00"] },
    timezone: "Europe/Berlin",
    policy_types: ["deviceConfigurations"],
  });
  const scheduleId = schedule.body.id;
  const seeded = Date.now();
  execFileSync(SEED, [tenantId, scheduleId, String(RUNS)], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: "inherit" });
  // the service's consumers project them; wait until the API lists them all
  let listed = 0;
  for (let i = 0; i < 600 && listed < RUNS; i++) {
    listed = 0;
    let cursor;
    do {
      const page = await api("GET", `/api/v1/tenants/${tenantId}/backup-schedules/${scheduleId}/runs?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      listed += page.body.items.length;
      cursor = page.body.next_cursor;
    } while (cursor);
    if (listed < RUNS) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(`seeded ${listed} runs in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);

  // 1. first-load bytes
  const html = await (await fetch(`${base}/`)).text();
  const assets = ["/", ...[...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1])];
  const sizes = {};
  for (const encoding of ["gzip", "br", "identity"]) {
    let total = 0;
    for (const asset of assets) {
      const { bytes, encoding: served } = await wireBytes(asset, encoding);
      if (served !== encoding) throw new Error(`${asset} served ${served} for ${encoding}`);
      total += bytes;
    }
    sizes[encoding] = total;
  }

  // 2. and 3. in Chromium: signed in (the token put in sessionStorage before the app
  // runs), each load in a fresh context (cold cache)
  const browser = await launch();
  let chromiumBytes = 0;
  async function timeTo(path, ready) {
    const times = [];
    for (let i = 0; i < REPEATS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript((value) => sessionStorage.setItem("tenantpilot.token", value), token);
      const page = await context.newPage();
      let bytes = 0;
      page.on("requestfinished", async (req) => {
        if (!req.url().includes("/api/")) bytes += (await req.sizes()).responseBodySize;
      });
      await page.goto(`${base}${path}`);
      await ready(page);
      times.push(await page.evaluate(() => performance.now()));
      chromiumBytes = bytes;
      await context.close();
    }
    return times;
  }
  const tenants = await timeTo("/", (page) => page.getByRole("link", { name: "Bench tenant", exact: true }).waitFor());
  const runs = await timeTo(`/tenants/${tenantId}/schedules/${scheduleId}`, (page) =>
    page.getByRole("table", { name: "Runs, newest first" }).getByRole("row").nth(50).waitFor(),
  );
  await browser.close();

  const verdict = (ok) => (ok ? "within budget" : "OVER BUDGET");
  console.log(`first load (${assets.length} files: ${assets.join(", ")}):`);
  console.log(`  gzip ${kb(sizes.gzip)}, brotli ${kb(sizes.br)}, uncompressed ${kb(sizes.identity)}; Chromium received ${kb(chromiumBytes)} (budget 150 KB: ${verdict(sizes.gzip <= 150 * 1024)})`);
  console.log(`time to the rendered tenants screen: median ${median(tenants).toFixed(0)} ms, max ${Math.max(...tenants).toFixed(0)} ms over ${REPEATS} cold loads (budget 1000 ms: ${verdict(median(tenants) <= 1000)})`);
  console.log(`runs screen of a schedule with ${RUNS} runs (first page of 50 on screen): median ${median(runs).toFixed(0)} ms, max ${Math.max(...runs).toFixed(0)} ms over ${REPEATS} cold loads (budget 1000 ms: ${verdict(median(runs) <= 1000)})`);
} finally {
  service.kill("SIGTERM");
  await new Promise((resolve) => (service.exitCode !== null ? resolve() : service.once("exit", resolve)));
  try {
    execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", `DROP DATABASE IF EXISTS "${database}"`], { stdio: "ignore" });
  } catch {
    // .ci/run drops tp_bench_* databases anyway
  }
}
