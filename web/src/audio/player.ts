// createAudioPlayer(): Opus packets in, sound out.
//
// Decoding: WebCodecs AudioDecoder (Opus, 48 kHz stereo) when the browser
// has it; otherwise a fallback that wraps a few packets at a time into an
// Ogg Opus file for AudioContext.decodeAudioData (more latency, small seams
// between batches, but no dependency). Playback: each decoded packet is an
// AudioBufferSourceNode started at the time PlayoutClock gives it (a small
// adaptive jitter buffer, scheduled by the server's timestamps), through one
// GainNode for volume and mute. When the clock trims its buffer, a packet
// starts before the previous one ends: it is cut to start where that one
// ends (a few ms of sound skipped, never two packets summed).
//
// A/V sync: timestamps are the server's Unix-epoch microseconds, the video
// frames' clock; mediaTimeUs() tells which server instant is audible now,
// so a video painter can hold frames until the sound catches up.

import { PlayoutClock, PlayoutOptions } from "./playout";
import { oggOpusFile } from "./ogg_opus";

export interface AudioPlayerStats {
  packets: number;
  decoded: number;
  late: number;
  errors: number;
  bufferMs: number;
  trims: number; // times the jitter buffer was trimmed (PlayoutClock)
  playedMs: number; // audio scheduled so far
  // Audio dropped on purpose: packets that came too late to play, packets
  // refused while the decoder was backlogged, and the parts cut after a
  // jitter-buffer trim. playedMs + lostMs accounts for everything decoded
  // or refused.
  lostMs: number;
  decoder: "webcodecs" | "fallback" | "none";
}

export interface AudioPlayer {
  readonly context: AudioContext;
  // The node everything plays through (after volume); tests attach an
  // AnalyserNode here.
  readonly output: AudioNode;
  readonly stats: AudioPlayerStats;
  onPacket(bytes: Uint8Array, timestampUs: number, durationUs?: number): void;
  setVolume(v: number): void; // 0..1
  setMuted(m: boolean): void;
  readonly volume: number;
  readonly muted: boolean;
  // Browsers start audio only after a user gesture; call from one.
  resume(): Promise<void>;
  mediaTimeUs(): number | null;
  // Benchmark and test hook: each decoded buffer as it is scheduled, with
  // its server timestamp and the context time it starts at.
  onPlay: ((buf: AudioBuffer, timestampUs: number, at: number) => void) | null;
  close(): void;
}

export interface AudioPlayerOptions extends PlayoutOptions {
  context?: AudioContext;
  // The AudioContext's latencyHint (ignored with `context`). The default, 0,
  // asks for the output's smallest buffer: Chromium then renders in 128-frame
  // callbacks (2.7 ms) and reports an output latency of 8 ms on its headless
  // output, where "interactive" takes its 10 ms hardware buffer and 30-32 ms
  // (docs/audio.md, "Measured"). "interactive" is Chromium's glitch-free
  // choice for the device; a client that crackles can ask for it.
  latencyHint?: AudioContextLatencyCategory | number;
  forceFallback?: boolean;
  fallbackBatchMs?: number; // audio per Ogg file in the fallback (default 40 ms)
}

const CONFIG = { codec: "opus", sampleRate: 48000, numberOfChannels: 2 };

export function hasWebCodecsAudio(): boolean {
  return typeof AudioDecoder !== "undefined" && typeof EncodedAudioChunk !== "undefined";
}

class Player implements AudioPlayer {
  readonly context: AudioContext;
  readonly output: GainNode;
  readonly stats: AudioPlayerStats = {
    packets: 0, decoded: 0, late: 0, errors: 0, bufferMs: 0, trims: 0, playedMs: 0, lostMs: 0, decoder: "none",
  };
  volume = 1;
  muted = false;
  onPlay: ((buf: AudioBuffer, timestampUs: number, at: number) => void) | null = null;
  private clock: PlayoutClock;
  private decoder: AudioDecoder | null = null;
  // Timestamps of the packets in the decoder, oldest first. Opus gives one
  // output per packet, in order; Chromium stamps outputs by counting samples
  // from the first packet, which is wrong after a gap (packets the server
  // or the backlog guard dropped), so the outputs take these instead.
  private inFlight: { ts: number; dur: number }[] = [];
  private refused = 0; // packets refused while the decoder was backlogged
  private batch: { data: Uint8Array[]; durs: number[]; ts: number; dur: number } = { data: [], durs: [], ts: 0, dur: 0 };
  private preroll: { data: Uint8Array; dur: number }[] = []; // last 40 ms of the previous batch
  private readonly batchUs: number;
  private playedUntil = 0; // context time the last scheduled packet ends
  private closed = false;
  private ownsContext: boolean;

  constructor(opts: AudioPlayerOptions) {
    this.ownsContext = !opts.context;
    // 48 kHz, the packets' rate: no resampling in the browser.
    this.context = opts.context ?? new AudioContext({ sampleRate: 48000, latencyHint: opts.latencyHint ?? 0 });
    this.output = this.context.createGain();
    this.output.connect(this.context.destination);
    this.clock = new PlayoutClock(opts);
    this.batchUs = Math.max(1, opts.fallbackBatchMs ?? 40) * 1000;
    if (!opts.forceFallback && hasWebCodecsAudio()) {
      try {
        this.decoder = new AudioDecoder({
          output: (d) => this.onDecoded(d),
          error: () => {
            // A broken decoder falls back for the rest of the session.
            this.stats.errors++;
            this.decoder = null;
            this.stats.decoder = "fallback";
          },
        });
        this.decoder.configure(CONFIG);
        this.stats.decoder = "webcodecs";
      } catch {
        this.decoder = null;
      }
    }
    if (!this.decoder) this.stats.decoder = "fallback";
  }

  onPacket(bytes: Uint8Array, timestampUs: number, durationUs = 10000): void {
    if (this.closed) return;
    this.stats.packets++;
    if (this.decoder && this.decoder.state === "configured") {
      // Backlog guard: a tab in the background must not queue forever.
      if (this.decoder.decodeQueueSize > 50) {
        this.refused++;
        this.stats.late = this.clock.late + this.refused;
        this.stats.lostMs += durationUs / 1000;
        return;
      }
      this.inFlight.push({ ts: timestampUs, dur: durationUs });
      this.decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: timestampUs, duration: durationUs, data: bytes }));
      return;
    }
    const b = this.batch;
    if (b.data.length === 0) b.ts = timestampUs;
    b.data.push(bytes.slice());
    b.durs.push(durationUs);
    b.dur += durationUs;
    if (b.dur >= this.batchUs) this.flushFallback();
  }

  private flushFallback(): void {
    const { data, durs, ts, dur } = this.batch;
    this.batch = { data: [], durs: [], ts: 0, dur: 0 };
    // Each file is decoded by a fresh decoder: lead it in with the previous
    // 40 ms, decoded and discarded (pre-skip), so levels do not start low.
    const pre = this.preroll;
    const preSamples = Math.round((pre.reduce((s, p) => s + p.dur, 0) * 48) / 1000);
    const file = oggOpusFile(
      [...pre.map((p) => p.data), ...data],
      preSamples + Math.round((dur * 48) / 1000),
      preSamples,
    );
    const all = [...pre, ...data.map((d, i) => ({ data: d, dur: durs[i] }))];
    let keep = 0;
    for (let us = 0; keep < all.length && us < 40000; keep++) us += all[all.length - 1 - keep].dur;
    this.preroll = all.slice(all.length - keep);
    this.context.decodeAudioData(file.buffer as ArrayBuffer).then(
      (buf) => this.play(buf, ts, dur),
      () => this.stats.errors++,
    );
  }

  private onDecoded(d: AudioData): void {
    try {
      const frames = d.numberOfFrames;
      const channels = Math.min(2, d.numberOfChannels);
      const buf = this.context.createBuffer(2, frames, d.sampleRate);
      const plane = new Float32Array(frames);
      for (let c = 0; c < 2; c++) {
        d.copyTo(plane, { planeIndex: Math.min(c, channels - 1), format: "f32-planar" });
        buf.copyToChannel(plane, c);
      }
      const src = this.inFlight.shift() ?? { ts: d.timestamp, dur: (frames * 1e6) / d.sampleRate };
      this.play(buf, src.ts, src.dur);
    } catch {
      this.stats.errors++;
    } finally {
      d.close();
    }
  }

  private play(buf: AudioBuffer, timestampUs: number, durationUs: number): void {
    if (this.closed) return;
    this.stats.decoded++;
    const at = this.clock.schedule(timestampUs, durationUs, this.context.currentTime);
    this.stats.late = this.clock.late + this.refused;
    this.stats.bufferMs = this.clock.bufferMs;
    this.stats.trims = this.clock.trims;
    if (at === null) {
      this.stats.lostMs += durationUs / 1000;
      return;
    }
    // After a trim the packet may start before the previous one ends: cut
    // its beginning rather than sum the two.
    const cut = Math.max(0, this.playedUntil - at);
    this.stats.lostMs += Math.min(cut, buf.duration) * 1000;
    if (cut >= buf.duration - 1e-6) return;
    const start = at + (cut > 1e-6 ? cut : 0);
    this.playedUntil = at + buf.duration;
    this.stats.playedMs += (buf.duration - cut) * 1000;
    const src = this.context.createBufferSource();
    src.buffer = buf;
    src.connect(this.output);
    if (cut > 1e-6) src.start(start, cut);
    else src.start(at);
    this.onPlay?.(buf, timestampUs, at);
  }

  setVolume(v: number): void {
    this.volume = Math.min(1, Math.max(0, v));
    this.applyGain();
  }
  setMuted(m: boolean): void {
    this.muted = m;
    this.applyGain();
  }
  private applyGain(): void {
    this.output.gain.setTargetAtTime(this.muted ? 0 : this.volume, this.context.currentTime, 0.01);
  }

  resume(): Promise<void> {
    return this.context.resume();
  }

  mediaTimeUs(): number | null {
    const lat = (this.context.outputLatency || 0) + (this.context.baseLatency || 0);
    return this.clock.mediaTimeUs(this.context.currentTime - lat);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.decoder?.close();
    } catch {
      // already closed
    }
    this.output.disconnect();
    if (this.ownsContext) void this.context.close();
  }
}

export function createAudioPlayer(opts: AudioPlayerOptions = {}): AudioPlayer {
  return new Player(opts);
}
