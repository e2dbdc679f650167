// PlayoutClock: when to play each audio packet, in AudioContext seconds.
//
// The first packet anchors the server timeline (timestamp_us) to the
// context's clock `targetMs` in the future: that is the jitter buffer
// (default 10 ms: on loopback and a quiet LAN nothing arrives late, and
// each late packet grows it, see below). For
// the first 0.5 s, a packet that would be less than that ahead moves the
// anchor instead (the slowest of the first packets sets the offset). Later
// packets play at anchor + (timestamp - first timestamp), so the server's
// pacing, not the network's, sets the rhythm. A packet that would start in
// the past is late: it is dropped and the buffer grows by 10 ms (up to
// maxMs); after 5 s without a late packet it gives 10 ms back (down to the
// initial target). A buffer that stays more than 15 ms above target for a
// second (clock drift, a burst, a shrink) is re-anchored to the target. Pure logic, no Web Audio: unit-testable.

export interface PlayoutOptions {
  targetMs?: number; // initial jitter buffer
  maxMs?: number;
}

const WARMUP_S = 0.5;
const SHRINK_AFTER_S = 5;

export class PlayoutClock {
  private anchorCtx = 0; // context time of anchorTs
  private anchorTs = 0; // server microseconds
  private anchored = false;
  private startedAt = 0; // context time of the first anchor
  private readonly initialMs: number;
  private lastLate = 0; // context time of the last late packet (or of the last shrink)
  private targetMs: number;
  private readonly maxMs: number;
  private highSince = -1;
  late = 0;
  reanchors = 0;

  constructor(opts: PlayoutOptions = {}) {
    this.targetMs = opts.targetMs ?? 10;
    this.initialMs = this.targetMs;
    this.maxMs = opts.maxMs ?? 200;
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
    let at = this.anchorCtx + (timestampUs - this.anchorTs) / 1e6;
    if (now - this.startedAt < WARMUP_S && (at - now) * 1000 < this.targetMs) {
      // Warm-up: the first packets of a stream often arrive unevenly (the
      // decoder starting, a burst of queued messages). The slowest of them
      // sets the offset, with no late count and no growth of the buffer.
      this.anchorTs = timestampUs;
      this.anchorCtx = now + this.targetMs / 1000;
      return this.anchorCtx;
    }
    if (at < now) {
      // Late (network stall or a slow decoder): drop it, buffer more.
      this.late++;
      this.lastLate = now;
      this.targetMs = Math.min(this.maxMs, this.targetMs + 10);
      this.anchor(timestampUs + durationUs, now);
      return null;
    }
    // Quiet for 5 s: give back 10 ms of what lateness added (the rule
    // below then re-anchors to the smaller target).
    if (this.targetMs > this.initialMs && now - this.lastLate > SHRINK_AFTER_S) {
      this.targetMs = Math.max(this.initialMs, this.targetMs - 10);
      this.lastLate = now;
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
