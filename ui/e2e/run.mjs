// The console's end-to-end tests: a user's tasks in headless Chromium against
// `tenantpilot serve --demo` (see harness.mjs), found by role and label as a user finds
// them. Run by .ci/run (after `cargo test`); locally:
//   TENANTPILOT_BIN=$CARGO_TARGET_DIR/debug/tenantpilot npm --prefix ui run e2e
import { launch } from "./browser.mjs";
import { apiCall, assert, assertClean, openPage, runner, screen, screensSeen, signIn, startDemo, SCREENSHOTS } from "./harness.mjs";

const demo = await startDemo();
const browser = await launch();
const { base, token } = demo;
const { test, run } = runner();
const state = {};

const tenants = (await apiCall(base, token, "GET", "/api/v1/tenants")).body.items;
const demoTenant = tenants[0];
const demoSchedule = (await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/backup-schedules`)).body.items[0];

async function adminPage(width = 1280) {
  const page = await openPage(browser, width);
  await signIn(page, base, token);
  return page;
}

test("a wrong token is refused at the token field; the printed one signs in and shows who it is", async () => {
  const page = await openPage(browser);
  await page.goto(`${base}/`);
  await screen(page, "sign-in");
  // keyboard only: the token field takes the focus by Tab, Enter submits
  await page.keyboard.press("Tab");
  await page.keyboard.type("tp_not-a-real-token");
  await page.keyboard.press("Enter");
  const field = page.getByLabel("API token");
  await page.getByText("This token is unknown or revoked.").waitFor();
  assert((await field.getAttribute("aria-invalid")) === "true", "the token field is marked invalid");
  await field.fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Tenants", level: 1 }).waitFor();
  await page.getByRole("banner").getByText("admin", { exact: true }).waitFor();
  await page.getByRole("link", { name: demoTenant.display_name, exact: true }).waitFor();
  await screen(page, "tenants");
  // the token is in sessionStorage only: never in the URL or localStorage
  const stored = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: Object.keys(localStorage) }));
  assert(stored.session.includes(token) && stored.local.length === 0 && !page.url().includes(token), JSON.stringify(stored));
  await page.context().close();
});

test("a schedule with a bad timezone shows the API's message at the timezone field, then is created", async () => {
  const page = await adminPage();
  await page.getByRole("link", { name: demoTenant.display_name, exact: true }).click();
  await page.getByRole("heading", { name: demoTenant.display_name, level: 1 }).waitFor();
  await screen(page, "tenant");
  await page.getByRole("link", { name: "New schedule" }).click();
  await page.getByRole("heading", { name: "New schedule" }).waitFor();
  await page.getByLabel("Name").fill("E2E nightly");
  await page.getByLabel("Times").fill("03:15");
  await page.getByLabel("Timezone").fill("Mars/Olympus_Mons");
  await page.getByRole("button", { name: "Create schedule" }).click();
  const timezone = page.getByLabel("Timezone");
  await page.locator("#timezone-error").waitFor();
  assert((await timezone.getAttribute("aria-invalid")) === "true", "the timezone field is marked invalid");
  const describedBy = await timezone.getAttribute("aria-describedby");
  assert(describedBy.includes("timezone-error"), `aria-describedby ${describedBy}`);
  const message = await page.locator("#timezone-error").textContent();
  assert(message.includes("Mars/Olympus_Mons"), `the field error quotes the value: ${message}`);
  await screen(page, "schedule-form-error");
  await timezone.fill("Europe/Berlin");
  await page.getByRole("button", { name: "Create schedule" }).click();
  await page.getByRole("heading", { name: "E2E nightly", level: 1 }).waitFor();
  await page.getByText("Every day at 03:15").waitFor();
  await page.getByRole("heading", { name: "Next five runs" }).waitFor();
  state.scheduleUrl = page.url();
  await page.context().close();
});

async function until(check, timeout = 15000, what = "the condition") {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function runNowAndWait(page) {
  const runs = page.getByRole("table", { name: "Runs, newest first" });
  // counted once the screen has read its runs (a schedule without any shows no table)
  await page.getByText(/^(Loading|Reading)/).first().waitFor({ state: "detached" }).catch(() => {});
  await page.waitForLoadState("networkidle");
  const before = (await runs.count()) ? await runs.getByRole("row").count() : 1;
  await page.getByRole("button", { name: "Run now" }).click();
  await until(async () => (await runs.count()) && (await runs.getByRole("row").count()) > before, 15000, "the new run's row");
  // the first row is the newest run: queued or running, then success by itself
  await runs.getByRole("row").nth(1).getByText("Success").waitFor({ timeout: 90000 });
}

test("run now queues a run whose status changes live until success", async () => {
  const page = await adminPage();
  await page.goto(state.scheduleUrl);
  await page.getByRole("heading", { name: "E2E nightly", level: 1 }).waitFor();
  await runNowAndWait(page);
  await screen(page, "schedule");
  // a second run: its set can be compared with the first
  await runNowAndWait(page);
  const rows = page.getByRole("table", { name: "Runs, newest first" }).getByRole("row");
  await rows.nth(2).getByText("Success").waitFor({ timeout: 90000 });
  // each run shows its completeness, summed from its sync report as the API gives it
  const runsPath = new URL(state.scheduleUrl).pathname.replace("/tenants/", "/api/v1/tenants/").replace("/schedules/", "/backup-schedules/") + "/runs?limit=1";
  const newest = (await apiCall(base, token, "GET", runsPath)).body.items[0];
  const lines = Object.values(newest.sync_report);
  const listed = lines.reduce((sum, line) => sum + (line.listed ?? 0), 0);
  const whole = lines.reduce((sum, line) => sum + (line.whole ?? 0), 0);
  assert(listed > 0, `the run's report has completeness: ${JSON.stringify(newest.sync_report).slice(0, 300)}`);
  await page.locator(`a[href$="/runs/${newest.id}"]`).first().locator("xpath=ancestor::tr").getByText(`${whole} of ${listed} whole`).waitFor();
  await rows.nth(1).getByRole("link").first().click();
  await page.getByText("Status:").waitFor();
  await page.getByRole("table", { name: "What the run read, per policy type" }).waitFor();
  await screen(page, "run");
  state.runUrl = page.url();
  await page.context().close();
});

test("breadcrumbs name the tenant and the schedule, not the words Tenant and Schedule", async () => {
  const page = await adminPage();
  const crumbs = page.getByRole("navigation", { name: "Breadcrumbs" });
  const expectNamed = async (where) => {
    await crumbs.getByRole("link", { name: demoTenant.display_name, exact: true }).waitFor();
    const labels = (await crumbs.getByRole("link").allTextContents()).map((label) => label.trim());
    assert(!labels.includes("Tenant") && !labels.includes("Schedule"), `${where}: crumbs ${labels.join(" > ")}`);
    return labels;
  };
  // a run: Tenants > the tenant > the schedule
  await page.goto(state.runUrl);
  await crumbs.getByRole("link", { name: "E2E nightly", exact: true }).waitFor();
  const labels = await expectNamed("a run");
  assert(labels.join(" > ") === `Tenants > ${demoTenant.display_name} > E2E nightly`, `a run's crumbs: ${labels.join(" > ")}`);
  await screen(page, "run-crumbs");
  // the schedule's own screen and its history name the tenant (and the schedule)
  await crumbs.getByRole("link", { name: "E2E nightly", exact: true }).click();
  await page.getByRole("heading", { name: "E2E nightly", level: 1 }).waitFor();
  await expectNamed("a schedule");
  await page.getByRole("link", { name: "Who changed what" }).click();
  await page.getByRole("heading", { name: "Schedule history", level: 1 }).waitFor();
  await crumbs.getByRole("link", { name: "E2E nightly", exact: true }).waitFor();
  await expectNamed("a schedule's history");
  // a deep link to the backup sets names the tenant too; its crumb goes back to the tenant
  await page.goto(`${base}/tenants/${demoTenant.id}/backup-sets`);
  await page.getByRole("heading", { name: "Backup sets", level: 1 }).waitFor();
  await expectNamed("the backup sets");
  await crumbs.getByRole("link", { name: demoTenant.display_name, exact: true }).click();
  await page.getByRole("heading", { name: demoTenant.display_name, level: 1 }).waitFor();
  await page.context().close();
});

test("a run's backup set opens, then an item's content, then the diff against the previous set", async () => {
  const page = await adminPage();
  await page.goto(state.runUrl);
  await page.getByRole("link", { name: /E2E nightly - / }).click();
  await page.getByRole("heading", { name: /E2E nightly - /, level: 1 }).waitFor();
  await page.getByRole("table", { name: "Items of this backup set" }).waitFor();
  await screen(page, "backup-set");
  // filtered by name through the API
  const first = page.getByRole("table", { name: "Items of this backup set" }).getByRole("row").nth(1).getByRole("link");
  const itemName = (await first.textContent()).trim();
  await page.getByLabel("Name contains").fill(itemName.slice(0, 6));
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("link", { name: itemName }).first().click();
  await page.getByRole("heading", { name: itemName, level: 1 }).waitFor();
  const json = await page.getByLabel("The item's content as JSON").textContent();
  assert(JSON.parse(json) && json.includes("\n  "), "the content is indented JSON");
  await screen(page, "backup-item");
  // the item's crumbs name its set, not the words "Backup set"
  await page.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link", { name: /^E2E nightly - / }).waitFor();
  const itemCrumbs = (await page.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link").allTextContents()).map((label) => label.trim());
  assert(!itemCrumbs.includes("Backup set"), `an item's crumbs: ${itemCrumbs.join(" > ")}`);
  await page.goBack();
  await page.getByRole("link", { name: "Compare with the previous set" }).click();
  await page.getByRole("heading", { name: /^Changes in E2E nightly/ }).waitFor();
  await page.getByText(/added, .* removed, .* changed, .* unchanged\./).waitFor();
  await page.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link", { name: /^E2E nightly - / }).waitFor();
  await screen(page, "backup-set-diff");
  await page.getByRole("link", { name: "Backup sets" }).first().click();
  await page.getByRole("heading", { name: "Backup sets", level: 1 }).waitFor();
  await screen(page, "backup-sets");
  await page.context().close();
});

test("an admin deletes a backup set from its screen and undeletes it from the list of deleted sets", async () => {
  const live = async () => (await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/backup-sets`)).body.items.map((set) => set.id);
  const set = (await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/backup-sets`)).body.items[0];
  assert(set, "a backup set to delete");
  const href = `/tenants/${demoTenant.id}/backup-sets/${set.id}`;
  const page = await adminPage();
  await page.goto(`${base}${href}`);
  await page.getByRole("heading", { name: set.name, level: 1 }).waitFor();
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  // an admin still sees the deleted set, marked so, with no export (the API refuses it)
  await page.getByRole("button", { name: "Undelete", exact: true }).waitFor();
  await page.getByText(/only admins see it/).waitFor();
  assert((await page.getByRole("button", { name: "Export (zip)" }).count()) === 0, "a deleted set offers no export");
  assert(!(await live()).includes(set.id), "the deleted set is hidden from listings");
  await screen(page, "backup-set-deleted");
  // the list hides it until the admin asks for deleted sets; its row undeletes it
  await page.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link", { name: "Backup sets", exact: true }).click();
  await page.getByRole("heading", { name: "Backup sets", level: 1 }).waitFor();
  const table = page.getByRole("table", { name: "Backup sets, oldest first" });
  const row = table.getByRole("row").filter({ has: page.locator(`a[href="${href}"]`) });
  await table.getByRole("row").nth(1).waitFor();
  assert((await row.count()) === 0, "the deleted set is not listed by default");
  await page.getByLabel("Show deleted sets").check();
  await row.getByText("(deleted)").waitFor();
  await screen(page, "backup-sets-with-deleted");
  await row.getByRole("button", { name: "Undelete", exact: true }).click();
  await row.getByRole("button", { name: "Delete", exact: true }).waitFor();
  assert((await row.getByText("(deleted)").count()) === 0, "the undeleted set is no longer marked deleted");
  assert((await live()).includes(set.id), "the undeleted set is listed again");
  await page.context().close();
});

test("a policy changed in Graph between two runs shows its old and new values side by side in the diff", async () => {
  // the simulator's admin API changes the demo tenant's first device configuration: one of
  // its settings, its lastModifiedDateTime and version (README "Graph simulator")
  const sim = `${demo.graph}/_sim/tenants/${demoTenant.azure_tenant_id}`;
  const listed = await fetch(`${sim}/objects/deviceConfigurations`).then((r) => r.json());
  const target = listed.find((object) => object.index === 0);
  assert(target?.id, `the simulator lists ${JSON.stringify(listed).slice(0, 200)}`);
  const mutated = await fetch(`${sim}/mutate`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ policy_type: "deviceConfigurations", index: 0 }),
  });
  assert(mutated.ok, `mutate: ${mutated.status}`);
  const runsPath = new URL(state.scheduleUrl).pathname.replace("/tenants/", "/api/v1/tenants/").replace("/schedules/", "/backup-schedules/") + "/runs?limit=100";
  const runsBefore = new Set((await apiCall(base, token, "GET", runsPath)).body.items.map((item) => item.id));
  const page = await adminPage();
  await page.goto(state.scheduleUrl);
  await page.getByRole("heading", { name: "E2E nightly", level: 1 }).waitFor();
  await runNowAndWait(page);
  // the run just queued (runs of the same minute may sort either way, so found by its id)
  const fresh = (await apiCall(base, token, "GET", runsPath)).body.items.filter((item) => !runsBefore.has(item.id));
  assert(fresh.length === 1, `${fresh.length} new runs; the screen says: ${(await page.locator(".problem, [role=alert]").allTextContents()).join(" | ")}`);
  await page.locator(`a[href$="/runs/${fresh[0].id}"]`).first().click();
  await page.getByRole("link", { name: /E2E nightly - / }).click();
  await page.getByRole("heading", { name: /E2E nightly - /, level: 1 }).waitFor();
  await page.getByRole("link", { name: "Compare with the previous set" }).click();
  await page.getByRole("heading", { name: /^Changes in E2E nightly/ }).waitFor();
  const summary = page.getByText(/added, .* removed, .* changed, .* unchanged\./);
  await summary.waitFor();
  // the one policy changed in Graph is the one change between the two sets
  assert(/ 0 added, 0 removed, 1 changed, /.test(await summary.textContent()), `one change: ${await summary.textContent()}`);
  // what the API says changed in that policy, to hold the screen against
  const setId = new URL(page.url()).pathname.split("/")[4];
  const diff = await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/backup-sets/${setId}/diff?against=previous`);
  const entry = diff.body.changed.find((changed) => changed.item.graph_id === target.id);
  assert(diff.body.changed.length === 1, `${diff.body.changed.length} items changed`);
  assert(entry, `the mutated policy ${target.id} is not among the changed: ${JSON.stringify(diff.body.changed.map((c) => c.item.graph_id))}`);
  const replaced = entry.changes.filter((change) => change.op === "replace" && change.old !== undefined && change.new !== undefined);
  assert(replaced.length > 0, `a value was replaced: ${JSON.stringify(entry.changes)}`);
  const name = entry.item.display_name;
  const table = page.getByRole("table", { name: `${name}: before and after` });
  await table.waitFor();
  for (const change of replaced) {
    const row = table.getByRole("row").filter({ has: page.getByText(change.pointer, { exact: true }) });
    assert((await row.count()) === 1, `one row for ${change.pointer}`);
    const before = (await row.locator("td.old").textContent()).trim();
    const after = (await row.locator("td.new").textContent()).trim();
    assert(before === JSON.stringify(change.old, null, 2), `${change.pointer} before: ${before}, expected ${JSON.stringify(change.old)}`);
    assert(after === JSON.stringify(change.new, null, 2), `${change.pointer} after: ${after}, expected ${JSON.stringify(change.new)}`);
    assert(before !== after, `${change.pointer} shows the same value twice`);
    // side by side: before and after on one line, after to the right of before
    const [old, fresh] = [await row.locator("td.old").boundingBox(), await row.locator("td.new").boundingBox()];
    assert(Math.abs(old.y - fresh.y) < 2 && fresh.x >= old.x + old.width - 1, `not side by side: ${JSON.stringify([old, fresh])}`);
  }
  const headers = (await table.getByRole("columnheader").allTextContents()).map((text) => text.trim());
  assert(headers.join("|") === "Setting|Before|After", `columns: ${headers.join("|")}`);
  await screen(page, "backup-set-diff-changed");
  await page.context().close();
});

// --- restores (issue 17's API): plan from a backup set, read the plan, apply, verify ------

const sim = () => `${demo.graph}/_sim/tenants/${demoTenant.azure_tenant_id}`;
async function simChange(action, policyType, index) {
  const response = await fetch(`${sim()}/${action}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ policy_type: policyType, index }),
  });
  assert(response.ok, `simulator ${action} ${policyType}[${index}]: ${response.status}`);
}
async function simObject(policyType, index) {
  const listed = await fetch(`${sim()}/objects/${policyType}`).then((r) => r.json());
  return listed.find((object) => object.index === index);
}
/** The demo tenant's latest backup set, as Graph is now: made by a run of the E2E schedule
 * (not the demo's, whose first run must stay its scheduled one). */
async function latestSet() {
  const scheduleId = new URL(state.scheduleUrl).pathname.split("/").pop();
  const queued = await apiCall(base, token, "POST", `/api/v1/tenants/${demoTenant.id}/backup-schedules/${scheduleId}/run-now`, null, {
    "Idempotency-Key": crypto.randomUUID(),
  });
  assert(queued.status === 201 || queued.status === 202, `run now: ${queued.status} ${JSON.stringify(queued.body)}`);
  const runId = queued.body.id ?? queued.body.location.split("/").pop();
  let finished;
  await until(
    async () => ["success", "partial", "failed"].includes((finished = (await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/backup-runs/${runId}`)).body)?.status),
    90000,
    "the run to finish",
  );
  assert(finished.backup_set_id, `the run made no set: ${finished.status} ${finished.error_code}`);
  const set = (await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/backup-sets/${finished.backup_set_id}`)).body;
  assert((set.counts.deviceConfigurations ?? 0) >= 4, `the set has device configurations: ${JSON.stringify(set.counts)}`);
  return set;
}
/** Every item of a restore (the demo's restores fit one page). */
async function restoreItems(path) {
  const page = (await apiCall(base, token, "GET", `${path}/items?limit=200`)).body;
  assert(page.next_cursor === null, `one page holds the restore's items: ${page.next_cursor}`);
  return page.items;
}
/** The figures of the restore screen's counts list, by their label. */
async function countsShown(page) {
  const figures = {};
  for (const text of await page.getByRole("list", { name: "Counts" }).getByRole("listitem").allTextContents()) {
    const [, n, label] = /^\s*(\S+)\s+(.+?)\s*$/.exec(text);
    figures[label] = n;
  }
  return figures;
}
function expectCounts(shown, counts, where) {
  const expected = { items: counts.items, "to write": counts.to_write, applied: counts.applied, failed: counts.failed, verified: counts.verified ?? "—" };
  for (const [label, n] of Object.entries(expected)) {
    assert(shown[label] === String(n), `${where}: ${label} shows ${shown[label]}, the API says ${n} (${JSON.stringify(shown)})`);
  }
}

test("an admin plans a restore of the latest set into its tenant, sees the plan, applies it and sees it verified", async () => {
  const set = await latestSet();
  // behind the console's back, Graph changes: one device configuration edited, one deleted
  const edited = await simObject("deviceConfigurations", 1);
  const deleted = await simObject("deviceConfigurations", 2);
  await simChange("mutate", "deviceConfigurations", 1);
  await simChange("delete", "deviceConfigurations", 2);
  const page = await adminPage();
  await page.goto(`${base}/tenants/${demoTenant.id}/backup-sets/${set.id}`);
  await page.getByRole("heading", { name: set.name, level: 1 }).waitFor();
  await page.getByRole("link", { name: "Restore…" }).click();
  await page.getByRole("heading", { name: `Plan a restore of ${set.name}`, level: 1 }).waitFor();
  // the target defaults to the set's own tenant; no group mapping within one tenant
  const target = page.getByLabel("Restore into");
  assert((await target.inputValue()) === demoTenant.id, `the target defaults to this tenant: ${await target.inputValue()}`);
  assert((await page.getByRole("group", { name: "Group mapping" }).count()) === 0, "a mapping is offered within one tenant");
  await page.getByLabel("Some policy types").check();
  // an empty choice is refused here (the API would take it for the whole set)
  await page.getByRole("button", { name: "Plan the restore" }).click();
  await page.getByText("Choose at least one policy type").waitFor();
  await page.getByRole("group", { name: "Policy types" }).getByRole("checkbox", { name: /^deviceConfigurations \(/ }).check();
  await screen(page, "restore-form");
  await page.getByRole("button", { name: "Plan the restore" }).click();
  await page.getByRole("heading", { name: `Restore of ${set.name}`, level: 1 }).waitFor();
  await page.locator(".run-status").getByText("Planned").waitFor();
  state.restoreUrl = page.url();
  const restoreId = new URL(page.url()).pathname.split("/").pop();
  const path = `/api/v1/tenants/${demoTenant.id}/restores/${restoreId}`;
  const planned = { ...(await apiCall(base, token, "GET", path)).body, items: await restoreItems(path) };
  // the plan is exactly Graph's two changes: the deleted object to create, the edited one to update
  const byGraphId = (id) => planned.items.find((item) => item.source_graph_id === id);
  assert(byGraphId(deleted.id)?.action === "create", `the deleted object: ${JSON.stringify(byGraphId(deleted.id))}`);
  assert(byGraphId(edited.id)?.action === "update", `the edited object: ${JSON.stringify(byGraphId(edited.id))}`);
  const toWrite = planned.items.filter((item) => item.action === "create" || item.action === "update");
  assert(toWrite.length === 2, `two items to write: ${JSON.stringify(toWrite.map((item) => [item.display_name, item.action, item.changes]))}`);
  assert(planned.counts.to_write === 2, `the counts say two to write: ${JSON.stringify(planned.counts)}`);
  assert(planned.items.every((item) => item.policy_type === "deviceConfigurations"), "only the chosen type is planned");
  expectCounts(await countsShown(page), planned.counts, "the plan");
  await page.getByText(/In the order they are written: 1 to create, 1 to update, \d+ unchanged\./).waitFor();
  // the update's changes, before and after, from the same diff the sets use
  const editedRow = page.getByRole("row").filter({ has: page.getByRole("link", { name: byGraphId(edited.id).display_name, exact: true }) });
  await editedRow.getByText("Update", { exact: true }).waitFor();
  await editedRow.getByRole("button", { name: /^\d+ changes?$/ }).click();
  const changes = page.getByRole("table", { name: `${byGraphId(edited.id).display_name}: the target now and after the restore` });
  await changes.waitFor();
  const headers = (await changes.getByRole("columnheader").allTextContents()).map((text) => text.trim());
  assert(headers.join("|") === "Setting|In the target now|After the restore", `columns: ${headers.join("|")}`);
  await page.getByRole("row").filter({ has: page.getByRole("link", { name: byGraphId(deleted.id).display_name, exact: true }) }).getByText("Create", { exact: true }).waitFor();
  await screen(page, "restore-plan");
  // the items shown can be narrowed to one action (the API filters the pages)
  await page.getByLabel("Show").selectOption({ label: "Create (1)" });
  await page.getByRole("link", { name: byGraphId(edited.id).display_name, exact: true }).waitFor({ state: "detached" });
  await page.getByRole("link", { name: byGraphId(deleted.id).display_name, exact: true }).waitFor();
  await page.getByLabel("Show").selectOption("all");
  await editedRow.waitFor();
  // apply (confirmed): queued, applying, then completed or partial, by itself
  page.once("dialog", (dialog) => {
    assert(dialog.message().includes("writes 2 items"), `the confirmation says what is written: ${dialog.message()}`);
    void dialog.accept();
  });
  await page.getByRole("button", { name: "Apply" }).click();
  await page.locator(".run-status").getByText(/^(Completed|Partial)$/).waitFor({ timeout: 120000 });
  const done = { ...(await apiCall(base, token, "GET", path)).body, items: await restoreItems(path) };
  // both written; `partial` only when an item, read back, still differs (restore_not_verified)
  assert(done.counts.applied === 2 && done.counts.failed === 0, `counts: ${JSON.stringify(done.counts)}`);
  assert(
    done.status === "completed" ? done.counts.verified === 2 : done.error_code === "restore_not_verified",
    `the restore ended ${done.status}: ${done.error_code} ${done.error_message} ${JSON.stringify(done.counts)}`,
  );
  expectCounts(await countsShown(page), done.counts, "the applied restore");
  // each written item: applied, and its verification as the API has it (the differences
  // of one that differs a click away, read back beside the backup)
  for (const id of [deleted.id, edited.id]) {
    const item = done.items.find((i) => i.source_graph_id === id);
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: item.display_name, exact: true }) });
    await row.getByText("Applied", { exact: true }).waitFor();
    await row.getByText(item.verification.verified ? "Verified" : "Differs", { exact: true }).waitFor();
    if (!item.verification.verified && item.verification.differences?.length) {
      await row.getByRole("button", { name: /^\d+ differences?$/ }).click();
      await page.getByRole("table", { name: `${item.display_name}: read back and in the backup` }).waitFor();
    }
  }
  assert((await page.getByRole("button", { name: "Apply" }).count()) === 0, "an applied restore offers no Apply");
  await screen(page, "restore-applied");
  // once verified, Graph holds the backup again: a second plan finds nothing to write
  if (done.status === "completed") {
    const again = (await apiCall(base, token, "POST", `/api/v1/tenants/${demoTenant.id}/restores`, { source_backup_set_id: set.id, selection: { types: ["deviceConfigurations"] } })).body;
    assert(again.counts.to_write === 0, `a second plan finds nothing to write: ${JSON.stringify(again.counts)}`);
  }
  // the tenant's restores list, from the tenant screen
  await page.goto(`${base}/tenants/${demoTenant.id}`);
  await page.getByRole("link", { name: "Restores", exact: true }).click();
  await page.getByRole("heading", { name: "Restores", level: 1 }).waitFor();
  const rows = page.getByRole("table", { name: "Restores, newest first" }).getByRole("row");
  await rows.filter({ has: page.locator(`a[href$="/restores/${restoreId}"]`) }).getByText(done.status === "completed" ? "Completed" : "Partial", { exact: true }).waitFor();
  await screen(page, "restores");
  await page.context().close();
});

test("applying a plan whose target changed since says so and plans again", async () => {
  const set = await latestSet();
  // a change to restore (Apply is offered only with something to write)
  await simChange("mutate", "deviceConfigurations", 3);
  const planned = await apiCall(base, token, "POST", `/api/v1/tenants/${demoTenant.id}/restores`, { source_backup_set_id: set.id, selection: { types: ["deviceConfigurations"] } });
  assert(planned.status === 201, `plan: ${planned.status} ${JSON.stringify(planned.body)}`);
  const page = await adminPage();
  await page.goto(`${base}/tenants/${demoTenant.id}/restores/${planned.body.id}`);
  await page.locator(".run-status").getByText("Planned").waitFor();
  // Graph changes after the plan was made: another object (the simulator's edit of one
  // object flips a value, so a second edit of the same one would undo the first)
  await simChange("mutate", "deviceConfigurations", 4);
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Apply" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "The target changed since this plan was made" });
  await alert.getByText("restore_plan_stale", { exact: false }).waitFor();
  await screen(page, "restore-stale");
  const status = (await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/restores/${planned.body.id}`)).body.status;
  assert(status === "planned", `nothing was applied: ${status}`);
  await alert.getByRole("button", { name: "Plan again" }).click();
  await page.waitForURL((url) => url.pathname.includes("/restores/") && !url.pathname.endsWith(planned.body.id));
  await page.locator(".run-status").getByText("Planned").waitFor();
  // the new plan sees both changes as updates, with the same selection
  await page.getByText("types deviceConfigurations").waitFor();
  const summary = await page.getByText(/^In the order they are written:/).textContent();
  assert(/: 2 to update, \d+ unchanged\.$/.test(summary.trim()), `the new plan: ${summary}`);
  await page.context().close();
});

test("an operator plans a restore of the whole set but is offered neither Approve nor Apply", async () => {
  const issued = await apiCall(base, token, "POST", "/api/v1/tokens", { name: "e2e restore operator", role: "operator", tenant_ids: [demoTenant.id] });
  assert(issued.status === 201, `token: ${issued.status}`);
  const set = await latestSet();
  const page = await openPage(browser);
  await signIn(page, base, issued.body.token);
  await page.goto(`${base}/tenants/${demoTenant.id}/backup-sets/${set.id}`);
  await page.getByRole("heading", { name: set.name, level: 1 }).waitFor();
  await page.getByRole("link", { name: "Restore…" }).click();
  await page.getByRole("heading", { name: `Plan a restore of ${set.name}`, level: 1 }).waitFor();
  // an operator of one tenant may restore only into it
  const options = await page.getByLabel("Restore into").locator("option").allTextContents();
  assert(options.length === 1, `an operator of one tenant is offered ${options.join(", ")}`);
  await page.getByRole("button", { name: "Plan the restore" }).click();
  await page.getByRole("heading", { name: `Restore of ${set.name}`, level: 1 }).waitFor();
  await page.locator(".run-status").getByText("Planned").waitFor();
  await page.getByText("the whole set", { exact: true }).waitFor();
  const restoreId = new URL(page.url()).pathname.split("/").pop();
  const planned = (await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/restores/${restoreId}`)).body;
  assert(!planned.selection.types?.length && !planned.selection.item_ids?.length && planned.counts.items >= set.item_count, `the whole set: ${JSON.stringify(planned.selection)} ${JSON.stringify(planned.counts)}`);
  expectCounts(await countsShown(page), planned.counts, "an operator's plan");
  await page.waitForLoadState("networkidle");
  for (const name of ["Apply", "Approve"]) {
    assert((await page.getByRole("button", { name }).count()) === 0, `an operator is offered ${name}`);
  }
  await screen(page, "restore-plan-operator");
  await page.context().close();
});

test("an admin restores a set into the demo's empty second tenant, matching groups by display name", async () => {
  // the second simulated tenant, registered as an operator would, with the credentials the demo prints
  const registered = await apiCall(base, token, "POST", "/api/v1/tenants", {
    display_name: "Fabrikam (simulated, empty)",
    azure_tenant_id: "3e9a7c51-0d42-4b8e-a6f1-9c2d4e6f8a0b",
    client_id: "9b1d3f5a-2c4e-4a6b-8d0f-1e3a5c7e9b2d",
    client_secret: "demo~Target.SecretValue-9876543210",
  });
  assert(registered.status === 201 || registered.status === 202, `tenant: ${registered.status} ${JSON.stringify(registered.body)}`);
  const fabrikamId = registered.body.id ?? registered.body.location.split("/").pop();
  const set = await latestSet();
  const page = await adminPage();
  await page.goto(`${base}/tenants/${demoTenant.id}/backup-sets/${set.id}`);
  await page.getByRole("link", { name: "Restore…" }).click();
  await page.getByRole("heading", { name: `Plan a restore of ${set.name}`, level: 1 }).waitFor();
  await page.getByLabel("Restore into").selectOption(fabrikamId);
  // across tenants the groups must be mapped: here by their display names
  const mapping = page.getByRole("group", { name: "Group mapping" });
  await mapping.waitFor();
  await mapping.getByRole("checkbox", { name: /Match the other groups by display name/ }).check();
  await page.getByLabel("Some policy types").check();
  await page.getByRole("group", { name: "Policy types" }).getByRole("checkbox", { name: /^deviceConfigurations \(/ }).check();
  await page.getByRole("button", { name: "Plan the restore" }).click();
  await page.getByRole("heading", { name: `Restore of ${set.name}`, level: 1 }).waitFor();
  await page.locator(".run-status").getByText("Planned").waitFor();
  const restoreId = new URL(page.url()).pathname.split("/").pop();
  assert(page.url().includes(`/tenants/${fabrikamId}/restores/`), `the restore is the target's: ${page.url()}`);
  const path = `/api/v1/tenants/${fabrikamId}/restores/${restoreId}`;
  const planned = (await apiCall(base, token, "GET", path)).body;
  // the API's matches, as the screen lists them: the renamed group is not restored, and why
  const matches = planned.group_matches;
  assert(matches.length > 0, `groups were looked up: ${JSON.stringify(planned)}`);
  const unmatched = matches.filter((m) => !m.target_group_id);
  const matched = matches.filter((m) => m.target_group_id);
  assert(matched.length > 0, `some groups match by name: ${JSON.stringify(matches)}`);
  await page.locator("li").filter({ hasText: matched[0].display_name }).filter({ hasText: matched[0].target_group_id }).first().waitFor();
  for (const m of unmatched) {
    await page.getByText(`not restored (${m.reason})`).first().waitFor();
  }
  for (const m of matched) assert(planned.group_mapping[m.source_group_id] === m.target_group_id, `the match joins the mapping: ${m.source_group_id}`);
  assert(planned.counts.actions.create === planned.counts.to_write && planned.counts.to_write > 0, `an empty tenant: everything is created ${JSON.stringify(planned.counts)}`);
  await screen(page, "restore-plan-by-name");
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Apply" }).click();
  await page.locator(".run-status").getByText(/^(Completed|Partial)$/).waitFor({ timeout: 120000 });
  const done = (await apiCall(base, token, "GET", path)).body;
  assert(done.counts.applied === planned.counts.to_write && done.counts.failed === 0, `applied: ${JSON.stringify(done.counts)}`);
  // no assignment went to a group of the source tenant: every one sent names a target group
  const items = (await apiCall(base, token, "GET", `${path}/items?limit=200`)).body.items;
  const targets = new Set(Object.values(planned.group_mapping));
  for (const item of items.filter((i) => i.outcome === "applied")) {
    for (const request of item.sent ?? []) {
      for (const assignment of request.body?.assignments ?? []) {
        const group = assignment.target?.groupId;
        assert(!group || targets.has(group), `${item.display_name} sent group ${group}, not a mapped target group`);
      }
    }
  }
  await page.context().close();
});

test("a failing tenant's run explains its error code, notifies, and marking it read lowers the count", async () => {
  // a tenant whose app registration the simulator does not know: its run fails at sign-in
  const created = await apiCall(base, token, "POST", "/api/v1/tenants", {
    display_name: "Fabrikam (wrong app)",
    azure_tenant_id: "00000000-0000-4000-8000-00000000beef",
    client_id: "00000000-0000-4000-8000-00000000cafe",
    client_secret: "not-the-secret",
  });
  assert(created.status === 201 || created.status === 202, `tenant: ${created.status}`);
  const tenantId = created.body.id ?? created.body.location.split("/").pop();
  let schedule;
  for (let i = 0; i < 50 && !schedule; i++) {
    const made = await apiCall(base, token, "POST", `/api/v1/tenants/${tenantId}/backup-schedules`, {
      name: "Fails",
      cadence: { kind: "daily", times: ["04:00"] },
      timezone: "UTC",
      policy_types: ["deviceConfigurations"],
    });
    if (made.status === 201 || made.status === 202) schedule = made.body.id ?? made.body.location.split("/").pop();
    else await new Promise((r) => setTimeout(r, 200));
  }
  // earlier tests' notifications (a restore's) are read first, so the count this test
  // watches is the failure's alone, not one of theirs arriving meanwhile
  await apiCall(base, token, "POST", "/api/v1/notifications/read-all");
  const page = await adminPage();
  const before = Number(await page.locator(".count").textContent());
  await page.goto(`${base}/tenants/${tenantId}/schedules/${schedule}`);
  await page.getByRole("button", { name: "Run now" }).click();
  const row = page.getByRole("table", { name: "Runs, newest first" }).getByRole("row").nth(1);
  await row.getByText("Failed").waitFor({ timeout: 90000 });
  await row.getByRole("link").first().click();
  const explained = page.locator(".problem").first();
  await explained.waitFor();
  const text = await explained.textContent();
  assert(/Error [a-z_]+: .{20,}/.test(text), `the error code comes with a sentence: ${text}`);
  await screen(page, "run-failed");
  // the failure notified: the header's count rises without a reload
  await page.waitForFunction((n) => Number(document.querySelector(".count")?.textContent) > n, before, { timeout: 30000 });
  const unread = Number(await page.locator(".count").textContent());
  await page.getByRole("link", { name: /Notifications/ }).click();
  await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
  await screen(page, "notifications");
  await page.getByRole("button", { name: "Mark read" }).first().click();
  await page.waitForFunction((n) => Number(document.querySelector(".count")?.textContent) === n - 1, unread);
  // its link opens the run
  await page.getByRole("link", { name: "Open the run" }).first().click();
  await page.getByText("Status:").waitFor();
  await page.context().close();
});

test("a stale ETag is explained with what changed, and a reload is offered", async () => {
  const page = await adminPage();
  await page.goto(state.scheduleUrl);
  await page.getByRole("heading", { name: "E2E nightly", level: 1 }).waitFor();
  // someone else renames the schedule behind the user's back
  const path = new URL(state.scheduleUrl).pathname.replace("/tenants/", "/api/v1/tenants/").replace("/schedules/", "/backup-schedules/");
  const current = await apiCall(base, token, "GET", path);
  const renamed = await apiCall(base, token, "PATCH", path, { name: "E2E renamed" }, { "If-Match": `"${current.body.version}"` });
  assert(renamed.status === 200 || renamed.status === 202, `rename: ${renamed.status}`);
  await page.getByRole("button", { name: "Disable" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Someone changed this" });
  await alert.waitFor();
  await alert.getByText("name: E2E nightly → E2E renamed").waitFor();
  await screen(page, "stale-etag");
  await alert.getByRole("button", { name: "Reload" }).click();
  await page.getByRole("heading", { name: "E2E renamed", level: 1 }).waitFor();
  // run now sends the ETag too: a change behind the user's back queues no run
  const runsBefore = (await apiCall(base, token, "GET", `${path}/runs`)).body.items.length;
  const seen = await apiCall(base, token, "GET", path);
  const edited = await apiCall(base, token, "PATCH", path, { retention_keep_last: seen.body.retention_keep_last + 1 }, { "If-Match": `"${seen.body.version}"` });
  assert(edited.status === 200 || edited.status === 202, `edit: ${edited.status}`);
  await page.getByRole("button", { name: "Run now" }).click();
  const runAlert = page.getByRole("alert").filter({ hasText: "Someone changed this" });
  await runAlert.getByText(`retention_keep_last: ${seen.body.retention_keep_last} → ${seen.body.retention_keep_last + 1}`).waitFor();
  const runsAfter = (await apiCall(base, token, "GET", `${path}/runs`)).body.items.length;
  assert(runsAfter === runsBefore, `a stale run now queued ${runsAfter - runsBefore} runs`);
  await runAlert.getByRole("button", { name: "Reload" }).click();
  await runAlert.waitFor({ state: "detached" });
  await page.context().close();
});

test("a stale ETag on the tenant edit form and on deactivate names what changed and reloads", async () => {
  const created = await apiCall(base, token, "POST", "/api/v1/tenants", {
    display_name: "Stale Ltd",
    azure_tenant_id: "00000000-0000-4000-8000-0000000057a1",
    client_id: "00000000-0000-4000-8000-0000000057a2",
    client_secret: "not-the-secret",
  });
  assert(created.status === 201 || created.status === 202, `tenant: ${created.status}`);
  const tenantId = created.body.id ?? created.body.location.split("/").pop();
  // someone else renames the tenant behind the user's back (once the API reads it back)
  const renameBehind = async (from, to) => {
    let current;
    await until(async () => (current = await apiCall(base, token, "GET", `/api/v1/tenants/${tenantId}`)).body?.display_name === from, 15000, `${from} to be readable`);
    const renamed = await apiCall(base, token, "PATCH", `/api/v1/tenants/${tenantId}`, { display_name: to }, { "If-Match": `"${current.body.version}"` });
    assert(renamed.status === 200 || renamed.status === 202, `rename: ${renamed.status}`);
    await until(async () => (await apiCall(base, token, "GET", `/api/v1/tenants/${tenantId}`)).body?.display_name === to, 15000, `${to} to be readable`);
  };
  const page = await adminPage();
  await page.goto(`${base}/tenants/${tenantId}/edit`);
  await page.getByRole("heading", { name: "Edit Stale Ltd", level: 1 }).waitFor();
  await renameBehind("Stale Ltd", "Stale Ltd (second)");
  await page.getByLabel("Client id").fill("00000000-0000-4000-8000-0000000057a3");
  await page.getByRole("button", { name: "Save" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Someone changed this" });
  await alert.waitFor();
  await alert.getByText("display_name: Stale Ltd → Stale Ltd (second)").waitFor();
  await screen(page, "tenant-form-stale");
  // reload: the form starts again from the current tenant, and saving now works
  await alert.getByRole("button", { name: "Reload" }).click();
  await page.getByRole("heading", { name: "Edit Stale Ltd (second)", level: 1 }).waitFor();
  await page.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link", { name: "Stale Ltd (second)", exact: true }).waitFor();
  assert((await page.getByLabel("Display name").inputValue()) === "Stale Ltd (second)", "the form shows the current name");
  assert((await alert.count()) === 0, "the stale notice is gone after the reload");
  await page.getByRole("button", { name: "Save" }).click();
  // exact: the edit form's own heading, "Edit Stale Ltd (second)", contains these words, and
  // renaming behind the screen before the tenant screen has read the tenant leaves nothing stale
  await page.getByRole("heading", { name: "Stale Ltd (second)", exact: true, level: 1 }).waitFor();
  await page.getByRole("button", { name: "Deactivate" }).waitFor();
  // deactivate with a stale ETag: the same notice, from the tenant screen
  await renameBehind("Stale Ltd (second)", "Stale Ltd (third)");
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Deactivate" }).click();
  const again = page.getByRole("alert").filter({ hasText: "Someone changed this" });
  await again.getByText("display_name: Stale Ltd (second) → Stale Ltd (third)").waitFor();
  await screen(page, "tenant-deactivate-stale");
  await again.getByRole("button", { name: "Reload" }).click();
  await page.getByRole("heading", { name: "Stale Ltd (third)", exact: true, level: 1 }).waitFor();
  const status = (await apiCall(base, token, "GET", `/api/v1/tenants/${tenantId}`)).body.status;
  assert(status === "active", `nothing was done on a stale ETag: ${status}`);
  await page.context().close();
});

test("an auditor's token shows no action buttons anywhere", async () => {
  const issued = await apiCall(base, token, "POST", "/api/v1/tokens", { name: "e2e auditor", role: "auditor" });
  assert(issued.status === 201, `token: ${issued.status}`);
  const page = await openPage(browser);
  await signIn(page, base, issued.body.token);
  await page.getByRole("banner").getByText("auditor", { exact: true }).waitFor();
  const actions = /^(Run now|Enable|Disable|Delete|Undelete|Retry|Deactivate|Reactivate|Register tenant|New schedule|Edit.*|Mark all read|Issue token|Create webhook|Redeliver|Restore…|Approve|Apply|Plan again)$/;
  const aSet = (await apiCall(base, token, "GET", `/api/v1/tenants/${demoTenant.id}/backup-sets`)).body.items[0];
  const setPaths = [`/tenants/${demoTenant.id}/backup-sets`, `/tenants/${demoTenant.id}/backup-sets/${aSet.id}`, `/tenants/${demoTenant.id}/restores`];
  if (state.restoreUrl) setPaths.push(new URL(state.restoreUrl).pathname);
  for (const path of ["/", `/tenants/${demoTenant.id}`, `/tenants/${demoTenant.id}/schedules/${demoSchedule.id}`, ...setPaths, "/webhooks"]) {
    await page.goto(`${base}${path}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.waitForLoadState("networkidle");
    const names = [
      ...(await page.getByRole("main").getByRole("button").allTextContents()),
      ...(await page.getByRole("main").getByRole("link").allTextContents()),
    ].map((name) => name.trim());
    const offered = names.filter((name) => actions.test(name));
    assert(offered.length === 0, `${path} offers ${offered.join(", ")} to an auditor`);
  }
  // no Tokens screen in the navigation; Audit is there
  assert((await page.getByRole("link", { name: "Tokens" }).count()) === 0, "an auditor sees Tokens");
  await page.getByRole("link", { name: "Audit" }).click();
  await page.getByText(/^(Intact|Broken)$/).waitFor();
  await screen(page, "audit");
  await page.context().close();
});

test("an operator's token sees only its tenants, runs schedules and cannot manage tenants", async () => {
  const issued = await apiCall(base, token, "POST", "/api/v1/tokens", { name: "e2e operator", role: "operator", tenant_ids: [demoTenant.id] });
  assert(issued.status === 201, `token: ${issued.status}`);
  const all = (await apiCall(base, token, "GET", "/api/v1/tenants")).body.items;
  assert(all.length > 1, "another tenant exists to be hidden");
  const page = await openPage(browser);
  await signIn(page, base, issued.body.token);
  await page.getByRole("link", { name: demoTenant.display_name, exact: true }).waitFor();
  const rows = page.getByRole("table", { name: "Tenants with their schedules and last runs" }).getByRole("row");
  assert((await rows.count()) === 2, `an operator of one tenant sees ${(await rows.count()) - 1} tenants`);
  assert((await page.getByRole("link", { name: "Register tenant" }).count()) === 0, "an operator may not register tenants");
  assert((await page.getByRole("button", { name: "Deactivate" }).count()) === 0, "an operator may not deactivate tenants");
  await page.getByRole("link", { name: demoTenant.display_name, exact: true }).click();
  await page.getByRole("link", { name: "New schedule" }).waitFor();
  await page.getByRole("button", { name: "Run now" }).first().waitFor();
  await page.context().close();
});

test("a lost connection shows a banner that goes away by itself when the service answers again", async () => {
  const page = await adminPage();
  await page.route(/\/(api\/v1|readyz)/, (route) => route.abort("connectionrefused"));
  await page.getByRole("link", { name: demoTenant.display_name, exact: true }).click();
  const banner = page.getByRole("status").filter({ hasText: "Connection to the service lost" });
  await banner.waitFor();
  await screen(page, "connection-lost");
  await page.unroute(/\/(api\/v1|readyz)/);
  await banner.waitFor({ state: "detached", timeout: 10000 }).catch(async () => {
    if (await banner.isVisible()) throw new Error("the banner stays after the service is back");
  });
  // the screen reloaded its data by itself
  await page.getByRole("heading", { name: demoTenant.display_name, level: 1 }).waitFor();
  await page.context().close();
});

test("a revoked token returns to sign-in; sign out forgets the token", async () => {
  const issued = await apiCall(base, token, "POST", "/api/v1/tokens", { name: "e2e short-lived", role: "viewer" });
  const page = await openPage(browser);
  await signIn(page, base, issued.body.token);
  await apiCall(base, token, "DELETE", `/api/v1/tokens/${issued.body.id}`);
  // the revocation is committed at once but read through the consumers' projection, which
  // lags while other tests' events (a restore's) are projected: wait until the API refuses it
  await until(async () => (await apiCall(base, issued.body.token, "GET", "/api/v1/me")).status === 401, 15000, "the revoked token to be refused");
  // the header's unread-count poll may meet the revocation first and sign out before this
  // navigation: the notice must survive the reload either way
  await page.goto(`${base}/tenants/${demoTenant.id}`);
  await page.getByText("Your token was refused").waitFor();
  await page.reload();
  await page.getByText("Your token was refused").waitFor();
  await page.getByLabel("API token").waitFor();
  await signIn(page, base, token);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("API token").waitFor();
  assert((await page.evaluate(() => sessionStorage.length)) === 0, "the token is gone");
  assertClean(page);
  await page.context().close();
});

test("deep links open their screen and the back button returns", async () => {
  const page = await adminPage();
  await page.goto(state.scheduleUrl);
  await page.getByRole("heading", { name: "E2E renamed", level: 1 }).waitFor();
  await page.getByRole("link", { name: "Who changed what" }).click();
  await page.getByRole("heading", { name: "Schedule history", level: 1 }).waitFor();
  await page.getByText("ScheduleCreated").first().waitFor();
  await screen(page, "schedule-history");
  await page.goBack();
  await page.getByRole("heading", { name: "E2E renamed", level: 1 }).waitFor();
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await page.getByRole("heading", { name: "Edit E2E renamed" }).waitFor();
  await screen(page, "schedule-edit");
  await page.goto(`${base}/tenants/${demoTenant.id}/history`);
  await page.getByRole("heading", { name: "Tenant history", level: 1 }).waitFor();
  await screen(page, "tenant-history");
  await page.goto(`${base}/tenants/${demoTenant.id}/policies`);
  await page.getByRole("table", { name: "Policies" }).waitFor();
  await screen(page, "policies");
  await page.getByRole("table", { name: "Policies" }).getByRole("row").nth(1).getByRole("link").click();
  await page.getByRole("heading", { name: /: versions$/, level: 1 }).waitFor();
  await screen(page, "policy-history");
  await page.goto(`${base}/tenants/new`);
  await page.getByRole("heading", { name: "Register a tenant" }).waitFor();
  await screen(page, "tenant-form");
  await page.goto(`${base}/tenants/${demoTenant.id}/edit`);
  await page.getByLabel("Client secret").waitFor();
  assert((await page.getByLabel("Client secret").inputValue()) === "", "the secret is write-only");
  await page.goto(`${base}/tenants/${demoTenant.id}/no/such/screen`);
  await page.getByRole("heading", { name: "No such page" }).waitFor();
  await page.context().close();
});

test("webhooks: the secret is shown once with a copy button; tokens: the value is shown once", async () => {
  const page = await adminPage();
  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
  await page.getByLabel("URL").fill("http://127.0.0.1:9/e2e-hook");
  await page.getByRole("button", { name: "Create webhook" }).click();
  await page.getByText("shown this once").waitFor();
  await page.getByRole("button", { name: "Copy" }).waitFor();
  await screen(page, "webhooks");
  await page.getByRole("link", { name: "http://127.0.0.1:9/e2e-hook" }).click();
  await page.getByRole("heading", { name: "Deliveries" }).waitFor();
  await screen(page, "webhook");
  await page.getByRole("link", { name: "Tokens" }).click();
  await page.getByLabel("Name").fill("e2e ci");
  await page.getByLabel("Role").selectOption("auditor");
  await page.getByRole("button", { name: "Issue token" }).click();
  await page.getByText("shown this once").waitFor();
  const value = await page.locator(".secret code").textContent();
  assert(value.startsWith("tp_"), `a token value: ${value}`);
  await screen(page, "tokens");
  await page.getByRole("button", { name: "Revoke e2e ci" }).waitFor();
  await page.context().close();
});

test("the demo schedule's first run appears by itself and turns success", async () => {
  const page = await adminPage();
  await page.getByRole("link", { name: demoSchedule.name }).first().click();
  await page.getByRole("heading", { name: demoSchedule.name, level: 1 }).waitFor();
  // the demo schedule fires at the next whole minute at least a minute after start
  const row = page.getByRole("table", { name: "Runs, newest first" }).getByRole("row").last();
  await row.getByText("Success").waitFor({ timeout: 180000 });
  const trigger = await row.getByRole("cell").nth(1).textContent();
  assert(trigger.trim() === "scheduled", `the first run was ${trigger}`);
  await screen(page, "demo-schedule");
  await page.context().close();
});

let failed = 1;
try {
  failed = await run();
  console.log(`screenshots of ${screensSeen().length} screens at 1280 and 390 px in ${SCREENSHOTS}`);
} finally {
  await browser.close();
  await demo.stop();
}
process.exit(failed ? 1 : 0);
