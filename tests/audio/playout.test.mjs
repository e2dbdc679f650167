// Unit test of web/src/audio/playout.ts (PlayoutClock, the browser player's
// jitter buffer), bundled with esbuild and run in node: the rules its header
// states, on a synthetic clock. No browser needed.
//
// Usage: node playout.test.mjs <repo root>
import { createRequire } from "node:module";
import path from "node:path";
import assert from "node:assert/strict";

const root = process.argv[2];
const require = createRequire(import.meta.url);
const esbuild = require(path.join(root, "web/node_modules/esbuild"));
const code = esbuild.buildSync({
  entryPoints: [path.join(root, "web/src/audio/playout.ts")],
  bundle: true,
  format: "esm",
  write: false,
}).outputFiles[0].text;
const { PlayoutClock } = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);

const PKT_US = 5000; // the hub's 5 ms packets
let failed = 0;
function check(name, f) {
  try {
    f();
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n${e.stack}`);
  }
}

// Feeds packets k = from..to-1 stamped k * PKT_US that arrive at
// base + k * PKT_US / 1e6 + delay(k) seconds; returns each packet's slack
// (ms ahead of its arrival; null when dropped).
function feed(c, from, to, base, delay) {
  const slack = [];
  for (let k = from; k < to; k++) {
    const now = base + (k * PKT_US) / 1e6 + delay(k);
    const at = c.schedule(k * PKT_US, PKT_US, now);
    slack.push(at === null ? null : (at - now) * 1000);
  }
  return slack;
}
const near = (a, b, eps, what) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a}, want ${b} +- ${eps}`);

check("the default jitter buffer is 10 ms and the first packet plays that far ahead", () => {
  const c = new PlayoutClock();
  assert.equal(c.bufferMs, 10);
  const at = c.schedule(1_000_000, PKT_US, 5.0);
  near(at, 5.010, 1e-9, "first packet");
});

check("packets on time play at the server's pace, not the network's", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  const t0 = c.schedule(0, PKT_US, 1.0);
  // Arrive in a burst after warm-up: still spaced by their timestamps.
  const a = c.schedule(120 * PKT_US, PKT_US, 1.595);
  const b = c.schedule(121 * PKT_US, PKT_US, 1.596);
  near(b - a, 0.005, 1e-9, "spacing");
  near(a - t0, 0.600, 1e-9, "offset from the first packet");
  assert.equal(c.late, 0);
});

check("warm-up: the slowest of the first packets sets the offset, with no late count", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  // Packet 3 arrives 12 ms behind the others in the first 0.5 s.
  const s = feed(c, 0, 90, 1.0, (k) => (k === 3 ? 0.012 : 0));
  assert.equal(c.late, 0);
  near(s[3], 10, 1e-6, "the slowest packet's slack");
  near(s[50], 22, 1e-6, "later packets' slack (before any trim)");
});

check("a late packet is dropped and the buffer grows by 5 ms; 5 s later it shrinks back", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  c.schedule(0, PKT_US, 1.0); // plays at 1.010
  // 1 s later by the server, but 1.2 s later by the context: 190 ms late.
  assert.equal(c.schedule(200 * PKT_US, PKT_US, 2.2), null);
  assert.equal(c.late, 1);
  assert.equal(c.bufferMs, 15);
  // The next packet plays 15 ms ahead of now.
  const at = c.schedule(201 * PKT_US, PKT_US, 2.2);
  near(at - 2.2, 0.015, 0.0005, "after a late packet");
  // Quiet for more than 5 s: back to 10 ms.
  feed(c, 202, 202 + 1200, 2.2 - 201 * 0.005, () => 0);
  assert.equal(c.bufferMs, 10);
  assert.equal(c.late, 1);
});

check("the buffer never grows past maxMs", () => {
  const c = new PlayoutClock({ targetMs: 10, maxMs: 40 });
  c.schedule(0, PKT_US, 0);
  let now = 0;
  for (let i = 1; i < 20; i++) {
    now += 1; // every packet a second late
    c.schedule(i * PKT_US, PKT_US, now);
  }
  assert.equal(c.bufferMs, 40);
});

check("trim: a slow start does not add latency for good", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  // The first packet is 30 ms slow; every later one is on time, so it is
  // 40 ms ahead until the first trim brings it back to 10.
  const s = feed(c, 0, 800, 1.0, (k) => (k === 0 ? 0.030 : 0));
  near(s[150], 40, 1e-6, "slack before the trim");
  near(s[799], 10, 1e-6, "slack after the trim");
  assert.equal(c.trims, 1);
  near(c.trimmedMs, 30, 1e-6, "trimmed");
  assert.equal(c.late, 0);
});

check("trim: the slowest packet keeps the buffer's margin, the others keep their spread", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  // Every 4th packet 8 ms slow, the rest on time; a 25 ms slow start.
  const s = feed(c, 0, 1000, 1.0, (k) => (k === 0 ? 0.025 : k % 4 === 0 ? 0.008 : 0));
  const last = s.slice(-400);
  near(Math.min(...last), 10, 1e-6, "least slack in the last 2 s");
  near(Math.max(...last), 18, 1e-6, "most slack in the last 2 s");
  assert.equal(c.late, 0);
});

check("trim: within 2 ms of the target nothing moves", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  const s = feed(c, 0, 1000, 1.0, (k) => (k === 0 ? 0.0015 : 0));
  assert.equal(c.trims, 0);
  near(s[999], 11.5, 1e-6, "slack");
});

check("trim never makes a packet late: slack stays >= 0 under steady jitter", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  // Pseudo-random arrival delays of 0..6 ms (a loaded loopback).
  let x = 7;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const d = Array.from({ length: 3000 }, () => rnd() * 0.006);
  const s = feed(c, 0, 3000, 1.0, (k) => d[k]);
  assert.equal(c.late, 0);
  assert.ok(Math.min(...s.slice(200)) >= 4, `least slack ${Math.min(...s.slice(200))}`);
  assert.ok(Math.max(...s.slice(-400)) <= 10 + 6 + 2 + 1e-6, `most slack ${Math.max(...s.slice(-400))}`);
});

check("media time follows the anchor (A/V sync), also across a trim", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  assert.equal(c.mediaTimeUs(0), null);
  c.schedule(5_000_000, PKT_US, 2.0); // 5 s plays at 2.010
  near(c.mediaTimeUs(2.010), 5_000_000, 1, "media time");
  near(c.mediaTimeUs(2.110), 5_100_000, 1, "media time");
  const t = new PlayoutClock({ targetMs: 10 });
  const s = feed(t, 0, 800, 1.0, (k) => (k === 0 ? 0.030 : 0));
  // Packet 799 plays at its arrival + its slack: that instant is its timestamp.
  const at799 = 1.0 + (799 * PKT_US) / 1e6 + s[799] / 1000;
  near(t.mediaTimeUs(at799), 799 * PKT_US, 1, "media time after a trim");
});

process.exit(failed ? 1 : 0);
