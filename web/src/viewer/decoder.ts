// Paints the stream into a canvas: H.264 through WebCodecs' VideoDecoder, or
// JPEG images (the fallback when VideoDecoder is missing). One instance per
// connection; reconfigured on every CONFIG message.
//
// Every frame handed in ends in exactly one onDone call: when it was painted,
// or at once when it was not decoded (waiting for a keyframe). The viewer
// acknowledges each to the server, which sends new frames only as these come
// back, so nothing queues here.

export interface FrameInfo {
  timestampUs: number; // server capture time, wall clock
  keyframe: boolean;
}

export function hasWebCodecs(): boolean {
  return typeof (globalThis as { VideoDecoder?: unknown }).VideoDecoder === "function";
}

export class StreamPainter {
  private decoder: VideoDecoder | null = null;
  private ctx: CanvasRenderingContext2D;
  private waitingKey = true;
  private pending = new Map<number, FrameInfo>();
  private lastKeyRequest = 0;
  decoded = 0;
  errors = 0;

  constructor(
    private canvas: HTMLCanvasElement,
    private onNeedKeyframe: () => void,
    private onPainted: (info: FrameInfo) => void,
    private onDone: (timestampUs: number) => void = () => {},
  ) {
    const ctx = canvas.getContext("2d", { alpha: false, willReadFrequently: false });
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
    if (!this.decoder || this.decoder.state !== "configured") return this.onDone(timestampUs);
    if (this.waitingKey && !keyframe) {
      // Ask again now and then: the server rate-limits requests, and the
      // keyframe it sent may have been skipped below.
      if (performance.now() - this.lastKeyRequest > 500) this.needKeyframe();
      return this.onDone(timestampUs);
    }
    // Queue depth guard: if decoding falls behind, start over from a keyframe
    // rather than building latency. Three frames queued is 100 ms behind at
    // 30 fps; a software decoder on a busy machine (measured with
    // bench/stream) otherwise kept a queue of 7-9 and the latency with it.
    if (this.decoder.decodeQueueSize > 3) {
      this.needKeyframe();
      return this.onDone(timestampUs);
    }
    this.waitingKey = false;
    this.pending.set(timestampUs, { timestampUs, keyframe });
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
    this.onPainted({ timestampUs, keyframe: full });
    this.onDone(timestampUs);
  }

  private needKeyframe(): void {
    this.waitingKey = true;
    this.lastKeyRequest = performance.now();
    this.onNeedKeyframe();
  }

  private paint(frame: VideoFrame): void {
    this.ctx.drawImage(frame, 0, 0, this.canvas.width, this.canvas.height);
    const info = this.pending.get(frame.timestamp) ?? { timestampUs: frame.timestamp, keyframe: false };
    this.pending.delete(frame.timestamp);
    if (this.pending.size > 64) this.pending.clear();
    frame.close();
    this.decoded++;
    this.onPainted(info);
    this.onDone(info.timestampUs);
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
