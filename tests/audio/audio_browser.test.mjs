// Browser test of web/src/audio in Debian's Chromium (playwright-core), with
// the host side real (aplay/arecord through the vmi plugin and the audio
// hub, via audio_browser_helper):
//   1. a 880 Hz tone played by aplay, carried as viewer messages (0x20),
//      played by createAudioPlayer() (WebCodecs, then the Ogg Opus fallback)
//      is heard by a Web Audio analyser at 880 Hz;
//   2. startMicrophone() with Chromium's fake capture device produces MIC
//      messages (0x21) that the host decodes into arecord's recording.
// The viewer WebSocket itself is the streaming engineer's and not in this
// test; the messages cross through this script instead.
//
// Usage: node audio_browser.test.mjs <audio_browser_helper> <repo root>
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import http from "node:http";
import path from "node:path";
import assert from "node:assert/strict";

const [helper, root] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(root, "tests/e2e/node_modules/playwright-core"));
const esbuild = require(path.join(root, "web/node_modules/esbuild"));

function runHelper(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(helper, args, { stdio: ["pipe", "pipe", "inherit"] });
    const lines = [];
    createInterface({ input: child.stdout }).on("line", (l) => lines.push(l));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(lines) : reject(new Error(`helper exited ${code}`))));
    child.stdin.end(input ?? "");
  });
}

const bundle = esbuild.buildSync({
  stdin: {
    contents: ["player", "microphone", "protocol"].map((m) => `export * from "./${m}";`).join("\n"),
    resolveDir: path.join(root, "web/src/audio"),
    loader: "ts",
  },
  bundle: true,
  format: "iife",
  globalName: "vmiAudio",
  write: false,
}).outputFiles[0].text;

const server = http
  .createServer((req, res) => {
    res.setHeader("content-type", req.url === "/audio.js" ? "text/javascript" : "text/html");
    res.end(req.url === "/audio.js" ? bundle : '<html><body><script src="/audio.js"></script></body></html>');
  })
  .listen(0, "127.0.0.1");
await new Promise((r) => server.on("listening", r));

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
  ],
});
let failed = false;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);

  // 1. Host tone -> browser speaker.
  const lines = await runHelper(["play", "1.5", "880"]);
  assert.equal(lines.at(-1), "DONE 0", "aplay failed on the host");
  const packets = lines.filter((l) => l.startsWith("PKT ")).map((l) => l.slice(4));
  assert.ok(packets.length > 100, `only ${packets.length} audio messages`);
  for (const forceFallback of [false, true]) {
    const r = await page.evaluate(
      async ({ packets, forceFallback }) => {
        const A = window.vmiAudio;
        const player = A.createAudioPlayer({ forceFallback });
        await player.resume();
        const an = player.context.createAnalyser();
        an.fftSize = 8192;
        an.smoothingTimeConstant = 0;
        player.output.connect(an);
        const msgs = packets.map((h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16))));
        // Look at the spectrum every 25 ms while the tone plays and keep the
        // loudest look. A single look at a fixed packet could fall into a
        // gap when the fallback's decodeAudioData runs behind on a loaded
        // machine; how loud the tone is must not depend on decoder speed.
        let peakHz = 0, best = -Infinity;
        const bins = new Float32Array(an.frequencyBinCount);
        const look = () => {
          an.getFloatFrequencyData(bins);
          let j0 = 1;
          for (let j = 1; j < bins.length; j++) if (bins[j] > bins[j0]) j0 = j;
          if (bins[j0] > best) {
            best = bins[j0];
            peakHz = (j0 * player.context.sampleRate) / an.fftSize;
          }
        };
        const looker = setInterval(look, 25);
        // Deliver at the pace the server produced them, as a socket would.
        const t0 = performance.now();
        for (let i = 0; i < msgs.length; i++) {
          const p = A.parseAudioOpus(msgs[i]);
          const due = t0 + (p.timestampUs - A.parseAudioOpus(msgs[0]).timestampUs) / 1000;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          player.onPacket(p.opus, p.timestampUs, p.durationUs);
        }
        // Let the decoder catch up: wait until nothing new has been decoded
        // for 300 ms (at most 10 s), then until what was scheduled has played.
        for (let last = -1, still = 0, t = 0; still < 300 && t < 10000; t += 50) {
          await new Promise((r) => setTimeout(r, 50));
          if (player.stats.decoded === last) still += 50;
          else (still = 0), (last = player.stats.decoded);
        }
        await new Promise((r) => setTimeout(r, player.stats.bufferMs + 100));
        clearInterval(looker);
        const stats = { ...player.stats };
        player.close();
        return { peakHz, best, stats };
      },
      { packets, forceFallback },
    );
    console.log(`player (${r.stats.decoder}):`, JSON.stringify(r));
    assert.equal(r.stats.decoder, forceFallback ? "fallback" : "webcodecs");
    assert.ok(Math.abs(r.peakHz - 880) < 15, `heard ${r.peakHz} Hz, want 880`);
    // A sine of amplitude 0.5 reads about -19.5 dB in the analyser (Blackman
    // window); allow a few dB for the codec and the fallback's seams.
    assert.ok(r.best > -24 && r.best < -15, `tone level ${r.best} dB, want about -19.5`);
    // The tone is about 1.5 s. On a loaded machine the page's timers and the
    // decoder fall behind, and the player drops late audio by design (it is
    // live sound; how much it drops is the jitter buffer's business, tested
    // in playout.test.mjs). It must then say so: what played plus what it
    // counted as lost is the whole tone, and a stretch long enough for the
    // analyser's window (8192 samples, 171 ms) played.
    const ms = `${r.stats.playedMs} ms played, ${r.stats.lostMs} ms counted lost`;
    assert.ok(r.stats.playedMs + r.stats.lostMs > 1300, `audio unaccounted for: ${ms}`);
    assert.ok(r.stats.playedMs > 250, `almost nothing played: ${ms}`);
  }

  // 2. Browser microphone -> host -> arecord.
  const mic = await page.evaluate(async () => {
    const A = window.vmiAudio;
    const out = [];
    const m = await A.startMicrophone((msg) => out.push(Array.from(msg, (b) => b.toString(16).padStart(2, "0")).join("")));
    await new Promise((r) => setTimeout(r, 3000));
    m.stop();
    return out;
  });
  assert.ok(mic.length > 100, `only ${mic.length} microphone packets in 3 s`);
  const rec = await runHelper(["record", "3"], mic.map((h) => `MIC ${h}\n`).join(""));
  const result = rec.find((l) => l.startsWith("RESULT ")).split(" ");
  console.log("arecord of the browser microphone:", result.slice(1).join(" "));
  assert.equal(result[1], "0", "arecord failed");
  assert.ok(Number(result[2]) > 0.005, `recording is silent (rms ${result[2]})`);
  assert.equal(result[4], "0", "the host rejected microphone packets");
  console.log("PASS");
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
