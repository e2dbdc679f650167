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

export interface FrameInfo {
  timestampUs: number; // server capture time, wall clock
  keyframe: boolean;
  paintedAtMs: number; // Date.now() just after the picture was drawn
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

export class StreamPainter {
  private decoder: VideoDecoder | null = null;
  private ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
  private waitingKey = true;
  private pending = new Map<number, boolean>(); // timestamp -> keyframe
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
    this.closeDecoder();
    this.waitingKey = true;
    if (codec !== "h264") return;
    this.decoder = new VideoDecoder({
      output: (frame) => this.paint(frame),
      error: (e) => {
        console.warn("decoder error", e);
        this.errors++;
        this.decoder = null;
        this.configure(codec, codecString, width, height);
        this.needKeyframe();
      },
    });
    // No `description`: the stream is Annex-B with SPS/PPS in every keyframe.
    this.decoder.configure({
      codec: codecString,
      codedWidth: width,
      codedHeight: height,
      optimizeForLatency: true,
      hardwareAcceleration: "no-preference",
    });
  }

  video(data: Uint8Array, keyframe: boolean, timestampUs: number): void {
    if (!this.decoder || this.decoder.state !== "configured") return this.events.done(timestampUs);
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
    if (this.decoder.decodeQueueSize > 3) {
      this.needKeyframe();
      return this.events.done(timestampUs);
    }
    this.waitingKey = false;
    this.pending.set(timestampUs, keyframe);
    this.decoder.decode(
      new EncodedVideoChunk({ type: keyframe ? "key" : "delta", timestamp: timestampUs, data }),
    );
  }

  async jpeg(data: Uint8Array, x: number, y: number, timestampUs: number, full: boolean): Promise<void> {
    const blob = new Blob([data as BlobPart], { type: "image/jpeg" });
    const bitmap = await createImageBitmap(blob);
    this.ctx.drawImage(bitmap, x, y);
    bitmap.close();
    this.decoded++;
    this.report(timestampUs, full);
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

  private paint(frame: VideoFrame): void {
    this.ctx.drawImage(frame, 0, 0, this.canvas.width, this.canvas.height);
    const timestampUs = frame.timestamp;
    const keyframe = this.pending.get(timestampUs) ?? false;
    this.pending.delete(timestampUs);
    if (this.pending.size > 64) this.pending.clear();
    frame.close();
    this.decoded++;
    this.report(timestampUs, keyframe);
  }

  private report(timestampUs: number, keyframe: boolean): void {
    const info: FrameInfo = { timestampUs, keyframe, paintedAtMs: Date.now() };
    if (this.probeY !== null && this.probeY < this.canvas.height) {
      info.probe = this.ctx.getImageData(0, this.probeY, this.canvas.width, 1).data;
    }
    this.events.painted(info);
    this.events.done(timestampUs);
  }

  private closeDecoder(): void {
    if (this.decoder && this.decoder.state !== "closed") this.decoder.close();
    this.decoder = null;
    this.pending.clear();
  }

  close(): void {
    this.closeDecoder();
  }
}
