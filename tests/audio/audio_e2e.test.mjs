// E2E: instance sound through the real daemon (`vmi serve`), a real
// instance (crun, the linux-mobile image's ALSA default = the vmi plugin)
// and Debian's Chromium (playwright-core) on the console's live view:
//   0. with nobody listening, `aplay` succeeds at the sound card's pace
//      (the daemon's fake playback);
//   1. an 880 Hz tone played by `aplay` in the guest is heard through the
//      viewer page's audio output (a Web Audio AnalyserNode on the player)
//      at 880 Hz and the expected level;
//   2. PUT /api/v1/instances/{id}/audio: volume 0.25 lowers that level by
//      about 12 dB, mute silences it, GET reads the settings back;
//   3. the browser's fake microphone (a 660 Hz file), sent by the viewer
//      that holds input control, is what `arecord` records in the guest;
//   4. a second viewer that never reads its WebSocket does not hold up
//      `aplay` (it completes and succeeds), and the page keeps hearing.
//
// Usage: node audio_e2e.test.mjs <vmi binary> <web/dist> <repo root>  (root)
import net from "node:net";
import { rmSync } from "node:fs";
import assert from "node:assert/strict";
import {
  startDaemon, launchChromium, closeBrowser, openViewer, writeToneWav, readWav, toneAmplitude, eventually, sleep,
} from "./daemon_browser.mjs";

const [vmi, webDir, root] = process.argv.slice(2);
if (process.getuid() !== 0) {
  console.log("skip - needs root");
  process.exit(0);
}

// The level (dB, AnalyserNode scale) around `freq` in the page's audio
// output, sampled `n` times `every` ms apart: the median of the samples.
async function heard(page, id, freq, n = 8, every = 200) {
  return page.evaluate(async ({ id, freq, n, every }) => {
    const a = window.__vmiAudio.get(id);
    const ctx = a.player.context;
    const an = ctx.createAnalyser();
    an.fftSize = 8192;
    an.smoothingTimeConstant = 0;
    a.player.output.connect(an);
    const bins = new Float32Array(an.frequencyBinCount);
    const k = Math.round((freq * an.fftSize) / ctx.sampleRate);
    const levels = [], peaks = [];
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, every));
      an.getFloatFrequencyData(bins);
      let l = -Infinity;
      for (let j = k - 2; j <= k + 2; j++) l = Math.max(l, bins[j]);
      let best = -Infinity, peak = 0;
      for (let j = 1; j < bins.length; j++)
        if (bins[j] > best) { best = bins[j]; peak = (j * ctx.sampleRate) / an.fftSize; }
      levels.push(Number.isFinite(l) ? l : -200);
      peaks.push(peak);
    }
    an.disconnect();
    levels.sort((x, y) => x - y);
    peaks.sort((x, y) => x - y);
    return { level: levels[levels.length >> 1], peakHz: peaks[peaks.length >> 1],
      stats: { ...a.player.stats } };
  }, { id, freq, n, every });
}

// Plays devdir/tone.wav in the guest while listening in the page.
async function playAndListen(d, page, id) {
  const play = d.exec(id, ["aplay", "-q", "/run/vmi/tone.wav"]);
  await sleep(700);  // past the start and the jitter buffer
  const h = await heard(page, id, 880);
  const r = await play;
  assert.equal(r.code, 0, `aplay failed: ${r.out}`);
  return h;
}

// A viewer that says HELLO and then never reads (its socket is paused).
// Over the daemon's Unix socket, where root needs no login.
function stuckViewer(sock, id) {
  const s = net.connect(sock);
  s.write(`GET /api/v1/instances/${id}/stream HTTP/1.1\r\nHost: localhost\r\n` +
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  // HELLO (0x10, version 1, H.264|JPEG, 0) in a masked binary frame.
  const payload = Buffer.from([0x10, 1, 3, 0]), mask = Buffer.from([1, 2, 3, 4]);
  const frame = Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask,
    Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
  return new Promise((resolve, reject) => {
    s.once("data", (head) => {
      if (!head.toString().startsWith("HTTP/1.1 101")) reject(new Error(`upgrade refused: ${head}`));
      s.write(frame);
      s.pause();  // never read again
      resolve(s);
    });
    s.once("error", reject);
  });
}

let failed = false;
const d = await startDaemon(vmi, webDir);
let browser;
try {
  const { id, devdir } = await d.instance("audio-e2e");
  // 0. Nobody listens: the daemon's sound card paces aplay (fake playback).
  writeToneWav(`${devdir}/quiet.wav`, { rate: 44100, channels: 2, seconds: 2, freq: 300, amp: 0.3 });
  const t0 = Date.now();
  const alone = await d.exec(id, ["aplay", "-q", "/run/vmi/quiet.wav"]);
  const took = (Date.now() - t0) / 1000;
  assert.equal(alone.code, 0, `aplay with nobody listening failed: ${alone.out}`);
  // Consumed at the sound card's pace, not swallowed at once.
  assert.ok(took >= 1.5, `aplay of 2 s took ${took} s`);
  console.log(`ok - with nobody listening, aplay of 2 s succeeds after ${took} s (fake playback)`);

  const mic = `${d.dataDir}/mic660.wav`;
  writeToneWav(mic, { rate: 48000, channels: 1, seconds: 10, freq: 660, amp: 0.5 });
  browser = await launchChromium(root, [`--use-file-for-fake-audio-capture=${mic}`]);
  const page = await browser.newPage({ viewport: { width: 700, height: 900 } });
  page.on("console", (m) => m.type() === "error" && console.error("page:", m.text()));
  await openViewer(page, d, id);

  // 1. Guest tone -> browser output.
  writeToneWav(`${devdir}/tone.wav`, { rate: 44100, channels: 1, seconds: 3, freq: 880, amp: 0.5 });
  const full = await playAndListen(d, page, id);
  console.log("heard at volume 1:", JSON.stringify(full));
  assert.ok(full.stats.packets > 100, `only ${full.stats.packets} audio packets reached the page`);
  assert.ok(Math.abs(full.peakHz - 880) < 15, `heard ${full.peakHz} Hz, want 880`);
  // A sine of amplitude 0.5 reads about -19.5 dB (see audio_browser.test.mjs).
  assert.ok(full.level > -25 && full.level < -14, `tone level ${full.level} dB, want about -19.5`);
  console.log("ok - aplay in the guest is heard in the viewer page at 880 Hz");

  // 2. Host volume and mute through the REST API.
  let r = await d.api("PUT", `/api/v1/instances/${id}/audio`, { volume: 0.25 });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { volume: 0.25, muted: false });
  const quiet = await playAndListen(d, page, id);
  const drop = full.level - quiet.level;
  console.log(`volume 0.25: ${quiet.level.toFixed(1)} dB (${drop.toFixed(1)} dB lower)`);
  assert.ok(drop > 9 && drop < 15, `volume 0.25 lowered the tone by ${drop} dB, want about 12`);
  r = await d.api("PUT", `/api/v1/instances/${id}/audio`, { muted: true });
  assert.deepEqual(JSON.parse(r.body), { volume: 0.25, muted: true });
  const muted = await playAndListen(d, page, id);
  console.log(`muted: ${muted.level.toFixed(1)} dB`);
  assert.ok(muted.level < full.level - 40, `muted tone still at ${muted.level} dB`);
  r = await d.api("GET", `/api/v1/instances/${id}/audio`);
  assert.deepEqual(JSON.parse(r.body), { volume: 0.25, muted: true });
  r = await d.api("PUT", `/api/v1/instances/${id}/audio`, { volume: 2 });
  assert.equal(r.status, 400, r.body);
  r = await d.api("PUT", `/api/v1/instances/${id}/audio`, { volume: 1, muted: false });
  assert.deepEqual(JSON.parse(r.body), { volume: 1, muted: false });
  console.log("ok - REST volume and mute change what the viewer hears");

  // 3. Browser microphone -> arecord in the guest, from the controlling viewer.
  await page.evaluate(() => window.__vmiViewer.send(Uint8Array.of(0x16, 1)));
  await eventually("control", () => page.evaluate(() => window.__vmiViewer.stats.control === 1));
  await page.evaluate((id) => window.__vmiAudio.get(id).startMicrophone(), id);
  await sleep(500);
  const rec = await d.exec(id, ["arecord", "-q", "-d", "3", "-f", "S16_LE", "-r", "48000", "-c", "1",
    "/run/vmi/rec.wav"]);
  assert.equal(rec.code, 0, `arecord failed: ${rec.out}`);
  await page.evaluate((id) => window.__vmiAudio.get(id).stopMicrophone(), id);
  const { rate, x } = readWav(`${devdir}/rec.wav`);
  const tail = x.subarray(Math.floor(rate * 0.5));  // past the start
  const a660 = toneAmplitude(tail, rate, 660);
  const others = [440, 550, 770, 880, 1000].map((f) => toneAmplitude(tail, rate, f));
  console.log(`arecord: 660 Hz amplitude ${a660.toFixed(4)}, others max ${Math.max(...others).toFixed(4)}`);
  assert.ok(a660 > 0.02, `the microphone tone is missing from the recording (${a660})`);
  assert.ok(a660 > 5 * Math.max(...others), "the recording is not the 660 Hz microphone tone");
  console.log("ok - the browser's microphone reaches arecord in the guest");

  // 4. A viewer that never reads does not block the guest.
  const stuck = await stuckViewer(d.sock, id);
  writeToneWav(`${devdir}/tone.wav`, { rate: 44100, channels: 1, seconds: 6, freq: 880, amp: 0.5 });
  const packets = () => page.evaluate((id) => window.__vmiAudio.get(id).player.stats.packets, id);
  const before = await packets();
  const both = await playAndListen(d, page, id);
  const got = (await packets()) - before;
  console.log(`with a stuck viewer: the page heard ${both.peakHz} Hz, got ${got} packets`);
  assert.ok(Math.abs(both.peakHz - 880) < 15, `with a stuck viewer the page heard ${both.peakHz} Hz`);
  // 6 s of sound are 1200 packets of 5 ms; allow for the start and end.
  assert.ok(got > 1000, `the page got ${got} packets during 6 s of sound`);
  stuck.destroy();
  console.log("ok - a viewer that never reads does not hold up aplay or the other viewer");
  rmSync(mic, { force: true });
} catch (e) {
  failed = true;
  console.error("FAIL:", e.stack || e);
} finally {
  await closeBrowser(browser);
  await d.stop();
}
process.exit(failed ? 1 : 0);
