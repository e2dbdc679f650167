// End-to-end audio latency, guest write -> browser output, measured in the
// real browser through the real daemon (bench/audio/run; not a test).
//
// A guest program (guest_clicker, inside a real instance started by
// `vmi serve`) plays clicks through the image's default ALSA device and
// prints the CLOCK_REALTIME instant of each click's write. Chromium shows
// the console's live view of the instance; the viewer's player reports
// every buffer it schedules (player.onPlay), and the page finds each
// click's first loud sample in it. Per click, on the same host clock:
//   guest_write_to_encoder  = server timestamp of that sample (the instant
//                             the hub took it from the guest's ring and fed
//                             the encoder: the Opus packets' timestamps)
//                             - guest write;
//   guest_write_to_browser  = the instant the browser's output clock
//                             presents that sample (AudioContext
//                             getOutputTimestamp: context time ->
//                             performance time, + performance.timeOrigin)
//                             - guest write.
// Prints one JSON line per guest ALSA configuration.
//
// Usage: node e2e_latency.mjs <vmi> <web/dist> <repo root> <guest_clicker>  (root)
import { copyFileSync, chmodSync } from "node:fs";
import {
  startDaemon, launchChromium, closeBrowser, openViewer, percentile, sleep,
} from "../../tests/audio/daemon_browser.mjs";

const [vmi, webDir, root, clicker] = process.argv.slice(2);
if (process.getuid() !== 0) {
  console.log(JSON.stringify({ bench: "audio_e2e_latency", error: "needs root" }));
  process.exit(0);
}

const d = await startDaemon(vmi, webDir);
let browser;
let rc = 0;
try {
  const { id, devdir } = await d.instance("audio-bench");
  copyFileSync(clicker, `${devdir}/guest_clicker`);
  chmodSync(`${devdir}/guest_clicker`, 0o755);
  browser = await launchChromium(root);
  const page = await browser.newPage();
  await openViewer(page, d, id);
  // Onsets of clicks as the page schedules them.
  const installHook = () => page.evaluate((id) => {
    const p = window.__vmiAudio.get(id).player;
    window.__onsets = [];
    window.__ahead = [];  // every packet: ms ahead of the context clock
    // A loud sample more than 50 ms after the previous one starts a click.
    let lastLoud = -1;
    p.onPlay = (buf, ts, at) => {
      window.__ahead.push((at - p.context.currentTime) * 1000);
      const x = buf.getChannelData(0);
      for (let i = 0; i < x.length; i++) {
        if (Math.abs(x[i]) <= 0.2) continue;
        const t = at + i / buf.sampleRate;
        if (t > lastLoud + 0.05) {
          // Where the time goes: the packet's age when it is scheduled
          // (encoder -> network -> decoder), and how far ahead of the
          // context's clock it is scheduled (the jitter buffer).
          const wallUs = (performance.timeOrigin + performance.now()) * 1000;
          // The output clock's mapping now, some 30-60 ms before the sample
          // plays: context time -> the instant the output presents it.
          const o = p.context.getOutputTimestamp();
          const outputUs = (performance.timeOrigin + o.performanceTime + (t - o.contextTime) * 1000) * 1000;
          window.__onsets.push({ serverUs: ts + (i / buf.sampleRate) * 1e6, outputUs,
            ageMs: (wallUs - ts) / 1000, aheadMs: (at - p.context.currentTime) * 1000,
            // The output path: from the context's clock reaching the sample
            // to the output presenting it (Chromium's own buffering).
            outputPathMs: (outputUs - wallUs) / 1000 - (at - p.context.currentTime) * 1000 });
        }
        lastLoud = t;
      }
    };
  }, id);

  // The player's defaults; a 5 ms jitter buffer (the margin the default's
  // 10 ms keeps, measured); the AudioContext's latencyHint "interactive"
  // (the default before the fourth session: Chromium's 10 ms output buffer)
  // as the anchor. Each with a guest ALSA buffer of 20 ms, then 10 ms. The
  // knobs are web/src/audio/viewer_audio.ts's.
  const configs = [
    { label: "default", bufferMs: 0, hint: "" },
    { label: "jitter buffer 5 ms", bufferMs: 5, hint: "" },
    { label: "latencyHint interactive", bufferMs: 0, hint: "interactive" },
  ];
  let first = true;
  for (const cfg of configs) {
    if (!first) {
      await page.evaluate(({ bufferMs, hint }) => {
        if (bufferMs) localStorage.setItem("vmi.audio.bufferMs", String(bufferMs));
        else localStorage.removeItem("vmi.audio.bufferMs");
        if (hint) localStorage.setItem("vmi.audio.latencyHint", hint);
        else localStorage.removeItem("vmi.audio.latencyHint");
      }, cfg);
      await page.reload();
      await page.waitForFunction((id) => window.__vmiAudio && window.__vmiAudio.get(id), id, { timeout: 30000 });
      await page.evaluate((id) => window.__vmiAudio.get(id).player.resume(), id);
      await sleep(1000);
    }
    first = false;
    for (const [period, buffer] of [[240, 960], [120, 480]]) {
      await installHook();  // on the current player (a reconnection makes a new one)
      const r = await d.exec(id, ["/run/vmi/guest_clicker", "40", "250", String(period), String(buffer)]);
      if (r.code !== 0) throw new Error(`guest_clicker: ${r.out}`);
      await sleep(500);
      const writes = r.out.split("\n").filter((l) => l.startsWith("CLICK ")).map((l) => Number(l.slice(6)));
      const params = r.out.split("\n").find((l) => l.startsWith("PARAMS ")).split(" ").map(Number);
      const onsets = await page.evaluate(() => window.__onsets);
      const allAhead = await page.evaluate(() => window.__ahead);
      // Pair each write with the first onset after it (clicks are 250 ms apart).
      const enc = [], e2e = [], age = [], ahead = [], outPath = [];
      let j = 0;
      for (const w of writes) {
        while (j < onsets.length && onsets[j].serverUs < w) j++;
        if (j >= onsets.length) break;
        if (onsets[j].serverUs - w > 200000) continue;  // this click was lost
        enc.push((onsets[j].serverUs - w) / 1000);
        e2e.push((onsets[j].outputUs - w) / 1000);
        age.push(onsets[j].ageMs);
        ahead.push(onsets[j].aheadMs);
        outPath.push(onsets[j].outputPathMs);
        j++;
      }
      const stats = await page.evaluate((id) => ({ ...window.__vmiAudio.get(id).player.stats,
        outputLatencyMs: window.__vmiAudio.get(id).player.context.outputLatency * 1000,
        baseLatencyMs: window.__vmiAudio.get(id).player.context.baseLatency * 1000 }), id);
      const f = (x) => Math.round(x * 10) / 10;
      console.log(JSON.stringify({
        bench: "audio_e2e_latency", clicks: writes.length, matched: e2e.length,
        config: cfg.label,
        browser_initial_jitter_buffer_ms: cfg.bufferMs || 10,  // PlayoutClock's default
        guest_write_to_browser_output_p50_ms: f(percentile(e2e, 0.5)),
        guest_write_to_browser_output_p99_ms: f(percentile(e2e, 0.99)),
        guest_write_to_encoder_p50_ms: f(percentile(enc, 0.5)),
        guest_write_to_encoder_p99_ms: f(percentile(enc, 0.99)),
        anchor_guest_buffer_ms: f(params[1] / 48), anchor_guest_period_ms: f(params[2] / 48),
        packet_age_at_schedule_p50_ms: f(percentile(age, 0.5)),
        scheduled_ahead_of_context_clock_p50_ms: f(percentile(ahead, 0.5)),
        every_packet_ahead_min_ms: f(Math.min(...allAhead)),
        every_packet_ahead_p01_ms: f(percentile(allAhead, 0.01)),
        every_packet_ahead_p50_ms: f(percentile(allAhead, 0.5)),
        context_clock_to_output_p50_ms: f(percentile(outPath, 0.5)),
        browser_jitter_buffer_ms: f(stats.bufferMs), browser_output_latency_ms: f(stats.outputLatencyMs),
        browser_base_latency_ms: f(stats.baseLatencyMs), decoder: stats.decoder, late_packets: stats.late,
        jitter_buffer_trims: stats.trims,
      }));
    }
  }
} catch (e) {
  rc = 1;
  console.log(JSON.stringify({ bench: "audio_e2e_latency", error: String(e.stack || e) }));
} finally {
  await closeBrowser(browser);
  await d.stop();
}
process.exit(rc);
