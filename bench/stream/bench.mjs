// Driver of bench/stream/run (see there). Prints JSON lines.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createServer } from "node:net";
// playwright-core is installed with the e2e tests (tests/e2e/package.json).
const { chromium } = await import(
  new URL("../../tests/e2e/node_modules/playwright-core/index.mjs", import.meta.url).href
);

const [serverBin, webDir, tmp, secondsArg] = process.argv.slice(2);
const SECS = Number(secondsArg);
const FPS = 30;
const PRESET = process.env.VMI_PRESET || "ultrafast";
const CRF = Number(process.env.VMI_CRF || 26);
const THREADS = Number(process.env.VMI_THREADS || 0); // 0: the encoder's default
const NOVNC = process.env.NOVNC_DIR || "/usr/share/novnc";
// vmi variants measured per workload (runVmi): regions, full, main.
const VARIANTS = (process.env.VARIANTS || "regions,full").split(",");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const emit = (o) => console.log(JSON.stringify(o));
const debug = (...a) => process.env.BENCH_DEBUG && console.error(new Date().toISOString(), ...a);
const children = [];

// The content kinds. `extra` runs under the workload's strip and box.
const WALL_PHONES = Number(process.env.WALL_PHONES || 16);
const TEXT_SOURCE = "/usr/share/common-licenses/GPL-3";
const WORKLOADS = [
  { name: "still", what: "still screen", mode: "still" },
  { name: "small", what: "160x160 box at 30 fps over a still screen", mode: "small" },
  { name: "scroll", what: "scrolling text + shapes, whole screen at 30 fps", mode: "scroll" },
  { name: "full", what: "full-screen video-like change at 30 fps", mode: "full" },
  { name: "text", what: "xterm scrolling at full speed + 30 fps box", mode: "overlay",
    extra: ["xterm", ["-geometry", "120x96+0+24", "-e", "sh", "-c", `while :; do cat ${TEXT_SOURCE}; done`]] },
  { name: "gl", what: "glxgears on llvmpipe (720x1256) + 30 fps box", mode: "overlay",
    extra: ["glxgears", ["-geometry", "720x1256+0+24"]] },
  { name: "wall", what: `${WALL_PHONES} phones on one page, scrolling text + shapes at 30 fps`, mode: "scroll", wall: true },
].filter((w) => !process.env.WORKLOADS || process.env.WORKLOADS.split(",").includes(w.name));

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
}

function start(cmd, args, opts = {}) {
  const c = spawn(cmd, args, { stdio: ["pipe", "pipe", "ignore"], ...opts });
  children.push(c);
  return c;
}
function stop(c) {
  if (c && c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
}
// CPU seconds (user+system) of a process so far; 0 once it is gone.
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: 100 Hz
  } catch {
    return 0;
  }
}
// CPU seconds of a process, with its children that exited and were reaped.
function cpuWithReapedSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const x = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(x[11]) + Number(x[12]) + Number(x[13]) + Number(x[14])) / 100;
  } catch {
    return 0;
  }
}
// CPU seconds of a process and all its descendants (Chromium's browser,
// renderer, GPU and utility processes; websockify's per-connection
// children), each counted once: a live process by its own time, an exited
// one in its parent's reaped-children time.
function treeCpuSeconds(root) {
  const parent = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(f.slice(f.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  let sum = 0;
  for (const pid of parent.keys()) {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) {
      if (p === root) {
        sum += cpuWithReapedSeconds(pid);
        break;
      }
    }
  }
  return sum;
}
// The browser process Playwright started: our child named chromium (Debian's
// /usr/bin/chromium is a script that execs the binary in place).
function chromiumPid() {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = f.slice(f.indexOf("(") + 1, f.lastIndexOf(")"));
      const ppid = Number(f.slice(f.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && comm.startsWith("chrom")) return Number(d);
    } catch {}
  }
  throw new Error("no chromium process found");
}
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
const pct = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.floor(a.length * p))] : null);

// Page-side: decodes the workload's strip from one RGBA row of the painted
// picture (row 12, the centre of each 15-pixel block; a picture scaled down
// by `div` has it at row 12/div, blocks 15/div wide) and records
// paintedAt - stamp once per distinct stamp and key (one per viewer). For
// vmi it also records paintedAt - the frame's capture time on the server
// (the same clock here): the part of the delay after the capture.
const STAMP_READER = `
  window.__lat = [];
  window.__cap = [];
  window.__lastStamp = new Map();
  window.__parts = { net: [], hand: [], decode: [], draw: [] };
  // Where the time after the capture went, per painted frame (vmi only):
  // capture -> the page's WebSocket (server encode + send + network), page ->
  // painter (the hand-over to the paint worker), painter -> decoded, decoded
  // -> drawn.
  window.__breakdown = (i) => {
    const p = window.__parts;
    p.net.push(i.receivedAtMs - i.timestampUs / 1000);
    p.hand.push(i.queuedAtMs - i.receivedAtMs);
    p.decode.push(i.decodedAtMs - i.queuedAtMs);
    p.draw.push(i.paintedAtMs - i.decodedAtMs);
  };
  window.__readStamp = (d, now, div = 1, key = 0, captureUs = 0) => {
    if (captureUs) window.__cap.push(now - captureUs / 1000);
    if (!d) return;
    let t = 0;
    for (let b = 0; b < 48; b++) {
      const i = Math.floor((b * 15 + 7) / div) * 4;
      t = t * 2 + ((d[i] + d[i + 1] + d[i + 2]) / 3 > 128 ? 1 : 0);
    }
    if (t !== window.__lastStamp.get(key) && t > now - 10000 && t <= now + 1000) {
      window.__lastStamp.set(key, t);
      window.__lat.push(now - t);
    }
  };`;

// The anchor's page: noVNC's RFB clients (Debian's novnc package) through
// websockify, each canvas read back after every framebuffer update it
// shows. `?n=1`: one client at full size; `?n=N&tile=1`: the wall's anchor,
// N view-only clients of one x11vnc, each scaled into a 240x427 tile
// (noVNC's scaleViewport), the strip read from the unscaled framebuffer.
function novncPage() {
  const dir = `${tmp}/novnc`;
  mkdirSync(dir, { recursive: true });
  symlinkSync(`${NOVNC}/core`, `${dir}/core`);
  symlinkSync(`${NOVNC}/vendor`, `${dir}/vendor`);
  writeFileSync(`${dir}/bench.html`, `<!doctype html>
<html><body style="margin:0;display:flex;flex-wrap:wrap;gap:12px">
<script type="module">
import RFB from "./core/rfb.js";
import Websock from "./core/websock.js";
const q = new URLSearchParams(location.search);
const n = Number(q.get("n") || 1), tile = q.has("tile");
const stats = { bytes: 0, painted: 0, per: [], connected: 0 };
window.__novnc = stats;
const recv = Websock.prototype._recvMessage;
Websock.prototype._recvMessage = function (e) {
  stats.bytes += e.data.byteLength;
  return recv.call(this, e);
};
for (let k = 0; k < n; k++) {
  const div = document.createElement("div");
  div.style.cssText = tile ? "width:240px;height:427px" : "width:720px;height:1280px";
  document.body.append(div);
  stats.per.push(0);
  const rfb = new RFB(div, "ws://" + location.host + "/websockify");
  rfb.viewOnly = tile;
  rfb.scaleViewport = tile;
  rfb.addEventListener("connect", () => { stats.connected++; });
  const display = rfb._display;
  const flip = display.flip.bind(display);
  display.flip = (fromQueue) => {
    const shows = fromQueue || display._renderQ.length === 0;
    flip(fromQueue);
    if (!shows) return;
    stats.painted++;
    stats.per[k]++;
    if (window.__readStamp) window.__readStamp(display._targetCtx.getImageData(0, 12, 720, 1).data, Date.now(), 1, k);
  };
}
</script></body></html>`);
  return dir;
}

async function main() {
  // Xvfb picks a free display number itself and reports it on fd 3.
  const xvfb = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "720x1280x24", "-fbdir", tmp, "-nolisten", "tcp"],
    { stdio: ["ignore", "ignore", "ignore", "pipe"] });
  children.push(xvfb);
  const DISPLAY_NUM = await new Promise((resolve, reject) => {
    let buf = "";
    xvfb.stdio[3].on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) resolve(Number(buf.trim()));
    });
    xvfb.on("exit", () => reject(new Error("Xvfb exited")));
  });
  const env = { ...process.env, DISPLAY: `:${DISPLAY_NUM}` };
  debug("Xvfb display", DISPLAY_NUM);

  const server = start(serverBin, ["--web-dir", webDir, "--fb-path", `${tmp}/Xvfb_screen0`,
    "--x-socket", `/tmp/.X11-unix/X${DISPLAY_NUM}`, "--fps", "60",
    "--preset", PRESET, "--crf", String(CRF), ...(THREADS ? ["--threads", String(THREADS)] : [])]);
  const port = await new Promise((resolve) => {
    createInterface({ input: server.stdout }).on("line", (l) => l.startsWith("LISTENING ") && resolve(Number(l.slice(10))));
  });
  const novncDir = novncPage();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const browserPid = chromiumPid();
  // One page (a second one would be hidden, and Chromium throttles hidden
  // pages). `?paint=main` in the console's URL sets the viewer's test hook
  // (web/src/viewer/painter.ts): paint on the page's main thread instead of
  // the paint worker; the console ignores the parameter.
  const page = await browser.newPage({ viewport: { width: 800, height: 1400 } });
  page.on("console", (m) => debug("page:", m.text()));
  page.on("pageerror", (e) => debug("page error:", String(e)));
  await page.addInitScript(() => {
    if (location.hash.includes("paint=main")) window.__vmiPainter = "main";
    if (location.hash.includes("regions=0")) window.__vmiRegions = false;
  });
  // vmi variants: "regions" (the default viewer: paint worker, region
  // frames), "full" (the full-screen stream only, `regions=0`), "main"
  // (painting on the page's main thread, `paint=main`). The console
  // ignores the parameters; the viewer's test hooks read them.
  const variantParam = (v) => (v === "main" ? "?paint=main" : v === "full" ? "?regions=0" : "");

  // One measurement window of one stack: the stats object the page keeps
  // (bytes, painted) and the latencies read back from its canvas.
  // serverPids: the server's processes, each with its descendants
  // (websockify serves each connection from a child process of its own).
  async function measure(serverPids, statsExpr) {
    await sleep(2000); // settle
    const s0 = await page.evaluate(`({ ...${statsExpr}, lat: window.__lat.length, cap: window.__cap.length,
      parts: window.__parts.net.length })`);
    const c0 = serverPids.reduce((a, p) => a + treeCpuSeconds(p), 0);
    const b0 = treeCpuSeconds(browserPid);
    const t0 = Date.now();
    await sleep(SECS * 1000);
    const c1 = serverPids.reduce((a, p) => a + treeCpuSeconds(p), 0);
    const b1 = treeCpuSeconds(browserPid);
    const secs = (Date.now() - t0) / 1000;
    const s1 = await page.evaluate(`({ ...${statsExpr} })`);
    // Per-viewer frame rates, where the stats carry a painted count per viewer.
    const per = s0.per && s1.per ? s1.per.map((n, i) => (n - s0.per[i]) / secs).sort((a, b) => a - b) : null;
    const lat = (await page.evaluate(() => window.__lat)).slice(s0.lat).sort((a, b) => a - b);
    const cap = (await page.evaluate(() => window.__cap)).slice(s0.cap).sort((a, b) => a - b);
    const parts = await page.evaluate(() => window.__parts);
    const p50 = (k) => {
      const a = parts[k].slice(s0.parts).sort((x, y) => x - y);
      return a.length ? Math.round(pct(a, 0.5) * 10) / 10 : null;
    };
    const breakdown = parts.net.length > s0.parts
      ? { capture_to_page: p50("net"), page_to_painter: p50("hand"), decode: p50("decode"), draw: p50("draw") }
      : null;
    return {
      server_cpu_pct: (100 * (c1 - c0)) / secs,
      browser_cpu_pct: (100 * (b1 - b0)) / secs,
      bytes_per_s: (s1.bytes - s0.bytes) / secs,
      fps: (s1.painted - s0.painted) / secs,
      p50_ms: pct(lat, 0.5),
      p95_ms: pct(lat, 0.95),
      p99_ms: pct(lat, 0.99),
      stamps: lat.length,
      capture_to_paint_p50_ms: cap.length ? Math.round(pct(cap, 0.5)) : null,
      capture_to_paint_breakdown_p50_ms: breakdown,
      region_frames_pct: s1.regionFrames !== undefined && s1.frames > s0.frames
        ? Math.round((100 * (s1.regionFrames - s0.regionFrames)) / (s1.frames - s0.frames)) : null,
      codec: s1.codec,
      per_viewer_fps: per,
    };
  }

  // vmi's viewer, one of the variants above.
  async function runVmi(variant) {
    await page.goto(`http://127.0.0.1:${port}/#/instances/test${variantParam(variant)}`);
    await page.waitForFunction(() => window.__vmiViewer && window.__vmiViewer.stats.painted > 0, null, { timeout: 20000 });
    await page.evaluate(STAMP_READER);
    const offThread = await page.evaluate(() => {
      const v = window.__vmiViewer;
      v.setProbe(12);
      v.onPainted = (info) => {
        window.__breakdown(info);
        window.__readStamp(info.probe, info.paintedAtMs, 1, 0, info.timestampUs);
      };
      return v.offThread;
    });
    if (offThread !== (variant !== "main")) throw new Error(`viewer paints ${offThread ? "off" : "on"} the main thread`);
    const r = await measure([server.pid], "window.__vmiViewer.stats");
    await page.goto("about:blank");
    return r;
  }

  // The anchor: n noVNC clients of one x11vnc (n > 1: the wall's tiles).
  async function runNovnc(n = 1) {
    const rfbPort = await freePort();
    const wsPort = await freePort();
    const vnc = start("x11vnc", ["-display", `:${DISPLAY_NUM}`, "-rfbport", String(rfbPort), "-localhost",
      "-nopw", "-shared", "-forever", "-quiet"]);
    const wsk = start("websockify", ["--web", novncDir, `127.0.0.1:${wsPort}`, `127.0.0.1:${rfbPort}`]);
    if (n > 1) await page.setViewportSize({ width: 1920, height: 1700 });
    try {
      for (let i = 0; i < 20; i++) {
        await sleep(200);
        try {
          await page.goto(`http://127.0.0.1:${wsPort}/bench.html?n=${n}${n > 1 ? "&tile=1" : ""}`);
          await page.waitForFunction((k) => window.__novnc && window.__novnc.connected === k &&
            window.__novnc.per.every((p) => p > 0), n, { timeout: n > 1 ? 20000 : 5000 });
          break;
        } catch (e) {
          debug("novnc not ready:", String(e));
          if (i === 19) throw e;
        }
      }
      await page.evaluate(STAMP_READER);
      return await measure([vnc.pid, wsk.pid], "window.__novnc");
    } finally {
      await page.goto("about:blank");
      if (n > 1) await page.setViewportSize({ width: 800, height: 1400 });
      stop(wsk);
      stop(vnc);
    }
  }

  const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
  const ratio = (a, b) => (a === null || b === null || !b ? null : Math.round((a / b) * 100) / 100);
  const rows = {};
  for (const w of WORKLOADS.filter((x) => !x.wall)) {
    debug("workload", w.name);
    const extra = w.extra ? start("nice", ["-n", "10", w.extra[0], ...w.extra[1]], { env }) : null;
    const wl = start(`${tmp}/workload`, [w.mode, String(FPS), String(4 * SECS + 60)], { env });
    await sleep(1500);
    const v = {};
    for (const variant of VARIANTS) v[variant] = await runVmi(variant);
    const anchor = await runNovnc();
    stop(wl);
    stop(extra);
    await sleep(500);
    const vmi = v.regions ?? v.full ?? v.main;
    rows[w.name] = { vmi, anchor };
    const fig = (o) => o && ({ p50_ms: o.p50_ms, p95_ms: o.p95_ms, p99_ms: o.p99_ms, fps: r1(o.fps),
      bytes_per_s: Math.round(o.bytes_per_s), server_cpu_pct: r1(o.server_cpu_pct),
      browser_cpu_pct: r1(o.browser_cpu_pct), stamps: o.stamps, capture_to_paint_p50_ms: o.capture_to_paint_p50_ms,
      capture_to_paint_breakdown_p50_ms: o.capture_to_paint_breakdown_p50_ms, region_frames_pct: o.region_frames_pct });
    const vsAnchor = (o) => o && ({
      p50: ratio(o.p50_ms, anchor.p50_ms), p99: ratio(o.p99_ms, anchor.p99_ms),
      bytes: ratio(o.bytes_per_s, anchor.bytes_per_s), server_cpu: ratio(o.server_cpu_pct, anchor.server_cpu_pct),
      browser_cpu: ratio(o.browser_cpu_pct, anchor.browser_cpu_pct), fps: ratio(o.fps, anchor.fps) });
    emit({ bench: "stream", workload: w.name, what: w.what,
      stack: `vmi websocket h264 (x264 ${PRESET} crf ${CRF}${THREADS ? ` threads ${THREADS}` : ""}), ` +
        `${v.regions ? "region frames" : "full stream"}, painted in ${v.regions || v.full ? "a worker" : "the main thread"}`,
      codec: vmi.codec, load: loadAverage(),
      ...fig(vmi), full_stream_figures: v.regions ? fig(v.full) : undefined, main_thread_figures: fig(v.main),
      anchor: "x11vnc + websockify + noVNC (Debian)", anchor_figures: fig(anchor),
      ratios_vmi_over_anchor: vsAnchor(vmi),
      ratios_full_stream_over_anchor: v.regions ? vsAnchor(v.full) : undefined });
  }
  // The wall: WALL_PHONES instances of the same moving screen (one source
  // and pipeline each, in a second viewer_test_server) on the console's wall
  // page, every tile on its instance's shared preview stream (nothing
  // focused); the anchor: as many noVNC clients of one x11vnc, each scaled
  // into a tile of the same size, on one page.
  const WALL_STATS = `(() => {
    const t = [...window.__vmiWall.tiles.values()];
    return { bytes: t.reduce((a, v) => a + v.stats.bytes, 0), painted: t.reduce((a, v) => a + v.stats.painted, 0),
      per: t.map((v) => v.stats.painted), codec: [...new Set(t.map((v) => v.stats.width + "x" + v.stats.height))].join(",") };
  })()`;
  async function runWall(variant) {
    const srv = start(serverBin, ["--web-dir", webDir, "--fb-path", `${tmp}/Xvfb_screen0`,
      "--x-socket", `/tmp/.X11-unix/X${DISPLAY_NUM}`, "--fps", "60", "--instances", String(WALL_PHONES),
      "--preset", PRESET, "--crf", String(CRF), ...(THREADS ? ["--threads", String(THREADS)] : [])]);
    const wallPort = await new Promise((resolve) => {
      createInterface({ input: srv.stdout }).on("line", (l) => l.startsWith("LISTENING ") && resolve(Number(l.slice(10))));
    });
    await page.setViewportSize({ width: 1920, height: 1700 });
    try {
      await page.goto(`http://127.0.0.1:${wallPort}/#/wall${variantParam(variant)}`);
      await page.waitForFunction((n) => window.__vmiWall && window.__vmiWall.tiles.size === n &&
        [...window.__vmiWall.tiles.values()].every((v) => v.stats.painted > 0), WALL_PHONES, { timeout: 60000 });
      await page.evaluate(STAMP_READER);
      await page.evaluate(() => {
        for (const [id, v] of window.__vmiWall.tiles) {
          v.setProbe(4);  // the strip's row 12 in a picture scaled down by 3
          v.onPainted = (info) => window.__readStamp(info.probe, info.paintedAtMs, 3, id, info.timestampUs);
        }
      });
      return await measure([srv.pid], WALL_STATS);
    } finally {
      await page.goto("about:blank");
      await page.setViewportSize({ width: 800, height: 1400 });
      stop(srv);
    }
  }
  const wall = WORKLOADS.find((x) => x.wall);
  if (wall) {
    debug("workload", wall.name);
    const wl = start(`${tmp}/workload`, [wall.mode, String(FPS), String(2 * SECS + 120)], { env });
    await sleep(1500);
    const vmi = await runWall("regions");
    const vmiMain = VARIANTS.includes("main") ? await runWall("main") : null;
    const anchor = await runNovnc(WALL_PHONES);
    stop(wl);
    rows.wall = { vmi, anchor };
    const fig = (o) => o && ({ fps_min: r1(o.per_viewer_fps?.[0]), fps_median: r1(pct(o.per_viewer_fps ?? [], 0.5)),
      fps_total: r1(o.fps), p50_ms: o.p50_ms, p95_ms: o.p95_ms, p99_ms: o.p99_ms,
      bytes_per_s: Math.round(o.bytes_per_s), server_cpu_pct: r1(o.server_cpu_pct),
      browser_cpu_pct: r1(o.browser_cpu_pct), stamps: o.stamps, capture_to_paint_p50_ms: o.capture_to_paint_p50_ms });
    emit({ bench: "stream", workload: "wall", what: wall.what, phones: WALL_PHONES,
      stack: "vmi console wall, every tile on its instance's preview stream (1/3 size, <= 10 fps), painted in workers",
      picture: vmi.codec, load: loadAverage(), ...fig(vmi), main_thread_figures: fig(vmiMain),
      anchor: `${WALL_PHONES} noVNC clients of one x11vnc (+ websockify), scaled into tiles`, anchor_figures: fig(anchor),
      ratios_vmi_over_anchor: {
        fps_min: ratio(vmi.per_viewer_fps?.[0] ?? null, anchor.per_viewer_fps?.[0] ?? null),
        p50: ratio(vmi.p50_ms, anchor.p50_ms), p99: ratio(vmi.p99_ms, anchor.p99_ms),
        bytes: ratio(vmi.bytes_per_s, anchor.bytes_per_s), server_cpu: ratio(vmi.server_cpu_pct, anchor.server_cpu_pct),
        browser_cpu: ratio(vmi.browser_cpu_pct, anchor.browser_cpu_pct) } });
  }

  await browser.close();
  stop(server);

  // The issue's targets, each judged on this run only.
  const t = {};
  for (const n of ["scroll", "full", "text", "gl"]) {
    const r = rows[n];
    if (!r || r.vmi.p50_ms === null || r.anchor.p50_ms === null) continue;
    t[`${n}_p50_le_half_anchor`] = r.vmi.p50_ms <= r.anchor.p50_ms / 2;
    t[`${n}_p99_below_anchor`] = r.vmi.p99_ms < r.anchor.p99_ms;
    t[`${n}_fewer_bytes_than_anchor`] = r.vmi.bytes_per_s < r.anchor.bytes_per_s;
  }
  if (rows.small && rows.small.vmi.p50_ms !== null) {
    t.small_p50_lt_20ms = rows.small.vmi.p50_ms < 20;
    t.small_p99_lt_40ms = rows.small.vmi.p99_ms < 40;
    t.small_server_cpu_lt_3pct = rows.small.vmi.server_cpu_pct < 3;
  }
  if (rows.still) t.still_server_cpu_lt_1pct = rows.still.vmi.server_cpu_pct < 1;
  if (rows.wall && rows.wall.vmi.per_viewer_fps) {
    t[`wall_${WALL_PHONES}_each_ge_10fps`] = rows.wall.vmi.per_viewer_fps[0] >= 10;
    t.wall_browser_lt_1_core = rows.wall.vmi.browser_cpu_pct < 100;
  }
  emit({ bench: "stream", targets: t });
}

try {
  await main();
} catch (e) {
  emit({ bench: "stream", error: String(e && e.stack ? e.stack.split("\n")[0] : e) });
  debug(e && e.stack);
  process.exitCode = 1;
} finally {
  for (const c of children) stop(c);
}
process.exit(process.exitCode || 0);
