// What the end-to-end tests stand on: `tenantpilot serve --demo` on a fresh database and a
// free port (its printed console URL, token and simulator URL), a tiny sequential test runner that prints
// `N passed, N failed`, and per screen: screenshots at 1280 and 390 px and an axe-core
// check (no serious or critical violation), with the page's CSP reports and script errors
// counted as failures.
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const SCREENSHOTS =
  process.env.CONSOLE_SCREENSHOTS ?? join(homedir(), ".cache/tenantpilot/console-screenshots");

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `serve --demo` and reads the console URL and admin token it prints. */
export async function startDemo() {
  const bin = process.env.TENANTPILOT_BIN;
  if (!bin) throw new Error("TENANTPILOT_BIN must name the tenantpilot binary");
  const database = `tp_test_console_${randomBytes(6).toString("hex")}`;
  const port = await freePort();
  const env = { ...process.env };
  delete env.TENANTPILOT_ADMIN_TOKEN; // the demo makes one up and prints it
  const child = spawn(bin, ["serve", "--demo"], {
    env: {
      ...env,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
      TENANTPILOT_BIND: `127.0.0.1:${port}`,
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      // the demo's simulator does not mind a quick test
      TENANTPILOT_GRAPH_REQUESTS_PER_20S: "100000",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const printed = {};
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("serve --demo printed no console URL in 60 s")), 60000);
    child.once("exit", (code) => reject(new Error(`serve --demo exited (${code})`)));
    lines.on("line", (line) => {
      const [key, ...rest] = line.trim().split(/:\s+/);
      if (key === "console") printed.console = rest.join(": ").split(/\s+/)[0].replace(/\/$/, "");
      if (key === "admin token") printed.token = rest.join(": ").trim();
      if (key === "Graph (simulated)") printed.graph = rest.join(": ").trim().replace(/\/$/, "");
      if (line.includes("run-now")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  if (!printed.console || !printed.token || !printed.graph) throw new Error(`serve --demo printed ${JSON.stringify(printed)}`);
  return {
    base: printed.console,
    token: printed.token,
    /** The demo's in-process Graph simulator, whose admin API (`/_sim/...`) changes its tenant. */
    graph: printed.graph,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      try {
        execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", `DROP DATABASE IF EXISTS "${database}"`], {
          stdio: "ignore",
        });
      } catch {
        // .ci/run drops tp_test_* databases anyway
      }
    },
  };
}

/** A sequential test runner: `test(name, fn)`, then `run()` prints each and a tally. */
export function runner() {
  const tests = [];
  return {
    test(name, fn) {
      tests.push({ name, fn });
    },
    async run() {
      let passed = 0;
      let failed = 0;
      for (const { name, fn } of tests) {
        const started = Date.now();
        try {
          await fn();
          passed++;
          console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } catch (error) {
          failed++;
          console.log(`FAIL ${name}\n     ${String(error?.stack ?? error).split("\n").slice(0, 8).join("\n     ")}`);
        }
      }
      console.log(`${passed} passed, ${failed} failed`);
      return failed;
    },
  };
}

/** A page that fails the test on a script error or a CSP violation. */
export async function openPage(browser, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, timezoneId: "Europe/Berlin", locale: "en-GB" });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`script error: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy/i.test(text)) page.problems.push(`CSP: ${text}`);
  });
  page.setDefaultTimeout(15000);
  return page;
}

/** Checks a page is clean: no script errors or CSP violations so far. */
export function assertClean(page) {
  if (page.problems.length) throw new Error(page.problems.join("\n"));
}

/** axe-core on the current screen: serious and critical violations fail. */
export async function axe(page, label) {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    const lines = bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
    throw new Error(`axe-core on ${label}:\n${lines.join("\n")}`);
  }
}

const seen = new Set();
/** Every screen: checked by axe-core and photographed at 1280 and at 390 px wide. */
export async function screen(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForLoadState("networkidle").catch(() => {});
  const viewport = page.viewportSize();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await axe(page, `${name} at ${width} px`);
    const file = join(SCREENSHOTS, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (width === 390) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) throw new Error(`${name} is ${overflow} px wider than a 390 px screen`);
    }
  }
  await page.setViewportSize(viewport);
  seen.add(name);
  assertClean(page);
}

export function screensSeen() {
  return [...seen];
}

/** Signs in through the sign-in screen, as a user does. */
export async function signIn(page, base, token) {
  await page.goto(`${base}/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Tenants", level: 1 }).waitFor();
}

/** A JSON call to the API with a token (what a test does behind the user's back). */
export async function apiCall(base, token, method, path, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}
