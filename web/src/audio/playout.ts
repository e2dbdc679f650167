// PlayoutClock: when to play each audio packet, in AudioContext seconds.
//
// The first packet anchors the server timeline (timestamp_us) to the
// context's clock `targetMs` in the future: that is the jitter buffer. Later
// packets play at anchor + (timestamp - first timestamp), so the server's
// pacing, not the network's, sets the rhythm. A packet that would start in
// the past is late: it is dropped and the buffer grows by 10 ms (up to
// maxMs). A buffer that stays more than 15 ms above target for a second
// (clock drift, a burst, a slow first decode) is re-anchored to the target. Pure logic, no Web Audio: unit-testable.

export interface PlayoutOptions {
  targetMs?: number; // initial jitter buffer
  maxMs?: number;
}

export class PlayoutClock {
  private anchorCtx = 0; // context time of anchorTs
  private anchorTs = 0; // server microseconds
  private anchored = false;
  private targetMs: number;
  private readonly maxMs: number;
  private highSince = -1;
  late = 0;
  reanchors = 0;

  constructor(opts: PlayoutOptions = {}) {
    this.targetMs = opts.targetMs ?? 30;
    this.maxMs = opts.maxMs ?? 200;
  }

  get bufferMs(): number {
    return this.targetMs;
  }

  // Returns the context time to start the packet at, or null to drop it.
  schedule(timestampUs: number, durationUs: number, now: number): number | null {
    if (!this.anchored) this.anchor(timestampUs, now);
    let at = this.anchorCtx + (timestampUs - this.anchorTs) / 1e6;
    if (at < now) {
      // Late (network stall or a slow decoder): drop it, buffer more.
      this.late++;
      this.targetMs = Math.min(this.maxMs, this.targetMs + 10);
      this.anchor(timestampUs + durationUs, now);
      return null;
    }
    const aheadMs = (at - now) * 1000;
    // More than a packet or so above target for a second (a slow first
    // decode, a burst, clock drift): come back to the target, at the cost
    // of one overlap. Every millisecond here is latency.
    if (aheadMs > this.targetMs + 15) {
      if (this.highSince < 0) this.highSince = now;
      if (now - this.highSince > 1 || aheadMs > this.maxMs + 100) {
        this.anchor(timestampUs, now);
        at = this.anchorCtx;
        this.highSince = -1;
      }
    } else {
      this.highSince = -1;
    }
    return at;
  }

  // The server timestamp being heard at context time `now` (for A/V sync:
  // a video frame stamped t should be shown when mediaTimeUs(now) >= t).
  mediaTimeUs(now: number): number | null {
    if (!this.anchored) return null;
    return this.anchorTs + (now - this.anchorCtx) * 1e6;
  }

  private anchor(timestampUs: number, now: number): void {
    if (this.anchored) this.reanchors++;
    this.anchored = true;
    this.anchorTs = timestampUs;
    this.anchorCtx = now + this.targetMs / 1000;
  }
}
