// E2E: the web console in a real Chromium (Debian's, via playwright-core)
// against the real daemon (`vmi serve` with its management layer) and real
// instances.
//
// Checks, in order:
//  1. admin logs in; the admin navigation is there;
//  2. admin creates an instance through the dialog; its grid thumbnail
//     appears with real pixels; its live view paints the canvas; screenshot
//     download is a PNG; VNC details and the log show; stop works;
//  3. admin creates user bob with a quota of one instance, edits the quota;
//  4. bob logs in: no admin navigation, admin's instance is not in his grid,
//     its URL is "not found" (and 404 from the API); bob creates one
//     instance, and the second one shows the server's quota error; bob
//     creates and revokes an API token;
//  5. phone-sized viewport (390x844, touch): bob logs in, sees his grid,
//     the page does not overflow sideways, a tap opens his instance;
//  6. admin sees the logins in the audit log; builds, lists and deletes an
//     image (the one in use is refused); sees the node's capacity; the grid
//     follows the event
//     stream (bob's instance started from the CLI turns "running"); the
//     wall shows both running instances live, gives input control only to
//     the focused tile, and plays their mixed sound; admin deletes his
//     instance through the console, and logs out;
//  (in 2.) the apps panel: a program picked with "Install app" installs
//     and lists, a non-package dropped on the page is refused with the
//     node's message, Remove deletes the app;
//  7. (before that) the phone panel: admin's instance dials bob's from the
//     dial pad, the call rings in the banner of bob's instance page, is
//     answered and hung up there; an SMS delivered from the form shows in
//     the thread.
//
// Usage: node console.test.mjs <vmi binary> <web/dist>   (as root)
import { spawn, execFile } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import assert from "node:assert/strict";
import { chromium, request } from "playwright-core";

const [vmi, webDir] = process.argv.slice(2);
const run = promisify(execFile);

if (process.getuid() !== 0) {
  console.log("skip - needs root");
  process.exit(0);
}

const dataDir = mkdtempSync("/var/tmp/vmi-e2e-console-");
const sock = `${dataDir}/api.sock`;
const adminPassword = `adm-${randomBytes(9).toString("base64url")}`;
const bobPassword = `bob-${randomBytes(9).toString("base64url")}`;
const cli = (...args) => run(vmi, ["--server", `unix://${sock}`, ...args], { timeout: 120000 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The daemon's stderr goes through this process: instances' monitors outlive
// the daemon and must not hold ctest's output pipe open.
function startDaemon() {
  const child = spawn(vmi, ["serve", "--data-dir", dataDir, "--socket", sock, "--port", "0",
    "--web-root", webDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, VMI_ADMIN_PASSWORD: adminPassword },
  });
  child.stderr.on("data", (d) => process.stderr.write(d));
  child.exited = new Promise((r) => child.once("exit", (code, sig) => r(sig ?? code)));
  return new Promise((resolve, reject) => {
    let base = "";
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = line.match(/console:\s+(https?:\/\/[0-9.]+:\d+)\//);
      if (m) base = m[1];
      if (base && /^\s*data:/.test(line)) resolve({ child, base }); // the banner's last line but login's
    });
    child.once("exit", (code) => reject(new Error(`vmi serve exited with ${code}`)));
    setTimeout(() => (base ? resolve({ child, base }) : reject(new Error("vmi serve printed no console URL"))), 120000);
  });
}

async function stopDaemon(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  return child.exited;
}

// Deletes every instance of the data directory, with a daemon of its own
// when the test's one is gone (a crash must not leave instances running).
async function removeAllInstances() {
  let helper = null;
  try {
    if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) helper = await startDaemon();
    const list = JSON.parse((await cli("--json", "ls")).stdout);
    for (const i of list) await cli("rm", "--force", i.id).catch((e) => console.error(`cleanup ${i.id}:`, e.message));
  } catch (e) {
    console.error("cleanup:", e.message);
  } finally {
    if (helper) await stopDaemon(helper.child);
  }
}

const launchArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

async function logIn(page, base, name, password) {
  await page.goto(`${base}/`);
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Instances" }).waitFor({ timeout: 15000 });
}

// Creates an instance through the dialog; returns its id (from the URL the
// console goes to) or throws with the dialog's error text.
async function createThroughDialog(page, { name, resolution, memory, start }) {
  await page.getByRole("button", { name: "New instance" }).click();
  const dlg = page.getByRole("dialog", { name: "New instance" });
  await dlg.getByLabel("Name", { exact: true }).fill(name);
  await dlg.getByLabel("Resolution", { exact: true }).selectOption(resolution);
  await dlg.getByLabel("Memory (MiB)").fill(String(memory));
  await dlg.getByLabel("Start it now").setChecked(start);
  await dlg.getByRole("button", { name: "Create" }).click();
  const outcome = await Promise.race([
    page.waitForURL(/#\/instances\/[^/?]+$/, { timeout: 120000 }).then(() => "ok"),
    dlg.getByRole("alert").waitFor({ state: "visible", timeout: 120000 }).then(() => "error"),
  ]);
  if (outcome === "error") {
    const text = await dlg.getByRole("alert").textContent();
    await dlg.getByRole("button", { name: "Cancel" }).click();
    throw Object.assign(new Error(`create refused: ${text}`), { dialogText: text });
  }
  return decodeURIComponent(page.url().split("#/instances/")[1]);
}

// Colours seen on a grid over an image or canvas already in the page.
const distinctColours = (el) => {
  const c = document.createElement("canvas");
  const w = el.naturalWidth || el.width, h = el.naturalHeight || el.height;
  c.width = w;
  c.height = h;
  const ctx = c.getContext("2d");
  ctx.drawImage(el, 0, 0);
  const seen = new Set();
  for (let y = 0; y < h; y += Math.max(1, Math.floor(h / 40)))
    for (let x = 0; x < w; x += Math.max(1, Math.floor(w / 25))) {
      const d = ctx.getImageData(x, y, 1, 1).data;
      seen.add(`${d[0] >> 3},${d[1] >> 3},${d[2] >> 3}`);
    }
  return { colours: seen.size, width: w, height: h };
};

let failed = false;
const daemon = await startDaemon();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: launchArgs });
const watch = (page, who) => page.on("pageerror", (e) => console.error(`page error (${who}):`, e.message));
try {
  // 1. Admin logs in.
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const admin = await adminCtx.newPage();
  watch(admin, "admin");
  await admin.goto(`${daemon.base}/`);
  await admin.waitForURL(/#\/login$/);
  await admin.getByLabel("User name").fill("admin");
  await admin.getByLabel("Password").fill("wrong-password");
  await admin.getByRole("button", { name: "Log in" }).click();
  await admin.getByRole("alert").filter({ hasText: /wrong/i }).waitFor();
  console.log("ok - a wrong password is refused with a message");
  await logIn(admin, daemon.base, "admin", adminPassword);
  const mainNav = admin.getByRole("navigation", { name: "Main" });
  for (const item of ["Users", "Images", "Node", "Audit log"]) await mainNav.getByRole("link", { name: item }).waitFor();
  console.log("ok - admin logged in; admin navigation shown");

  // 2. Create an instance through the dialog, started.
  const adminInst = await createThroughDialog(admin, { name: "e2e-console-a", resolution: "480x800", memory: 512, start: true });
  console.log(`ok - instance ${adminInst} created through the dialog`);

  // The console went to the instance's page: its live view draws the
  // canvas (connected while the guest is still starting).
  await admin.waitForFunction(() => window.__vmiViewer && window.__vmiViewer.stats.painted > 0, null, { timeout: 90000 });
  // Wait until the canvas shows the desktop (several colours; a blank
  // screen never has them).
  const canvasColours = async () => {
    const v = window.__vmiViewer;
    const w = v.stats.width, h = v.stats.height;
    const all = await v.pixels(0, 0, w, h);  // painted by the viewer's paint worker
    const seen = new Set();
    for (let y = 0; y < h; y += 20)
      for (let x = 0; x < w; x += 20) {
        const i = (y * w + x) * 4;
        seen.add(`${all[i] >> 3},${all[i + 1] >> 3},${all[i + 2] >> 3}`);
      }
    return { colours: seen.size, width: w, height: h, offThread: v.offThread };
  };
  await admin.waitForFunction(`(${canvasColours})().then((c) => c.colours >= 4)`, null, { timeout: 60000, polling: 500 })
    .catch(() => {});
  const canvasStats = await admin.evaluate(canvasColours);
  assert.equal(canvasStats.width, 480);
  assert.equal(canvasStats.height, 800);
  assert.ok(canvasStats.colours >= 4, `live canvas looks blank (${canvasStats.colours} colours)`);
  console.log(`ok - live view painted ${canvasStats.width}x${canvasStats.height} (${canvasStats.colours} colours)`);

  // Screenshot download is a PNG.
  const [download] = await Promise.all([
    admin.waitForEvent("download"),
    admin.getByRole("button", { name: "Download screenshot" }).click(),
  ]);
  const png = readFileSync(await download.path());
  assert.equal(png.subarray(1, 4).toString(), "PNG", "downloaded screenshot is not a PNG");
  console.log(`ok - screenshot downloaded (${download.suggestedFilename()}, ${png.length} bytes)`);

  // The instance's host volume (REST PUT with the session's CSRF token).
  const hostVolume = admin.locator("input.audio-host-volume");
  await hostVolume.fill("0.5");
  const hostAudio = await admin.waitForFunction(async () => {
    const id = decodeURIComponent(location.hash.split("/")[2] ?? "");
    const r = await fetch(`/api/v1/instances/${encodeURIComponent(id)}/audio`);
    const j = r.ok ? await r.json() : null;
    return j && Math.abs(j.volume - 0.5) < 0.01 ? j : false;
  }, null, { timeout: 10000 });
  console.log(`ok - instance volume set from the page (${JSON.stringify(await hostAudio.jsonValue())})`);

  // VNC details and the log.
  await admin.getByRole("button", { name: "Show VNC details" }).click();
  await admin.getByRole("button", { name: "Copy password" }).waitFor();
  await admin.getByRole("button", { name: "Load log" }).click();
  await admin.getByRole("button", { name: "Refresh log" }).waitFor();
  console.log("ok - VNC details and log shown");

  // Apps (docs/apps.md): a program picked with "Install app" uploads with
  // the panel's progress and shows in the list; a file dropped on the page
  // that is no program is refused with the node's message; Remove deletes
  // the app (and it is gone from the API's list too).
  const appsPanel = admin.getByRole("region", { name: "Apps" });
  await appsPanel.getByRole("button", { name: /Install app/ }).waitFor();
  await appsPanel.getByLabel("App file").setInputFiles({ name: "e2e-true", mimeType: "application/octet-stream",
    buffer: readFileSync("/usr/bin/true") });
  const appItem = appsPanel.getByRole("listitem").filter({ hasText: "e2e-true" });
  await appItem.waitFor({ timeout: 60000 });
  await appsPanel.getByText("e2e-true installed.").waitFor();
  assert.match(await appItem.textContent(), /binary x86_64/);
  console.log(`ok - an app picked in the console installed (${(await appItem.textContent()).trim()})`);
  const dropNotes = Buffer.from("just text\n").toString("base64");
  await admin.evaluate((b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], "notes.deb"));
    const target = document.querySelector(".page-head").parentElement;
    target.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, dropNotes);
  const refusal = appsPanel.getByRole("alert");
  await refusal.filter({ hasText: /notes\.deb. is neither a Debian package/ }).waitFor({ timeout: 30000 });
  console.log(`ok - a file dropped on the page that is no package is refused: "${(await refusal.textContent()).trim()}"`);
  await appItem.getByRole("button", { name: "Remove" }).click();
  await admin.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
  await appItem.waitFor({ state: "detached", timeout: 30000 });
  const appsLeft = JSON.parse((await cli("--json", "app", "ls", adminInst)).stdout).apps;
  assert.equal(appsLeft.length, 0, `apps left after Remove: ${JSON.stringify(appsLeft)}`);
  console.log("ok - the app removed from the console");

  // Back to the grid: the thumbnail appears, with real pixels.
  await mainNav.getByRole("link", { name: "Instances" }).click();
  const thumb = admin.getByRole("img", { name: "Screen of e2e-console-a" });
  await admin.waitForFunction((alt) => {
    const img = document.querySelector(`img[alt="${alt}"]`);
    return img && img.classList.contains("loaded") && img.complete && img.naturalWidth > 0;
  }, "Screen of e2e-console-a", { timeout: 90000 });
  // Refreshed every few seconds: wait for one that shows the desktop.
  await admin.waitForFunction(`(${distinctColours})(document.querySelector('img[alt="Screen of e2e-console-a"]')).colours >= 4`,
    null, { timeout: 60000, polling: 500 }).catch(() => {});
  const thumbStats = await thumb.evaluate(distinctColours);
  assert.ok(thumbStats.colours >= 4, `thumbnail looks blank (${thumbStats.colours} colours)`);
  // The console asks for a scaled copy (?max_width = tile width x DPR <= 360).
  assert.ok(thumbStats.width <= 360 && thumbStats.width > 0, `thumbnail not scaled by the server (${thumbStats.width} wide)`);
  console.log(`ok - grid thumbnail shows the screen, scaled by the server (${thumbStats.width}x${thumbStats.height}, ${thumbStats.colours} colours)`);

  // Open it again from the grid.
  await admin.getByRole("link", { name: /e2e-console-a/ }).click();
  await admin.getByRole("button", { name: "Stop", exact: true }).waitFor();

  // Stop it.
  await admin.getByRole("button", { name: "Stop", exact: true }).click();
  await admin.locator(".page-head .badge", { hasText: "stopped" }).waitFor({ timeout: 60000 });
  await admin.getByText(/The instance is stopped/).waitFor();
  console.log("ok - stopped from the instance page");

  // 3. Admin creates bob with a quota of one instance.
  await mainNav.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("button", { name: "New user" }).click();
  const udlg = admin.getByRole("dialog", { name: "New user" });
  await udlg.getByLabel("User name").fill("bob");
  await udlg.getByLabel("Password").fill(bobPassword);
  await udlg.getByLabel("Max instances").fill("1");
  await udlg.getByLabel("Max memory (MiB)").fill("2048");
  await udlg.getByRole("button", { name: "Create user" }).click();
  await udlg.waitFor({ state: "detached" });
  await admin.getByRole("cell", { name: "bob", exact: true }).waitFor();
  await admin.getByRole("button", { name: "Quota of bob" }).waitFor();
  console.log("ok - admin created user bob with a quota");
  // Quota dialog: the current limits are filled in; a change shows in the list.
  await admin.getByRole("button", { name: "Quota of bob" }).click();
  const qdlg = admin.getByRole("dialog", { name: "Quota of bob" });
  assert.equal(await qdlg.getByLabel("Max instances").inputValue(), "1");
  await qdlg.getByLabel("Max CPUs").fill("3");
  await qdlg.getByRole("button", { name: "Save quota" }).click();
  await qdlg.waitFor({ state: "detached" });
  await admin.getByRole("row", { name: /bob/ }).getByText(/\/ 3 CPU/).waitFor();
  console.log("ok - quota edited through its dialog");

  // 4. Bob.
  const bobCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const bob = await bobCtx.newPage();
  watch(bob, "bob");
  await logIn(bob, daemon.base, "bob", bobPassword);
  const bobNav = bob.getByRole("navigation", { name: "Main" });
  await bobNav.getByRole("link", { name: "Instances" }).waitFor();
  for (const item of ["Users", "Images", "Node", "Audit log"])
    assert.equal(await bobNav.getByRole("link", { name: item }).count(), 0, `bob sees admin link ${item}`);
  await bob.getByText(/No instances yet/).waitFor();
  assert.equal(await bob.getByText("e2e-console-a").count(), 0, "bob sees the admin's instance");
  console.log("ok - bob sees no admin navigation and not the admin's instance");

  await bob.goto(`${daemon.base}/#/instances/${adminInst}`);
  await bob.getByRole("heading", { name: "Instance not found" }).waitFor();
  const direct = await bob.request.get(`${daemon.base}/api/v1/instances/${adminInst}`);
  assert.equal(direct.status(), 404);
  await bob.goto(`${daemon.base}/#/admin/users`);
  await bob.getByRole("heading", { name: "Page not found" }).waitFor();
  console.log("ok - the admin's instance URL is not found for bob (404 from the API too); admin pages too");

  await bob.goto(`${daemon.base}/#/`);
  await bob.getByRole("heading", { name: "Instances" }).waitFor();
  const bobInst = await createThroughDialog(bob, { name: "e2e-console-b", resolution: "480x800", memory: 256, start: false });
  await bob.getByRole("link", { name: /Instances/ }).first().click();
  await bob.getByRole("link", { name: /e2e-console-b/ }).waitFor();
  let quotaError = "";
  try {
    await createThroughDialog(bob, { name: "e2e-console-c", resolution: "480x800", memory: 256, start: false });
  } catch (e) {
    if (!e.dialogText) throw e;
    quotaError = e.dialogText;
  }
  assert.match(quotaError, /quota|limit|exceed/i, `second instance was not refused by the quota (${quotaError})`);
  console.log(`ok - bob's second instance is refused: "${quotaError}"`);

  // A token: shown once, listed, revoked.
  await bobNav.getByRole("link", { name: "Account" }).click();
  await bob.getByLabel("Token name").fill("e2e-cli");
  await bob.getByRole("button", { name: "Create token" }).click();
  const secret = (await bob.locator(".token-value").textContent()) ?? "";
  assert.match(secret, /^vmi_/, `token secret not shown (${secret})`);
  // A request context of its own: no session cookie, only the token.
  const cliLike = await request.newContext();
  const viaToken = await cliLike.get(`${daemon.base}/api/v1/instances`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(viaToken.status(), 200);
  assert.ok((await viaToken.json()).some((i) => i.id === bobInst), "the token does not act as bob");
  await bob.getByRole("button", { name: "Revoke token e2e-cli" }).click();
  await bob.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await bob.getByRole("cell", { name: "revoked" }).waitFor();
  const revoked = await cliLike.get(`${daemon.base}/api/v1/instances`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(revoked.status(), 401);
  await cliLike.dispose();
  console.log("ok - bob created an API token (shown once, works) and revoked it (then refused)");

  // 5. A phone: 390x844 with touch.
  const phoneCtx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const phone = await phoneCtx.newPage();
  watch(phone, "phone");
  await phone.goto(`${daemon.base}/`);
  await phone.getByLabel("User name").tap();
  await phone.getByLabel("User name").fill("bob");
  await phone.getByLabel("Password").fill(bobPassword);
  await phone.getByRole("button", { name: "Log in" }).tap();
  await phone.getByRole("heading", { name: "Instances" }).waitFor();
  const tile = phone.getByRole("link", { name: /e2e-console-b/ });
  await tile.waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the grid overflows the phone's width by ${overflow}px`);
  const box = await tile.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, "tile outside the phone's width");
  await phone.getByRole("button", { name: "New instance" }).tap();
  const pdlg = phone.getByRole("dialog", { name: "New instance" });
  const dbox = await pdlg.boundingBox();
  assert.ok(dbox && dbox.x >= 0 && dbox.x + dbox.width <= 390, "the create dialog does not fit the phone");
  await pdlg.getByRole("button", { name: "Cancel" }).tap();
  await pdlg.waitFor({ state: "detached" });
  await tile.tap();
  await phone.getByRole("button", { name: "Start", exact: true }).waitFor();
  const overflow2 = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow2 <= 0, `the instance page overflows the phone's width by ${overflow2}px`);
  console.log("ok - phone viewport: login, grid, create dialog and instance page fit 390px; tap opens the instance");
  await phoneCtx.close();
  await bobCtx.close();

  // 6. Admin: audit log, delete through the console, log out.
  await mainNav.getByRole("link", { name: "Audit log" }).click();
  await admin.getByRole("cell", { name: "auth.login" }).first().waitFor();
  await admin.getByRole("cell", { name: "user.create" }).first().waitFor();
  console.log("ok - the audit log lists logins and the user creation");

  // Images: build one from the host tree under a new name, see it listed,
  // delete it; deleting the image bob's instance uses is refused with the
  // server's message.
  await mainNav.getByRole("link", { name: "Images" }).click();
  await admin.getByRole("cell", { name: "linux-mobile", exact: true }).first().waitFor();
  await admin.getByRole("button", { name: "Import image" }).click();
  const idlg = admin.getByRole("dialog", { name: "Import image" });
  await idlg.getByLabel("Source").selectOption("build");
  await idlg.getByLabel("Image name").fill("e2e-img");
  await idlg.getByRole("button", { name: "Import" }).click();
  await idlg.waitFor({ state: "detached", timeout: 120000 });
  await admin.getByRole("cell", { name: "e2e-img", exact: true }).waitFor();
  await admin.getByRole("button", { name: "Delete image e2e-img" }).click();
  await admin.getByRole("dialog").getByRole("button", { name: "Delete image" }).click();
  await admin.getByRole("cell", { name: "e2e-img", exact: true }).waitFor({ state: "detached" });
  await admin.getByRole("button", { name: "Delete image linux-mobile" }).click();
  await admin.getByRole("dialog").getByRole("button", { name: "Delete image" }).click();
  await admin.getByRole("alert").filter({ hasText: /use/i }).waitFor();
  await admin.getByRole("cell", { name: "linux-mobile", exact: true }).first().waitFor();
  console.log(`ok - images: built, listed, deleted; the one in use is refused ("${(await admin.getByRole("alert").textContent()).trim()}")`);

  // Node: capacity meters.
  await mainNav.getByRole("link", { name: "Node" }).click();
  const cpuMeter = admin.getByRole("meter", { name: "CPUs reserved" });
  await cpuMeter.waitFor();
  assert.ok(Number(await cpuMeter.getAttribute("aria-valuemax")) > 0, "node capacity has no CPUs");
  console.log("ok - node page shows capacity");

  // The grid follows the event stream: bob's instance started from the CLI
  // turns "running" on the admin's open grid, carried by SSE events.
  await mainNav.getByRole("link", { name: "Instances" }).click();
  const bobTile = admin.getByRole("listitem").filter({ has: admin.getByRole("link", { name: /e2e-console-b/ }) });
  await bobTile.locator(".badge", { hasText: /^(created|stopped)$/ }).waitFor();
  await bobTile.getByText("owner bob").waitFor(); // admins see whose it is
  await admin.waitForFunction(() => window.__vmiConsole.instances.eventsOpen);
  const eventsBefore = await admin.evaluate(() => window.__vmiConsole.instances.eventsReceived);
  await cli("start", bobInst);
  await bobTile.locator(".badge", { hasText: "running" }).waitFor({ timeout: 60000 });
  // The events of that start arrive (not only the fallback poll's list).
  await admin.waitForFunction((n) => window.__vmiConsole.instances.eventsReceived > n, eventsBefore,
    { timeout: 30000 }).catch(() => {});
  const eventsAfter = await admin.evaluate(() => window.__vmiConsole.instances.eventsReceived);
  assert.ok(eventsAfter > eventsBefore, "no instance event arrived on GET /api/v1/events while the instance started");
  console.log(`ok - the grid follows the event stream (${eventsAfter - eventsBefore} events while bob's instance started)`);

  // The wall: both running instances live, input only for the focused
  // tile, one mixed sound for all.
  await cli("start", adminInst);
  await mainNav.getByRole("link", { name: "Wall" }).click();
  await admin.waitForFunction(() => {
    const w = window.__vmiWall;
    return w && w.tiles.size === 2 && [...w.tiles.values()].every((v) => v.stats.painted > 0);
  }, null, { timeout: 90000 });
  assert.equal(await admin.locator(".wall-shield:visible").count(), 2, "no tile takes input before one is focused");
  assert.equal(await admin.locator(".wall .audio-controls").count(), 0, "a tile opened its own sound");
  const tileOf = (id) => admin.locator(`.wall-tile[data-instance="${id}"]`);
  const control = (id) => admin.evaluate((i) => window.__vmiWall.tiles.get(i).stats.control, id);
  await tileOf(bobInst).locator(".wall-shield").click();
  await admin.waitForFunction((i) => window.__vmiWall.tiles.get(i).stats.control === 1, bobInst, { timeout: 10000 });
  assert.equal(await tileOf(bobInst).locator(".wall-shield").isVisible(), false);
  assert.equal(await tileOf(adminInst).locator(".wall-shield").isVisible(), true);
  assert.notEqual(await control(adminInst), 1, "an unfocused tile holds control");
  await tileOf(adminInst).locator(".wall-shield").click();
  await admin.waitForFunction((i) => window.__vmiWall.tiles.get(i).stats.control === 1, adminInst, { timeout: 10000 });
  await admin.waitForFunction((i) => window.__vmiWall.tiles.get(i).stats.control !== 1, bobInst, { timeout: 10000 });
  assert.equal(await tileOf(bobInst).locator(".wall-shield").isVisible(), true);
  // The focused tile shows the full stream, the other the shared preview
  // (a third of the size).
  await admin.waitForFunction(([f, o]) => {
    const t = window.__vmiWall.tiles;
    return t.get(f).stats.width >= 2 * t.get(o).stats.width && t.get(o).stats.width > 0 &&
      t.get(o).stats.painted > 0;
  }, [adminInst, bobInst], { timeout: 15000 });
  console.log("ok - wall: two live tiles; input control follows the focused tile only; unfocused tiles on the preview stream");
  await admin.getByRole("button", { name: "Sound on" }).click();
  await admin.waitForFunction(() => window.__vmiWall.mixUrl.includes(","), null, { timeout: 10000 });
  const mixUrl = await admin.evaluate(() => window.__vmiWall.mixUrl);
  assert.ok(mixUrl.includes(adminInst) && mixUrl.includes(bobInst), `the mix lists both: ${mixUrl}`);
  await cli("exec", adminInst, "--", "aplay", "-q", "/usr/share/sounds/alsa/Front_Center.wav");
  await admin.waitForFunction(() => window.__vmiWall.mixPackets > 20 && window.__vmiWall.player.stats.decoded > 20,
    null, { timeout: 20000 });
  const mixed = await admin.evaluate(() => ({ packets: window.__vmiWall.mixPackets, decoded: window.__vmiWall.player.stats.decoded }));
  console.log(`ok - wall sound: the mix of both instances plays (${mixed.packets} packets, ${mixed.decoded} decoded)`);

  // 7. The phone panel: admin's instance calls bob's from its dial pad; it
  // rings on bob's instance page, which answers and hangs up; an SMS is
  // delivered to bob's instance from its form and shows in its thread.
  const lineOf = async (id) => (await admin.request.get(`${daemon.base}/api/v1/instances/${id}/phone`)).json();
  const adminLine = await lineOf(adminInst), bobLine = await lineOf(bobInst);
  await admin.goto(`${daemon.base}/#/instances/${adminInst}`);
  const adminPhone = admin.getByRole("region", { name: "Phone" });
  await adminPhone.getByText(new RegExp(`^\\${adminLine.number} · home`)).waitFor({ timeout: 60000 });
  const pad = adminPhone.getByRole("group", { name: "Dial pad" });
  for (const key of bobLine.number) await pad.getByRole("button", { name: key, exact: true }).click();
  assert.equal(await adminPhone.getByLabel("Number").inputValue(), bobLine.number);
  await adminPhone.getByRole("button", { name: "Call from this phone" }).click();
  await adminPhone.getByRole("list", { name: "Calls" }).getByText(`→ ${bobLine.number} — alerting`).waitFor({ timeout: 10000 });
  // The same page goes to bob's instance: the call rings there.
  await admin.goto(`${daemon.base}/#/instances/${bobInst}`);
  const bobPhone = admin.getByRole("region", { name: "Phone" });
  const banner = bobPhone.getByRole("status");
  await banner.getByText(`Incoming call from ${adminLine.number}`).waitFor({ timeout: 10000 })
    .catch(async (e) => { throw new Error(`${e.message}\npanel: ${await bobPhone.textContent()}`); });
  await banner.getByRole("button", { name: "Answer" }).click();
  await bobPhone.getByRole("list", { name: "Calls" }).getByText(`← ${adminLine.number} — active`).waitFor({ timeout: 10000 });
  assert.equal(await banner.textContent(), "", "the banner stays after the call was answered");
  const smsText = "Привет from the console ✓";
  await bobPhone.getByLabel("SMS sender").fill("+4930123456");
  await bobPhone.getByLabel("SMS text").fill(smsText);
  await bobPhone.getByRole("button", { name: "Deliver SMS" }).click();
  await bobPhone.getByRole("list", { name: "Messages" }).getByText(smsText).waitFor({ timeout: 10000 });
  await bobPhone.getByRole("list", { name: "Messages" }).getByText(/from \+4930123456/).waitFor();
  const listed = JSON.parse((await cli("--json", "sms", bobInst)).stdout);
  assert.ok(listed.some((m) => m.text === smsText && m.peer === "+4930123456"), `the CLI lists the SMS: ${JSON.stringify(listed)}`);
  console.log(`ok - phone panel: ${adminLine.number} dialled ${bobLine.number} from the pad; it rang in the other instance's page, was answered there; an SMS delivered from its form shows in its thread and in \`vmi sms\``);
  await admin.goto(`${daemon.base}/#/instances/${adminInst}`);
  const calls = admin.getByRole("region", { name: "Phone" }).getByRole("list", { name: "Calls" });
  await calls.getByText(`→ ${bobLine.number} — active`).waitFor({ timeout: 10000 });
  await calls.getByRole("button", { name: "Hang up" }).click();
  await calls.getByRole("listitem").waitFor({ state: "detached", timeout: 10000 });
  assert.equal(await admin.getByRole("region", { name: "Phone" }).getByRole("list", { name: "Messages" }).getByText(smsText).count(), 0,
    "the SMS shows on the other instance");
  assert.deepEqual(JSON.parse((await cli("--json", "call", bobInst)).stdout), [], "bob's side of the call did not end");
  console.log("ok - phone panel: the caller's page shows the call active and hangs it up; both sides end; the SMS is only on the receiver");

  await cli("stop", adminInst);

  await admin.goto(`${daemon.base}/#/instances/${adminInst}`);
  await admin.getByRole("button", { name: "Delete", exact: true }).click();
  await admin.getByRole("dialog").getByRole("button", { name: "Delete", exact: true }).click();
  await admin.waitForURL(/#\/$/);
  await admin.getByRole("heading", { name: "Instances" }).waitFor();
  await admin.getByRole("link", { name: /e2e-console-b/ }).waitFor(); // admins see bob's
  assert.equal(await admin.getByRole("link", { name: /e2e-console-a/ }).count(), 0);
  console.log("ok - deleted through the console; admin sees bob's instance");

  await admin.getByRole("button", { name: "Log out" }).click();
  await admin.getByRole("heading", { name: "Log in to vmi" }).waitFor();
  const after = await admin.request.get(`${daemon.base}/api/v1/auth/me`);
  assert.equal(after.status(), 401);
  console.log("ok - logged out (the session no longer works)");
  await adminCtx.close();
} catch (e) {
  failed = true;
  console.error("FAIL:", e.stack || e);
} finally {
  await browser.close().catch(() => {});
  await removeAllInstances();
  const how = await stopDaemon(daemon.child);
  if (how !== 0) {
    failed = true;
    console.error(`FAIL: vmi serve ended with ${how}`);
  }
  try {
    rmSync(dataDir, { recursive: true, force: true });
  } catch (e) {
    console.error(`cleanup ${dataDir}:`, e.message);
  }
}
process.exit(failed ? 1 : 0);
