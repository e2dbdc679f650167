// Paints the stream into a canvas: H.264 through WebCodecs' VideoDecoder, or
// JPEG images (the fallback when VideoDecoder is missing). One instance per
// connection; reconfigured on every CONFIG message. It runs wherever its
// canvas lives: in the paint worker on an OffscreenCanvas (paint_worker.ts,
// the usual case), or on the page's main thread on the canvas element itself
// when the browser cannot transfer a canvas to a worker (painter.ts picks).
//
// Every frame handed in ends in exactly one done() call: when it was painted,
// or at once when it was not decoded (waiting for a keyframe). The viewer
// acknowledges each to the server, which sends new frames only as these come
// back, so nothing queues here.
//
// Region frames (REGIONS messages): small changes come as pictures of small
// streams of their own, each decoded by a VideoDecoder of its own and drawn
// at its place. Decoders finish in any order; the painter draws each frame's
// pictures only once all of them are out and every earlier frame is drawn,
// so the canvas always shows the screen as of one frame. A full-stream frame
// ends region mode: the region decoders are flushed and closed (the server
// never reuses a region id).

export interface FrameInfo {
  timestampUs: number; // server capture time, wall clock
  keyframe: boolean;
  regions: number; // region pictures drawn (0: a full-stream picture)
  // Where the time went (Date.now(), for benchmarks): the message reached
  // the page, then the painter; the last picture of the frame left its
  // decoder; the frame was drawn.
  receivedAtMs: number;
  queuedAtMs: number;
  decodedAtMs: number;
  paintedAtMs: number;
  // Row `probeY` of the canvas as drawn (RGBA), when a probe is set
  // (setProbe; benchmarks read a timestamp the guest drew into its screen).
  probe?: Uint8ClampedArray;
}

// What a painter reports back (to the viewer, possibly across a worker).
export interface PainterEvents {
  needKeyframe(): void;
  painted(info: FrameInfo): void;
  done(timestampUs: number): void;
}

export type PaintCanvas = HTMLCanvasElement | OffscreenCanvas;

export function hasWebCodecs(): boolean {
  return typeof (globalThis as { VideoDecoder?: unknown }).VideoDecoder === "function";
}

export interface RegionInput {
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  keyframe: boolean;
  data: Uint8Array;
}

// One frame on its way through the decoders: `slots` fill as pictures come
// out; drawn when none is missing.
interface Job {
  timestampUs: number;
  keyframe: boolean;
  receivedAtMs: number;
  queuedAtMs: number;
  decodedAtMs: number;
  rects: ({ x: number; y: number; w: number; h: number } | null)[]; // null: the whole canvas
  slots: (VideoFrame | null)[];
  missing: number;
}

// A VideoDecoder with the (job, slot) of each chunk it was given, in order
// (a decoder outputs in decode order).
interface Dec {
  decoder: VideoDecoder;
  waiting: { job: Job; slot: number }[];
}

export class StreamPainter {
  private decoder: Dec | null = null;
  private regionDecoders = new Map<number, Dec>();
  private ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
  private waitingKey = true;
  private jobs: Job[] = [];
  private codecString = "";
  private lastKeyRequest = 0;
  private probeY: number | null = null;
  decoded = 0;
  errors = 0;

  constructor(
    private canvas: PaintCanvas,
    private events: PainterEvents,
  ) {
    const ctx = canvas.getContext("2d", { alpha: false, willReadFrequently: false }) as
      | CanvasRenderingContext2D
      | OffscreenCanvasRenderingContext2D
      | null;
    if (!ctx) throw new Error("no 2d canvas context");
    this.ctx = ctx;
  }

  configure(codec: "h264" | "jpeg", codecString: string, width: number, height: number): void {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.closeDecoders();
    this.waitingKey = true;
    this.codecString = codecString;
    if (codec !== "h264") return;
    this.decoder = this.newDecoder(width, height, () => {
      this.configure(codec, codecString, width, height);
      this.needKeyframe();
    });
  }

  // A decoder whose pictures fill their job's slot; `onError` recovers.
  private newDecoder(width: number, height: number, onError: () => void): Dec {
    const dec: Dec = {
      decoder: new VideoDecoder({
        output: (frame) => {
          // Pictures come out in decode order; one whose chunk was given up
          // on (abandonJobs) matches no entry and is dropped, and an entry
          // passed over (its chunk produced no picture) leaves its slot empty.
          let w = dec.waiting.shift();
          while (w && w.job.timestampUs !== frame.timestamp) {
            w.job.missing--;
            w = dec.waiting.shift();
          }
          if (!w) {
            frame.close();
          } else {
            w.job.slots[w.slot] = frame;
            w.job.missing--;
            w.job.decodedAtMs = Date.now();
          }
          this.drain();
        },
        error: (e) => {
          console.warn("decoder error", e);
          this.errors++;
          onError();
        },
      }),
      waiting: [],
    };
    // No `description`: the stream is Annex-B with SPS/PPS in every keyframe.
    dec.decoder.configure({
      codec: this.codecString,
      codedWidth: width,
      codedHeight: height,
      optimizeForLatency: true,
      hardwareAcceleration: "no-preference",
    });
    return dec;
  }

  video(data: Uint8Array, keyframe: boolean, timestampUs: number, receivedAtMs = Date.now()): void {
    const dec = this.decoder;
    if (!dec || dec.decoder.state !== "configured") return this.events.done(timestampUs);
    if (this.waitingKey && !keyframe) {
      // Ask again now and then: the server rate-limits requests, and the
      // keyframe it sent may have been skipped below.
      if (performance.now() - this.lastKeyRequest > 500) this.needKeyframe();
      return this.events.done(timestampUs);
    }
    // Queue depth guard: if decoding falls behind, start over from a keyframe
    // rather than building latency. With frame acks the server keeps at most
    // two frames in flight, so this only trips for a client that does not
    // ack in time (a guard, not the pacing).
    if (dec.decoder.decodeQueueSize > 3) {
      this.needKeyframe();
      return this.events.done(timestampUs);
    }
    this.waitingKey = false;
    this.endRegions();
    const job = this.newJob(timestampUs, keyframe, receivedAtMs, [null]);
    dec.waiting.push({ job, slot: 0 });
    dec.decoder.decode(new EncodedVideoChunk({ type: keyframe ? "key" : "delta", timestamp: timestampUs, data }));
  }

  // parts: every live region, with an access unit where it changed (an
  // empty `data`: unchanged). A region the message does not list is gone.
  regions(parts: RegionInput[], timestampUs: number, receivedAtMs = Date.now()): void {
    if (!this.decoder || this.waitingKey) return this.events.done(timestampUs);
    const listed = new Set(parts.map((p) => p.id));
    for (const [id, d] of this.regionDecoders) {
      if (listed.has(id)) continue;
      this.retire(d);
      this.regionDecoders.delete(id);
    }
    // A region continued without its stream's start (the decoder was
    // reset): only a keyframe of the full stream recovers.
    const lost = parts.some((p) => !(p.keyframe && p.data.byteLength) && !this.regionDecoders.has(p.id));
    // Decoders that fall behind, or a frame that waits on a picture that
    // never came out: start over from a keyframe rather than build delay.
    const behind =
      [...this.regionDecoders.values()].some((d) => d.decoder.decodeQueueSize > 3) ||
      (this.jobs.length > 0 && Date.now() - this.jobs[0].queuedAtMs > 1000);
    if (lost || behind) {
      this.abandonJobs();
      this.needKeyframe();
      return this.events.done(timestampUs);
    }
    const changed = parts.filter((p) => p.data.byteLength > 0);
    const job = this.newJob(timestampUs, false, receivedAtMs, changed.map((p) => ({ x: p.x, y: p.y, w: p.w, h: p.h })));
    changed.forEach((p, slot) => {
      let dec = this.regionDecoders.get(p.id);
      if (!dec || p.keyframe) {
        if (dec) this.retire(dec);
        dec = this.newDecoder(p.w, p.h, () => {
          this.abandonJobs();
          this.needKeyframe();
        });
        this.regionDecoders.set(p.id, dec);
      }
      dec.waiting.push({ job, slot });
      dec.decoder.decode(new EncodedVideoChunk({ type: p.keyframe ? "key" : "delta", timestamp: timestampUs, data: p.data }));
    });
    this.drain(); // a message with no picture at all completes at once
  }

  private newJob(timestampUs: number, keyframe: boolean, receivedAtMs: number, rects: Job["rects"]): Job {
    const job: Job = {
      timestampUs, keyframe, receivedAtMs, queuedAtMs: Date.now(), decodedAtMs: 0, rects,
      slots: rects.map(() => null), missing: rects.length,
    };
    this.jobs.push(job);
    return job;
  }

  // Draws every complete frame at the head of the queue, in arrival order.
  private drain(): void {
    while (this.jobs.length && this.jobs[0].missing === 0) {
      const job = this.jobs.shift()!;
      job.slots.forEach((frame, i) => {
        const r = job.rects[i];
        if (!frame) return;
        if (r) this.ctx.drawImage(frame, r.x, r.y, r.w, r.h);
        else this.ctx.drawImage(frame, 0, 0, this.canvas.width, this.canvas.height);
        frame.close();
      });
      this.decoded++;
      this.report(job.timestampUs, job.keyframe, job.rects[0] ? job.rects.length : 0, job);
    }
  }

  // A full-stream picture covers every region: their decoders finish what
  // they were given (their pictures are drawn before it) and close.
  private endRegions(): void {
    for (const d of this.regionDecoders.values()) this.retire(d);
    this.regionDecoders.clear();
  }

  private retire(d: Dec): void {
    if (d.decoder.state !== "configured") return;
    d.decoder.flush().then(
      () => d.decoder.state !== "closed" && d.decoder.close(),
      () => {},
    );
  }

  // Frames that will never be drawn (a decoder failed or was reset) are
  // reported done, so the server's in-flight count does not wait for them.
  private abandonJobs(): void {
    for (const job of this.jobs) {
      for (const f of job.slots) f?.close();
      this.events.done(job.timestampUs);
    }
    this.jobs = [];
    for (const d of [this.decoder, ...this.regionDecoders.values()]) if (d) d.waiting = [];
    this.endRegions();
  }

  async jpeg(data: Uint8Array, x: number, y: number, timestampUs: number, full: boolean, receivedAtMs = Date.now()): Promise<void> {
    const queuedAtMs = Date.now();
    const blob = new Blob([data as BlobPart], { type: "image/jpeg" });
    const bitmap = await createImageBitmap(blob);
    const decodedAtMs = Date.now();
    this.ctx.drawImage(bitmap, x, y);
    bitmap.close();
    this.decoded++;
    this.report(timestampUs, full, 0, { receivedAtMs, queuedAtMs, decodedAtMs });
  }

  // After each painted frame, hand row y of the canvas along (null: stop).
  setProbe(y: number | null): void {
    this.probeY = y;
  }

  // RGBA pixels of a rectangle of the canvas as painted (tests).
  pixels(x: number, y: number, w: number, h: number): Uint8ClampedArray {
    return this.ctx.getImageData(x, y, w, h).data;
  }

  private needKeyframe(): void {
    this.waitingKey = true;
    this.lastKeyRequest = performance.now();
    this.events.needKeyframe();
  }

  private report(
    timestampUs: number,
    keyframe: boolean,
    regions: number,
    t: { receivedAtMs: number; queuedAtMs: number; decodedAtMs: number },
  ): void {
    const info: FrameInfo = {
      timestampUs, keyframe, regions, receivedAtMs: t.receivedAtMs, queuedAtMs: t.queuedAtMs,
      decodedAtMs: t.decodedAtMs, paintedAtMs: Date.now(),
    };
    if (this.probeY !== null && this.probeY < this.canvas.height) {
      info.probe = this.ctx.getImageData(0, this.probeY, this.canvas.width, 1).data;
    }
    this.events.painted(info);
    this.events.done(timestampUs);
  }

  private closeDecoders(): void {
    this.abandonJobs();
    for (const d of [this.decoder, ...this.regionDecoders.values()]) {
      if (d && d.decoder.state !== "closed") d.decoder.close();
    }
    this.decoder = null;
    this.regionDecoders.clear();
  }

  close(): void {
    this.closeDecoders();
  }
}
