// Shared by the audio end-to-end test (audio_e2e.test.mjs) and the
// end-to-end latency benchmark (bench/audio/e2e_latency.mjs): the real
// daemon (`vmi serve` on a temporary data directory, TCP port 0, the web
// client from web/dist), instances through the CLI, Debian's Chromium
// (playwright-core) with fake media devices, and WAV helpers.
import { spawn, execFile } from "node:child_process";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { promisify } from "node:util";
import path from "node:path";

const run = promisify(execFile);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function eventually(what, f, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(250);
  }
}

function spawnDaemon(vmi, webDir, dataDir, sock, adminPassword) {
  const child = spawn(vmi, ["serve", "--data-dir", dataDir, "--socket", sock, "--port", "0",
    "--web-root", webDir], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, VMI_ADMIN_PASSWORD: adminPassword },
  });
  const base = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = line.match(/console:\s+(http:\/\/[0-9.]+:\d+)\//);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`vmi serve exited with ${code}`)));
  });
  return { child, base };
}

// Starts `vmi serve` (admin password chosen here); resolves once it prints
// its console address.
export async function startDaemon(vmi, webDir) {
  const dataDir = mkdtempSync("/var/tmp/vmi-audio-e2e-");
  const sock = `${dataDir}/api.sock`;
  const adminPassword = `adm-${randomBytes(9).toString("base64url")}`;
  let { child, base } = spawnDaemon(vmi, webDir, dataDir, sock, adminPassword);
  base = await base;
  const instances = [];
  const cli = (...args) => run(vmi, ["--server", `unix://${sock}`, ...args],
    { timeout: 180000, maxBuffer: 16 << 20 });
  // A command in the guest: { code, out } (out = stdout + stderr).
  const exec = async (id, argv) => {
    try {
      const r = await cli("exec", id, "--", ...argv);
      return { code: 0, out: r.stdout + r.stderr };
    } catch (e) {
      return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  };
  const d = {
    get child() { return child; },
    base, sock, dataDir, cli, exec, adminPassword,
    // The REST API over the Unix socket (root there acts as the admin).
    api(method, target, body) {
      return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const req = http.request({ socketPath: sock, method, path: target,
          headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {} },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode, body: text }));
        });
        req.on("error", reject);
        req.end(data);
      });
    },
    // Creates and starts an instance; resolves with its id and device dir
    // once its display answers.
    async instance(name) {
      const id = (await cli("create", "--name", name, "--memory", "512M", "--resolution", "360x640"))
        .stdout.trim();
      instances.push(id);
      await cli("start", id);
      await eventually("display ready", async () =>
        JSON.parse((await cli("--json", "inspect", id)).stdout).display_ready, 90000);
      const devdir = JSON.parse((await cli("--json", "inspect", id)).stdout).device_dir;
      return { id, devdir };
    },
    // Removes the instances, stops the daemon, deletes the data directory.
    async stop() {
      if (child.exitCode !== null && instances.length) {
        // The daemon died: a new one on the same data directory finds the
        // instances again and removes them.
        console.error(`vmi serve exited with ${child.exitCode}; restarting it to clean up`);
        const again = spawnDaemon(vmi, webDir, dataDir, sock, adminPassword);
        child = again.child;
        await again.base.catch(() => {});
      }
      for (const id of instances) await cli("rm", "--force", id).catch((e) => console.error(`rm ${id}: ${e}`));
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        if (!(await Promise.race([exited.then(() => true), sleep(20000).then(() => false)]))) {
          child.kill("SIGKILL");
          await exited;
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return d;
}

// Closes a browser, giving up after 20 s (a wedged renderer must not keep
// the daemon and its instances from being cleaned up).
export async function closeBrowser(browser) {
  if (browser) await Promise.race([browser.close().catch(() => {}), sleep(20000)]);
}

export async function launchChromium(root, extraArgs = []) {
  const require = createRequire(import.meta.url);
  const { chromium } = require(path.join(root, "tests/e2e/node_modules/playwright-core"));
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
      "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
      "--autoplay-policy=no-user-gesture-required", ...extraArgs,
    ],
  });
}

// Logs in as admin and opens the console's live view of an instance;
// resolves once its audio channel is open (window.__vmiAudio,
// web/src/audio/viewer_audio.ts).
export async function openViewer(page, d, id) {
  await page.goto(`${d.base}/`);
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill(d.adminPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Instances" }).waitFor({ timeout: 15000 });
  await page.goto(`${d.base}/#/instances/${encodeURIComponent(id)}`);
  try {
    await page.waitForFunction((id) => window.__vmiAudio && window.__vmiAudio.get(id), id,
      { timeout: 30000 });
  } catch (e) {
    const text = await page.evaluate(() => document.body.innerText).catch(() => "?");
    const viewer = await page.evaluate(() => JSON.stringify(window.__vmiViewer?.stats ?? null)).catch(() => "?");
    throw new Error(`no audio channel on the live view (viewer ${viewer}; page: ${text.slice(0, 400)})`);
  }
  await page.evaluate((id) => window.__vmiAudio.get(id).player.resume(), id);
}

// A 16-bit PCM WAV of a sine.
export function writeToneWav(file, { rate = 48000, channels = 1, seconds = 1, freq = 440, amp = 0.5 }) {
  const frames = Math.round(rate * seconds);
  const b = Buffer.alloc(44 + frames * channels * 2);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + frames * channels * 2, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * channels * 2, 28);
  b.writeUInt16LE(channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36);
  b.writeUInt32LE(frames * channels * 2, 40);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(amp * 32767 * Math.sin((2 * Math.PI * freq * i) / rate));
    for (let c = 0; c < channels; c++) b.writeInt16LE(v, 44 + (i * channels + c) * 2);
  }
  writeFileSync(file, b);
}

// The first channel of a 16-bit PCM WAV as floats, and its rate.
export function readWav(file) {
  const b = readFileSync(file);
  let off = 12, rate = 0, channels = 1;
  while (off + 8 <= b.length) {
    const id = b.toString("ascii", off, off + 4), size = b.readUInt32LE(off + 4);
    if (id === "fmt ") {
      channels = b.readUInt16LE(off + 10);
      rate = b.readUInt32LE(off + 12);
    } else if (id === "data") {
      const n = Math.floor(Math.min(size, b.length - off - 8) / (2 * channels));
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = b.readInt16LE(off + 8 + i * channels * 2) / 32768;
      return { rate, x };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

// Amplitude of the `freq` component of x (Goertzel).
export function toneAmplitude(x, rate, freq) {
  const w = (2 * Math.PI * freq) / rate, c = 2 * Math.cos(w);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const re = s1 - s2 * Math.cos(w), im = s2 * Math.sin(w);
  return (2 * Math.sqrt(re * re + im * im)) / x.length;
}

export function percentile(v, p) {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
