// E2E: the live view in a real Chromium (Debian's, via playwright-core)
// against the real daemon (`vmi serve`) and a real instance (crun, the
// linux-mobile session on the guest's Xvfb).
//
// Checks: the console lists the instance; the decoded canvas matches the
// guest framebuffer (read from the instance's XWD file) in a region; a
// pointer move over the canvas puts the guest's pointer on the mapped
// pixel (xdotool inside the guest); a click on the desktop's Terminal icon
// opens an xterm in the guest, and a command typed in the page runs there
// (read back from the file it wrote); POST .../rotate turns the guest
// screen (xrandr in the guest), the stream and the canvas to landscape and
// back.
//
// Usage: node live_daemon.test.mjs <vmi binary> <web/dist>   (as root)
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { eventually, rotate, sleep, startDaemon } from "../daemon_util.mjs";

const [vmi, webDir] = process.argv.slice(2);
const W = 480, H = 800;
const run = promisify(execFile);

if (process.getuid() !== 0) {
  console.log("skip - needs root");
  process.exit(0);
}

const dataDir = mkdtempSync("/var/tmp/vmi-e2e-live-");
const sock = `${dataDir}/api.sock`;
// The console has accounts: the daemon creates "admin" with this password.
const adminPassword = `adm-${randomBytes(9).toString("base64url")}`;
const cli = (...args) => run(vmi, ["--server", `unix://${sock}`, ...args], { timeout: 120000 });
const guest = async (id, cmd) => {
  try {
    const r = await cli("exec", id, "--", "sh", "-c", `export DISPLAY=:0; ${cmd}`);
    return { code: 0, out: r.stdout };
  } catch (e) {
    return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
};

// The visible screen from the XWD file Xvfb keeps in the device directory.
function framebuffer(devdir) {
  const b = readFileSync(`${devdir}/Xvfb_screen0`);
  const u32 = (i) => b.readUInt32BE(i * 4);
  const headerSize = u32(0), width = u32(4), height = u32(5), bpl = u32(12), ncolors = u32(19);
  const base = headerSize + ncolors * 12;
  return {
    width, height,
    at: (x, y) => {
      const o = base + y * bpl + x * 4;  // BGRX, little-endian words
      return [b[o + 2], b[o + 1], b[o]];
    },
  };
}

// The Terminal icon of the desktop's app grid: the centroid of its bright
// green prompt, the only such green near the top of the screen.
function terminalIcon(fb) {
  let sx = 0, sy = 0, n = 0;
  for (let y = 0; y < Math.min(fb.height, 200); y++) {
    for (let x = 0; x < fb.width; x++) {
      const [r, g, b] = fb.at(x, y);
      if (g > 150 && g - r > 90 && g - b > 90) { sx += x; sy += y; n++; }
    }
  }
  return n >= 10 ? [Math.round(sx / n), Math.round(sy / n)] : null;
}

// Mean difference between the canvas and the framebuffer over a grid of the
// visible w x h screen, and how many points are close.
async function compareCanvas(page, devdir, w, h) {
  const fb = framebuffer(devdir);
  const pts = [];
  for (let y = 40; y < h - 40; y += 37) for (let x = 20; x < w - 20; x += 23) pts.push([x, y]);
  const got = await page.evaluate((pts) =>
    Promise.all(pts.map(async ([x, y]) => Array.from(await window.__vmiViewer.pixels(x, y, 1, 1)))), pts);
  let sum = 0, close = 0;
  got.forEach((g, i) => {
    const want = fb.at(pts[i][0], pts[i][1]);
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(g[c] - want[c]);
      sum += d;
      worst = Math.max(worst, d);
    }
    if (worst <= 48) close++;
  });
  return { mean: sum / (3 * pts.length), close, n: pts.length };
}

let failed = false;
const daemon = await startDaemon({ vmi, dataDir, sock, webDir, adminPassword });
let browser;
let id;
try {
  id = (await cli("create", "--name", "e2e-live", "--memory", "512M", "--resolution", `${W}x${H}`))
    .stdout.trim();
  await cli("start", id);
  await eventually("display ready", async () =>
    JSON.parse((await cli("--json", "inspect", id)).stdout).display_ready, 60000);
  const devdir = JSON.parse((await cli("--json", "inspect", id)).stdout).device_dir;
  // The desktop has painted when the framebuffer has a few colours.
  await eventually("desktop painted", () => {
    const fb = framebuffer(devdir);
    const seen = new Set();
    for (let y = 0; y < H; y += 17) for (let x = 0; x < W; x += 13) seen.add(fb.at(x, y).join());
    return seen.size >= 8;
  }, 60000);

  // The guest X server runs square (the larger side), so that rotation fits.
  const side = Math.max(W, H);
  assert.deepEqual([framebuffer(devdir).width, framebuffer(devdir).height], [side, side]);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage({ viewport: { width: 700, height: 900 } });
  page.on("console", (m) => m.type() === "error" && console.error("page:", m.text()));

  // 1. Log in; the console lists the instance; open its live view.
  await page.goto(`${daemon.base}/`);
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill(adminPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByText("e2e-live").first().waitFor({ timeout: 15000 });
  await page.getByText("e2e-live").first().click();
  await page.waitForFunction(() => window.__vmiViewer && window.__vmiViewer.stats.painted > 0, null,
    { timeout: 30000 });
  const stats = await page.evaluate(() => ({ ...window.__vmiViewer.stats }));
  assert.equal(stats.width, W);
  assert.equal(stats.height, H);
  console.log(`ok - live view painted (${stats.codec}, ${stats.width}x${stats.height})`);

  // 2. Canvas pixels match the framebuffer in a region (the desktop is
  // still; H.264 blurs edges, so compare the mean over a grid).
  await sleep(1000);
  const { mean, close, n } = await compareCanvas(page, devdir, W, H);
  assert.ok(mean < 8 && close / n > 0.95,
    `canvas vs framebuffer: mean difference ${mean.toFixed(2)}, ${close}/${n} close`);
  console.log(`ok - canvas matches the framebuffer (mean difference ${mean.toFixed(2)})`);

  // 3. The pointer lands on the mapped guest pixel (the canvas is scaled).
  const box = await page.locator(".screen canvas").boundingBox();
  for (const [gx, gy] of [[100, 200], [W - 10, H - 300]]) {
    await page.mouse.move(box.x + ((gx + 0.5) * box.width) / W, box.y + ((gy + 0.5) * box.height) / H);
    await eventually(`guest pointer at ${gx},${gy}`, async () => {
      const r = await guest(id, "xdotool getmouselocation");
      return r.out.startsWith(`x:${gx} y:${gy} `);
    }, 15000);
  }
  console.log("ok - the guest pointer follows the mouse on the canvas exactly");

  // 4. Tap the Terminal icon of the guest desktop (found in the framebuffer
  // by its green prompt) and type a command into the xterm it opens.
  assert.notEqual((await guest(id, "pgrep -x xterm")).code, 0, "an xterm is already running");
  const icon = terminalIcon(framebuffer(devdir));
  assert.ok(icon, "no Terminal icon on the guest desktop");
  await page.mouse.click(box.x + ((icon[0] + 0.5) * box.width) / W, box.y + ((icon[1] + 0.5) * box.height) / H);
  await eventually("xterm started by the tap", async () =>
    (await guest(id, "xdotool search --onlyvisible --class xterm")).code === 0);
  await sleep(1000);  // the shell in it starts reading
  const word = "typed-in-chromium";
  await page.keyboard.type(`echo ${word} > /tmp/typed`);
  await page.keyboard.press("Enter");
  await eventually("typed text in the guest", async () =>
    (await guest(id, "cat /tmp/typed 2>/dev/null")).out.trim() === word, 20000);
  console.log("ok - tapping the Terminal icon opened xterm; a command typed in the browser ran in the guest");

  // 5. Rotation through the REST route: the guest X screen (RandR, read with
  // xrandr inside the instance), the stream and the browser canvas all take
  // the new size, and the canvas shows the guest's new picture; then back.
  for (const [orientation, w, h] of [["landscape", H, W], ["portrait", W, H]]) {
    const r = await rotate(sock, id, orientation);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { orientation, width: w, height: h });
    await eventually(`guest screen ${w}x${h}`, async () =>
      (await guest(id, "xrandr --current")).out.includes(`current ${w} x ${h},`), 15000);
    const canvas = await eventually(`canvas ${w}x${h}`, async () => {
      const c = await page.evaluate(() => {
        const v = window.__vmiViewer;
        return { w: v.canvas.width, h: v.canvas.height, sw: v.stats.width, sh: v.stats.height };
      });
      return c.w === w && c.h === h && c.sw === w && c.sh === h ? c : null;
    }, 15000);
    const shown = await page.locator(".screen canvas").boundingBox();
    assert.equal(shown.width > shown.height, w > h, `canvas shown as ${shown.width}x${shown.height}`);
    await eventually(`canvas shows the ${orientation} picture`, async () => {
      const c = await compareCanvas(page, devdir, w, h);
      return c.mean < 8 && c.close / c.n > 0.95;
    }, 20000);
    console.log(`ok - rotate ${orientation}: guest, stream and canvas at ${canvas.w}x${canvas.h}`);
  }
} catch (e) {
  failed = true;
  console.error("FAIL:", e.stack || e);
} finally {
  if (browser) await browser.close();
  if (id) await cli("rm", "--force", id).catch(() => {});
  daemon.child.kill("SIGTERM");
  await new Promise((r) => daemon.child.once("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
