// Driver of bench/stream/run (see there). Prints JSON lines.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const emit = (o) => console.log(JSON.stringify(o));
const debug = (...a) => process.env.BENCH_DEBUG && console.error(new Date().toISOString(), ...a);
const children = [];

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
  if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
}
// CPU seconds (user+system) of a process so far.
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: 100 Hz
}
const pct = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.floor(a.length * p))] : null);

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
  // --- vmi ---
  const server = start(serverBin, ["--web-dir", webDir, "--fb-path", `${tmp}/Xvfb_screen0`,
    "--x-socket", `/tmp/.X11-unix/X${DISPLAY_NUM}`, "--fps", "60",
    "--preset", PRESET, "--crf", String(CRF), ...(THREADS ? ["--threads", String(THREADS)] : [])]);
  const port = await new Promise((resolve) => {
    createInterface({ input: server.stdout }).on("line", (l) => l.startsWith("LISTENING ") && resolve(Number(l.slice(10))));
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage({ viewport: { width: 800, height: 1400 } });
  async function runVmi(mode) {
    debug("vmi", mode);
    const wl = start(`${tmp}/workload`, [mode, String(FPS), String(SECS + 8)], { env });
    await sleep(1000);
    await page.goto(`http://127.0.0.1:${port}/#/instances/test`);
    await page.waitForFunction(() => window.__vmiViewer && window.__vmiViewer.stats.painted > 0, null, { timeout: 20000 });
    // Read the timestamp strip back from every painted frame.
    await page.evaluate(() => {
      const v = window.__vmiViewer;
      window.__lat = [];
      let last = 0;
      const ctx = v.canvas.getContext("2d");
      v.onPainted = () => {
        const now = Date.now();
        const d = ctx.getImageData(0, 12, 720, 1).data;
        let t = 0;
        for (let b = 0; b < 48; b++) {
          const i = (b * 15 + 7) * 4;
          t = t * 2 + ((d[i] + d[i + 1] + d[i + 2]) / 3 > 128 ? 1 : 0);
        }
        if (t !== last && t > now - 10000 && t <= now + 1000) {
          last = t;
          window.__lat.push(now - t);
        }
      };
    });
    await sleep(2000); // settle
    const s0 = await page.evaluate(() => ({ ...window.__vmiViewer.stats, lat: window.__lat.length }));
    const c0 = cpuSeconds(server.pid);
    const t0 = Date.now();
    await sleep(SECS * 1000);
    const c1 = cpuSeconds(server.pid);
    const t1 = Date.now();
    const s1 = await page.evaluate(() => ({ ...window.__vmiViewer.stats }));
    const lat = (await page.evaluate(() => window.__lat)).slice(s0.lat).sort((a, b) => a - b);
    const secs = (t1 - t0) / 1000;
    stop(wl);
    await page.goto("about:blank");
    await sleep(500);
    return {
      cpu_pct: (100 * (c1 - c0)) / secs,
      bytes_per_s: (s1.bytes - s0.bytes) / secs,
      fps: (s1.painted - s0.painted) / secs,
      p50_ms: pct(lat, 0.5),
      p99_ms: pct(lat, 0.99),
      stamps: lat.length,
      codec: s1.codec,
    };
  }

  // --- x11vnc ---
  async function runVnc(mode) {
    debug("x11vnc", mode);
    const wl = start(`${tmp}/workload`, [mode, String(FPS), String(SECS + 8)], { env });
    await sleep(1000);
    const rfbPort = await freePort();
    const vnc = start("x11vnc", ["-display", `:${DISPLAY_NUM}`, "-rfbport", String(rfbPort), "-localhost",
      "-nopw", "-shared", "-forever", "-quiet"]);
    await sleep(2500);
    const c0 = cpuSeconds(vnc.pid);
    const t0 = Date.now();
    const r = spawnSync(`${tmp}/vnc_client`, [`127.0.0.1:${rfbPort}`, String(SECS)], { encoding: "utf8" });
    const c1 = cpuSeconds(vnc.pid);
    const secs = (Date.now() - t0) / 1000;
    stop(vnc);
    stop(wl);
    const o = JSON.parse(r.stdout.trim().split("\n").pop());
    return {
      cpu_pct: (100 * (c1 - c0)) / secs,
      bytes_per_s: o.bytes / o.seconds,
      fps: o.updates / o.seconds,
      p50_ms: o.p50_ms,
      p99_ms: o.p99_ms,
      stamps: o.stamps,
    };
  }

  const vmiAnim = await runVmi("scroll");
  const vmiStill = await runVmi("still");
  await browser.close();
  stop(server);
  const vncAnim = await runVnc("scroll");
  const vncStill = await runVnc("still");

  const r1 = (x) => (x === null ? null : Math.round(x * 10) / 10);
  emit({ bench: "stream", workload: "scroll+shapes 720x1280 @30fps", stack: `vmi h264 webcodecs (x264 ${PRESET} crf ${CRF}${THREADS ? ` threads ${THREADS}` : ""})`,
    cpu_pct: r1(vmiAnim.cpu_pct), bytes_per_s: Math.round(vmiAnim.bytes_per_s), fps: r1(vmiAnim.fps),
    latency_p50_ms: vmiAnim.p50_ms, latency_p99_ms: vmiAnim.p99_ms, latency_samples: vmiAnim.stamps, codec: vmiAnim.codec,
    anchor: "x11vnc tight", anchor_cpu_pct: r1(vncAnim.cpu_pct), anchor_bytes_per_s: Math.round(vncAnim.bytes_per_s),
    anchor_fps: r1(vncAnim.fps), anchor_latency_p50_ms: vncAnim.p50_ms, anchor_latency_p99_ms: vncAnim.p99_ms });
  emit({ bench: "stream", workload: "still screen", stack: "vmi h264 webcodecs",
    cpu_pct: r1(vmiStill.cpu_pct), bytes_per_s: Math.round(vmiStill.bytes_per_s),
    anchor: "x11vnc tight", anchor_cpu_pct: r1(vncStill.cpu_pct), anchor_bytes_per_s: Math.round(vncStill.bytes_per_s) });
  const cpuRatio = vncAnim.cpu_pct / Math.max(vmiAnim.cpu_pct, 0.01);
  const bwRatio = vncAnim.bytes_per_s / Math.max(vmiAnim.bytes_per_s, 1);
  emit({ bench: "stream", targets: {
    latency_p50_lt_30ms: vmiAnim.p50_ms !== null && vmiAnim.p50_ms < 30,
    latency_p99_lt_60ms: vmiAnim.p99_ms !== null && vmiAnim.p99_ms < 60,
    cpu_le_25pct_per_stream: vmiAnim.cpu_pct <= 25,
    still_cpu_lt_1pct: vmiStill.cpu_pct < 1,
    still_bytes_lt_1kBps: vmiStill.bytes_per_s < 1024,
    cpu_3x_less_than_x11vnc: cpuRatio >= 3,
    bandwidth_5x_less_than_x11vnc: bwRatio >= 5,
  }, cpu_ratio_vs_x11vnc: r1(cpuRatio), bandwidth_ratio_vs_x11vnc: r1(bwRatio) });
}

try {
  await main();
} catch (e) {
  emit({ bench: "stream", error: String(e && e.stack ? e.stack.split("\n")[0] : e) });
  process.exitCode = 1;
} finally {
  for (const c of children) stop(c);
}
process.exit(process.exitCode || 0);
