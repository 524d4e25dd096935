// The observer page as a person sees it, in Debian's Chromium driven by
// playwright-core (no browser of its own is downloaded).
//
//   OBSERVER_URL=http://127.0.0.1:PORT/ node observer.test.mjs
//
// Expects the `observer` example's system (cargo run --example observer):
// a supervisor `app` over `ticker`, `kv` and a supervisor `workers`, which
// holds `flaky` (crashes now and then) and `mailer`. `.ci/browser-test`
// builds and starts it. Exits non-zero on the first failed check.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const url = process.env.OBSERVER_URL;
const screenshot = process.env.SCREENSHOT ?? join(here, "..", "observer.png");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** The whole run may take this long; each wait has its own, shorter limit. */
const OVERALL_MS = 150_000;
const WAIT_MS = 15_000;

if (!url) {
  console.error("FAILED: set OBSERVER_URL to the observer's address");
  process.exit(2);
}

let checks = 0;
function ok(what) {
  checks += 1;
  console.log(`ok ${checks} - ${what}`);
}
class CheckFailed extends Error {}
function check(condition, what, detail) {
  if (!condition) {
    throw new CheckFailed(`${what}${detail === undefined ? "" : `\n  got: ${JSON.stringify(detail)}`}`);
  }
  ok(what);
}

const watchdog = setTimeout(() => {
  console.error(`FAILED: the browser test did not finish within ${OVERALL_MS / 1000} s`);
  process.exit(1);
}, OVERALL_MS);

const userDataDir = mkdtempSync(join(tmpdir(), "observer-chromium-"));
let context;
const pageErrors = [];
/** The id of the server the test kills, once it does. */
let killed = null;

/** The tree's rows as the page shows them. */
async function treeRows(page) {
  return page.$$eval("#tree tr", (trs) =>
    trs.map((tr, index) => ({
      index,
      id: Number(tr.dataset.serverId),
      parent: tr.dataset.parentId === "" ? null : Number(tr.dataset.parentId),
      depth: Number(tr.dataset.depth),
      name: tr.dataset.name,
      type: tr.dataset.type,
      messages: Number(tr.dataset.messages),
      mailbox: Number(tr.dataset.mailbox),
      rate: tr.querySelector('[data-col="rate"] .value')?.textContent ?? "",
      pid: tr.querySelector('[data-col="pid"] .pid')?.textContent ?? "",
    })),
  );
}

const byName = (rows, name) => rows.find((row) => row.name === name);
const snapshots = (page) => page.evaluate(() => Number(document.body.dataset.snapshots));

/** Waits until the page has applied `count` more snapshots. */
async function nextSnapshots(page, count) {
  const target = (await snapshots(page)) + count;
  await page.waitForFunction(
    (n) => Number(document.body.dataset.snapshots) >= n,
    target,
    { timeout: WAIT_MS },
  );
}

async function run() {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
    viewport: { width: 1360, height: 760 },
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(WAIT_MS);
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => {
    // Failed requests are judged below, by their address.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      pageErrors.push(message.text());
    }
  });
  page.on("response", (answer) => {
    if (answer.status() < 400) return;
    // The state of a server being killed may be asked for as it goes.
    const expected = killed !== null && answer.url().endsWith(`/api/processes/${killed}/state`);
    if (!expected) pageErrors.push(`${answer.status()} for ${answer.url()}`);
  });
  // Stop and Kill ask first.
  page.on("dialog", (dialog) => dialog.accept());

  // 1. The page loads and its event stream delivers snapshots.
  const response = await page.goto(url, { timeout: WAIT_MS });
  check(response?.ok(), `GET ${url} answers 200`, response?.status());
  check((await page.title()) === "genserver observer", "the page's title is 'genserver observer'");
  await page.waitForSelector('#conn[data-state="live"]');
  await nextSnapshots(page, 1);
  ok("the event stream is live and a snapshot was applied");

  // 2. The tree: the supervisor at the root, its children nested under it.
  await page.waitForFunction(() => document.querySelectorAll("#tree tr").length >= 6);
  let rows = await treeRows(page);
  const app = byName(rows, "app");
  check(app && app.depth === 0 && app.parent === null && app.type === "Supervisor",
    "the supervisor 'app' is a top-level row", app);
  for (const name of ["ticker", "kv", "workers"]) {
    const row = byName(rows, name);
    check(row && row.parent === app.id && row.depth === 1 && row.index > app.index,
      `'${name}' is nested under 'app'`, row);
  }
  const workers = byName(rows, "workers");
  check(workers.type === "Supervisor", "'workers' is shown as a supervisor", workers);
  for (const name of ["flaky", "mailer"]) {
    const row = byName(rows, name);
    check(row && row.parent === workers.id && row.depth === 2 && row.index > workers.index,
      `'${name}' is nested under 'workers'`, row);
  }
  const appText = await page.textContent(`#tree tr[data-server-id="${app.id}"]`);
  check(appText.includes(app.pid) && appText.includes("app") && appText.includes("Supervisor"),
    "the supervisor's row shows its id, name and type", appText);

  // 3. The live counters move between two snapshots.
  const before = byName(rows, "ticker");
  await nextSnapshots(page, 2);
  rows = await treeRows(page);
  const after = byName(rows, "ticker");
  check(after.id === before.id && after.messages > before.messages,
    "the ticker's message count moves between snapshots", { before, after });
  check(parseFloat(after.rate) > 0, "the ticker's message rate is shown and positive", after.rate);

  // 4. Selecting the key-value store shows its state, refreshed while selected.
  const kv = byName(rows, "kv");
  await page.click(`#tree tr[data-server-id="${kv.id}"]`);
  await page.waitForSelector(`#tree tr.selected[data-server-id="${kv.id}"]`);
  await page.waitForSelector(`#details[data-server-id="${kv.id}"]`);
  await page.waitForSelector(`#state[data-state-for="${kv.id}"]`);
  const state = await page.textContent("#state");
  check(state.includes("Store") && state.includes('"greeting": "hello from the observer"'),
    "the state panel shows the store's Debug state", state);
  check((await page.textContent("#d-name")) === "kv", "the details name the selected server");
  await page.waitForFunction((first) => document.getElementById("state").textContent !== first, state);
  ok("the state panel refreshes while the server is selected");

  // 5. The filter keeps matches and their ancestors.
  await page.fill("#filter", "mailer");
  const filtered = (await treeRows(page)).map((row) => row.name).sort();
  check(JSON.stringify(filtered) === JSON.stringify(["app", "mailer", "workers"]),
    "filtering by 'mailer' shows it with its supervisors", filtered);
  await page.fill("#filter", "");
  await page.waitForFunction(() => document.querySelectorAll("#tree tr").length >= 6);

  // 6. Kill: the ticker goes, and its supervisor starts a new one.
  const ticker = byName(await treeRows(page), "ticker");
  await page.click(`#tree tr[data-server-id="${ticker.id}"]`);
  await page.waitForSelector(`#details[data-server-id="${ticker.id}"]`);
  killed = ticker.id;
  await page.click("#kill");
  await page.waitForFunction(() => /stopped: killed/.test(document.getElementById("action-result").textContent));
  ok("Kill answers 'killed'");
  await page.waitForFunction(
    ([oldId, appId]) => {
      const gone = !document.querySelector(`#tree tr[data-server-id="${oldId}"]`);
      const fresh = document.querySelector(`#tree tr[data-name="ticker"][data-parent-id="${appId}"]`);
      return gone && fresh && Number(fresh.dataset.serverId) !== oldId;
    },
    [ticker.id, app.id],
  );
  const restarted = byName(await treeRows(page), "ticker");
  check(restarted.id !== ticker.id && restarted.parent === app.id,
    `the killed ticker ${ticker.pid} is gone and its restart ${restarted.pid} is under 'app'`, restarted);
  await page.waitForFunction(() => /no longer running/.test(document.getElementById("state").textContent));
  check(await page.isDisabled("#kill"), "the state panel says the killed server is gone and disables Kill");

  // 7. The crash panel lists the flaky worker's crash reports.
  await page.waitForSelector('#crashes tr[data-name="flaky"]', { timeout: 30_000 });
  const crash = await page.$eval('#crashes tr[data-name="flaky"]', (tr) =>
    [...tr.cells].map((cell) => cell.textContent));
  const [time, server, type, reason, message, location] = crash;
  check(/^\d\d:\d\d:\d\d\.\d{3}$/.test(time), "the crash report shows its time", time);
  check(server.includes("flaky") && type === "Flaky", "the crash report names the server and its type", crash);
  check(reason.includes("panicked") && reason.includes("the flaky worker lost its connection"),
    "the crash report shows the panic as its reason", reason);
  check(message === "Work", "the crash report shows the message being handled", message);
  check(/observer\.rs:\d+:\d+$/.test(location), "the crash report shows where it panicked", location);

  // 8. A screenshot for the README: the store selected, the mailer busy if
  // a burst of mail is being worked through (not a check: timing).
  await page.click(`#tree tr[data-server-id="${kv.id}"]`);
  await page.waitForSelector(`#state[data-state-for="${kv.id}"]`);
  await page
    .waitForFunction(() => Number(document.querySelector('#tree tr[data-name="mailer"]')?.dataset.mailbox) > 5,
      null, { timeout: 8_000 })
    .catch(() => {});
  await page.screenshot({ path: screenshot, fullPage: true });
  ok(`screenshot saved to ${screenshot}`);

  check(pageErrors.length === 0, "the page logged no error and no request failed", pageErrors);
}

let failed = false;
try {
  await run();
} catch (error) {
  failed = true;
  console.error(`FAILED: ${error instanceof CheckFailed ? error.message : error?.stack ?? error}`);
  if (pageErrors.length) console.error(`page errors: ${pageErrors.join("\n")}`);
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
console.log(failed ? `browser test: ${checks} passed, 1 failed` : `browser test: ${checks} passed, 0 failed`);
process.exit(failed ? 1 : 0);
