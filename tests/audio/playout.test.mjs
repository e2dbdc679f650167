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

const PKT_US = 10000;
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

check("the default jitter buffer is 10 ms and the first packet plays that far ahead", () => {
  const c = new PlayoutClock();
  assert.equal(c.bufferMs, 10);
  const at = c.schedule(1_000_000, PKT_US, 5.0);
  assert.ok(Math.abs(at - 5.010) < 1e-9, `first packet at ${at}`);
});

check("packets on time play at the server's pace, not the network's", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  const t0 = c.schedule(0, PKT_US, 1.0);
  // Arrive in a burst after warm-up: still spaced by their timestamps.
  const a = c.schedule(60 * PKT_US, PKT_US, 1.595);
  const b = c.schedule(61 * PKT_US, PKT_US, 1.596);
  assert.ok(Math.abs(b - a - 0.010) < 1e-9);
  assert.ok(Math.abs(a - t0 - 0.600) < 1e-9, `a=${a} t0=${t0}`);
  assert.equal(c.late, 0);
});

check("a late packet is dropped and the buffer grows by 10 ms; 5 s later it shrinks back", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  c.schedule(0, PKT_US, 1.0); // plays at 1.010
  // 1 s later by the server, but 1.2 s later by the context: 190 ms late.
  assert.equal(c.schedule(100 * PKT_US, PKT_US, 2.2), null);
  assert.equal(c.late, 1);
  assert.equal(c.bufferMs, 20);
  // The next packet plays 20 ms ahead of now.
  const at = c.schedule(101 * PKT_US, PKT_US, 2.2);
  assert.ok(Math.abs(at - 2.2 - 0.020) < 0.0005, `at ${at}`);
  // Quiet for more than 5 s: back to 10 ms.
  let now = 2.2, ts = 101 * PKT_US;
  for (let i = 0; i < 600; i++) {
    now += 0.010;
    ts += PKT_US;
    c.schedule(ts, PKT_US, now);
  }
  assert.equal(c.bufferMs, 10);
});

check("the buffer never grows past maxMs", () => {
  const c = new PlayoutClock({ targetMs: 10, maxMs: 40 });
  c.schedule(0, PKT_US, 0);
  let now = 0;
  for (let i = 1; i < 10; i++) {
    now += 1; // every packet a second late
    c.schedule(i * PKT_US, PKT_US, now);
  }
  assert.equal(c.bufferMs, 40);
});

check("media time follows the anchor (A/V sync)", () => {
  const c = new PlayoutClock({ targetMs: 10 });
  assert.equal(c.mediaTimeUs(0), null);
  c.schedule(5_000_000, PKT_US, 2.0); // 5 s plays at 2.010
  assert.ok(Math.abs(c.mediaTimeUs(2.010) - 5_000_000) < 1);
  assert.ok(Math.abs(c.mediaTimeUs(2.110) - 5_100_000) < 1);
});

process.exit(failed ? 1 : 0);
