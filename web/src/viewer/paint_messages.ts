// Messages between the viewer (page main thread) and its paint worker
// (paint_worker.ts). Encoded frames travel in the WebSocket message's own
// ArrayBuffer, transferred (not copied); `offset`/`length` locate the access
// unit or JPEG image inside it.

import type { FrameInfo } from "./decoder";

export type ToWorker =
  | { op: "init"; canvas: OffscreenCanvas }
  | { op: "configure"; codec: "h264" | "jpeg"; codecString: string; width: number; height: number }
  | {
      op: "video";
      buf: ArrayBuffer;
      offset: number;
      length: number;
      keyframe: boolean;
      timestampUs: number;
      receivedAtMs: number;
    }
  | {
      op: "regions";
      buf: ArrayBuffer;
      // Each part's access unit as offset/length in `buf`.
      parts: { id: number; x: number; y: number; w: number; h: number; keyframe: boolean; offset: number; length: number }[];
      timestampUs: number;
      receivedAtMs: number;
    }
  | {
      op: "jpeg";
      buf: ArrayBuffer;
      offset: number;
      length: number;
      x: number;
      y: number;
      timestampUs: number;
      full: boolean;
      receivedAtMs: number;
    }
  | { op: "probe"; y: number | null }
  | { op: "pixels"; id: number; x: number; y: number; w: number; h: number }
  | { op: "close" };

export type FromWorker =
  | { ev: "key" }
  | ({ ev: "painted" } & FrameInfo)
  | { ev: "done"; timestampUs: number }
  | { ev: "pixels"; id: number; data: Uint8ClampedArray | null; error?: string };
