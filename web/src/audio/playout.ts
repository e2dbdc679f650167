// PlayoutClock: when to play each audio packet, in AudioContext seconds.
//
// Packets play at anchor + (timestamp - anchor timestamp): the server's
// pacing, not the network's, sets the rhythm. The jitter buffer is how far
// ahead of the context's clock a packet is when it is scheduled (its
// slack); `bufferMs` is the least slack the clock aims for, i.e. the margin
// left for the slowest packet. The rules:
//
// - Start: the first packet plays bufferMs after it arrives. For the first
//   0.5 s a packet with less slack than that moves the anchor instead, with
//   no late count (the slowest of the first packets sets the offset).
// - Late: a packet that would start in the past is dropped, bufferMs grows
//   by 5 ms (up to maxMs) and the late packet's end becomes the new anchor,
//   bufferMs ahead (a short silence, then the stream is on time again).
// - Give back: 5 s without a late packet takes 5 ms off bufferMs, down to
//   the initial value.
// - Trim: every second, if even the slowest packet of that second had more
//   than 2 ms of slack beyond bufferMs, the anchor moves earlier by the
//   excess, so the slowest packet would have had exactly bufferMs. Packets
//   that now overlap the previous one are cut by the player. This is what
//   keeps a lucky start, a burst or clock drift from adding latency for
//   good: the typical packet is ahead by bufferMs plus the spread of its
//   arrival times, no more.
// - A packet more than maxMs + 100 ms ahead (a clock jump) re-anchors at
//   once.
//
// Defaults: bufferMs 10 on loopback and a quiet LAN (docs/audio.md,
// "Measured"). Pure logic, no Web Audio: unit-tested in node
// (tests/audio/playout.test.mjs).

export interface PlayoutOptions {
  targetMs?: number; // initial (and least) jitter buffer
  maxMs?: number;
}

const WARMUP_S = 0.5;
const GROW_MS = 5;
const GIVE_BACK_AFTER_S = 5;
const TRIM_WINDOW_S = 1;
const TRIM_SLOP_MS = 2;

export class PlayoutClock {
  private anchorCtx = 0; // context time of anchorTs
  private anchorTs = 0; // server microseconds
  private anchored = false;
  private startedAt = 0; // context time of the first anchor
  private readonly initialMs: number;
  private lastLate = 0; // context time of the last late packet (or of the last give-back)
  private targetMs: number;
  private readonly maxMs: number;
  private windowStart = -1; // context time the trim window opened
  private windowMinMs = Infinity; // least slack seen in it
  late = 0;
  reanchors = 0;
  trims = 0;
  trimmedMs = 0;

  constructor(opts: PlayoutOptions = {}) {
    this.targetMs = opts.targetMs ?? 10;
    this.initialMs = this.targetMs;
    this.maxMs = Math.max(this.targetMs, opts.maxMs ?? 200);
  }

  get bufferMs(): number {
    return this.targetMs;
  }

  // Returns the context time to start the packet at, or null to drop it.
  schedule(timestampUs: number, durationUs: number, now: number): number | null {
    if (!this.anchored) {
      this.anchor(timestampUs, now);
      this.startedAt = now;
    }
    let at = this.at(timestampUs);
    if (now - this.startedAt < WARMUP_S) {
      // Warm-up: the first packets of a stream often arrive unevenly (the
      // decoder starting, a burst of queued messages). The slowest of them
      // sets the offset, with no late count and no growth of the buffer.
      if ((at - now) * 1000 < this.targetMs) {
        this.anchorTs = timestampUs;
        this.anchorCtx = now + this.targetMs / 1000;
        at = this.anchorCtx;
      }
      return at;
    }
    if (at < now) {
      // Late (network stall or a slow decoder): drop it, buffer more.
      this.late++;
      this.lastLate = now;
      this.targetMs = Math.min(this.maxMs, this.targetMs + GROW_MS);
      this.anchor(timestampUs + durationUs, now);
      this.windowStart = -1;
      return null;
    }
    if (this.targetMs > this.initialMs && now - this.lastLate > GIVE_BACK_AFTER_S) {
      this.targetMs = Math.max(this.initialMs, this.targetMs - GROW_MS);
      this.lastLate = now;
    }
    if ((at - now) * 1000 > this.maxMs + 100) {
      this.anchor(timestampUs, now);
      this.windowStart = -1;
      return this.anchorCtx;
    }
    // Trim: the window's least slack, measured before this packet moves
    // anything.
    const slackMs = (at - now) * 1000;
    if (this.windowStart < 0) {
      this.windowStart = now;
      this.windowMinMs = slackMs;
    } else {
      this.windowMinMs = Math.min(this.windowMinMs, slackMs);
      if (now - this.windowStart >= TRIM_WINDOW_S) {
        const excessMs = this.windowMinMs - this.targetMs;
        if (excessMs > TRIM_SLOP_MS) {
          this.anchorCtx -= excessMs / 1000;
          this.trims++;
          this.trimmedMs += excessMs;
          at = this.at(timestampUs);
        }
        this.windowStart = now;
        this.windowMinMs = (at - now) * 1000;
      }
    }
    return at;
  }

  // The server timestamp being heard at context time `now` (for A/V sync:
  // a video frame stamped t should be shown when mediaTimeUs(now) >= t).
  mediaTimeUs(now: number): number | null {
    if (!this.anchored) return null;
    return this.anchorTs + (now - this.anchorCtx) * 1e6;
  }

  private at(timestampUs: number): number {
    return this.anchorCtx + (timestampUs - this.anchorTs) / 1e6;
  }

  private anchor(timestampUs: number, now: number): void {
    if (this.anchored) this.reanchors++;
    this.anchored = true;
    this.anchorTs = timestampUs;
    this.anchorCtx = now + this.targetMs / 1000;
  }
}
