// Where the viewer's stream is decoded and drawn. By default in a paint
// worker (paint_worker.ts) that owns the canvas as an OffscreenCanvas: the
// WebSocket message's buffer is transferred to it (no copy), and the frame is
// decoded and drawn there, so a slow decode or draw never blocks the page's
// main thread (input, audio, the console). Browsers that cannot transfer a
// canvas to a worker paint on the main thread with the same StreamPainter.
//
// Test and benchmark hook: window.__vmiPainter = "main" before a viewer is
// created makes it paint on the main thread (bench/stream measures both).

import { FrameInfo, PainterEvents, RegionInput, StreamPainter } from "./decoder";
import type { FromWorker, ToWorker } from "./paint_messages";

export interface Painter {
  readonly offThread: boolean;
  configure(codec: "h264" | "jpeg", codecString: string, width: number, height: number): void;
  // `data` lies inside `buf`; the painter takes `buf` over (it may be
  // transferred to the worker and unusable afterwards).
  // receivedAtMs: Date.now() when the message reached the page.
  video(buf: ArrayBuffer, data: Uint8Array, keyframe: boolean, timestampUs: number, receivedAtMs: number): void;
  // Region pictures (each part's data lies inside `buf`).
  regions(buf: ArrayBuffer, parts: RegionInput[], timestampUs: number, receivedAtMs: number): void;
  jpeg(buf: ArrayBuffer, data: Uint8Array, x: number, y: number, timestampUs: number, full: boolean,
    receivedAtMs: number): void;
  setProbe(y: number | null): void;
  pixels(x: number, y: number, w: number, h: number): Promise<Uint8ClampedArray>;
  close(): void;
}

class MainThreadPainter implements Painter {
  readonly offThread = false;
  private p: StreamPainter;
  constructor(canvas: HTMLCanvasElement, events: PainterEvents) {
    this.p = new StreamPainter(canvas, events);
  }
  configure(codec: "h264" | "jpeg", codecString: string, width: number, height: number): void {
    this.p.configure(codec, codecString, width, height);
  }
  video(_buf: ArrayBuffer, data: Uint8Array, keyframe: boolean, timestampUs: number, receivedAtMs: number): void {
    this.p.video(data, keyframe, timestampUs, receivedAtMs);
  }
  regions(_buf: ArrayBuffer, parts: RegionInput[], timestampUs: number, receivedAtMs: number): void {
    this.p.regions(parts, timestampUs, receivedAtMs);
  }
  jpeg(_buf: ArrayBuffer, data: Uint8Array, x: number, y: number, timestampUs: number, full: boolean,
    receivedAtMs: number): void {
    void this.p.jpeg(data, x, y, timestampUs, full, receivedAtMs);
  }
  setProbe(y: number | null): void {
    this.p.setProbe(y);
  }
  pixels(x: number, y: number, w: number, h: number): Promise<Uint8ClampedArray> {
    return Promise.resolve(this.p.pixels(x, y, w, h));
  }
  close(): void {
    this.p.close();
  }
}

class WorkerPainter implements Painter {
  readonly offThread = true;
  private worker: Worker;
  private nextId = 1;
  private reads = new Map<number, { resolve: (d: Uint8ClampedArray) => void; reject: (e: Error) => void }>();

  constructor(canvas: HTMLCanvasElement, events: PainterEvents) {
    this.worker = new Worker(new URL("./paint_worker.ts", import.meta.url), { type: "module", name: "vmi-paint" });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      switch (m.ev) {
        case "key":
          events.needKeyframe();
          break;
        case "painted": {
          const { ev: _ev, ...info } = m;
          events.painted(info as FrameInfo);
          break;
        }
        case "done":
          events.done(m.timestampUs);
          break;
        case "pixels": {
          const r = this.reads.get(m.id);
          this.reads.delete(m.id);
          if (m.data) r?.resolve(m.data);
          else r?.reject(new Error(m.error ?? "pixels unavailable"));
          break;
        }
      }
    };
    this.worker.onerror = (e) => console.warn("paint worker error", e.message);
    const offscreen = canvas.transferControlToOffscreen();
    this.post({ op: "init", canvas: offscreen }, [offscreen]);
  }

  private post(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  configure(codec: "h264" | "jpeg", codecString: string, width: number, height: number): void {
    this.post({ op: "configure", codec, codecString, width, height });
  }
  video(buf: ArrayBuffer, data: Uint8Array, keyframe: boolean, timestampUs: number, receivedAtMs: number): void {
    this.post(
      { op: "video", buf, offset: data.byteOffset, length: data.byteLength, keyframe, timestampUs, receivedAtMs },
      [buf],
    );
  }
  regions(buf: ArrayBuffer, parts: RegionInput[], timestampUs: number, receivedAtMs: number): void {
    const where = parts.map(({ data, ...p }) => ({ ...p, offset: data.byteOffset, length: data.byteLength }));
    this.post({ op: "regions", buf, parts: where, timestampUs, receivedAtMs }, [buf]);
  }
  jpeg(buf: ArrayBuffer, data: Uint8Array, x: number, y: number, timestampUs: number, full: boolean,
    receivedAtMs: number): void {
    this.post(
      { op: "jpeg", buf, offset: data.byteOffset, length: data.byteLength, x, y, timestampUs, full, receivedAtMs },
      [buf],
    );
  }
  setProbe(y: number | null): void {
    this.post({ op: "probe", y });
  }
  pixels(x: number, y: number, w: number, h: number): Promise<Uint8ClampedArray> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.reads.set(id, { resolve, reject });
      this.post({ op: "pixels", id, x, y, w, h });
    });
  }
  close(): void {
    this.post({ op: "close" });
    for (const r of this.reads.values()) r.reject(new Error("viewer closed"));
    this.reads.clear();
  }
}

export function createPainter(canvas: HTMLCanvasElement, events: PainterEvents): Painter {
  const forceMain = (globalThis as { __vmiPainter?: string }).__vmiPainter === "main";
  const canTransfer =
    typeof Worker === "function" &&
    typeof canvas.transferControlToOffscreen === "function" &&
    typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === "function";
  if (!forceMain && canTransfer) return new WorkerPainter(canvas, events);
  return new MainThreadPainter(canvas, events);
}
