// The paint worker: decodes (WebCodecs) and draws the stream into the
// viewer's canvas, transferred here as an OffscreenCanvas, so the page's main
// thread never waits on a decoder output or a canvas draw and input, audio
// and the console stay responsive while a frame is painted.
//
// One worker per viewer, started by painter.ts and terminated with it. It
// holds no queue of its own: each message is handled as it arrives, and the
// StreamPainter reports every frame exactly once (painted and/or done),
// which the viewer turns into the FRAME ACK that paces the server.

import { FrameInfo, StreamPainter } from "./decoder";
import type { FromWorker, ToWorker } from "./paint_messages";

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  close(): void;
}
const scope = self as unknown as WorkerScope;
let painter: StreamPainter | null = null;

const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.op === "init") {
    painter = new StreamPainter(m.canvas, {
      needKeyframe: () => post({ ev: "key" }),
      painted: (info: FrameInfo) =>
        post({ ev: "painted", ...info }, info.probe ? [info.probe.buffer as ArrayBuffer] : []),
      done: (timestampUs: number) => post({ ev: "done", timestampUs }),
    });
    return;
  }
  if (!painter) return;
  switch (m.op) {
    case "configure":
      painter.configure(m.codec, m.codecString, m.width, m.height);
      break;
    case "video":
      painter.video(new Uint8Array(m.buf, m.offset, m.length), m.keyframe, m.timestampUs, m.receivedAtMs);
      break;
    case "regions":
      painter.regions(
        m.parts.map((p) => ({ ...p, data: new Uint8Array(m.buf, p.offset, p.length) })),
        m.timestampUs,
        m.receivedAtMs,
      );
      break;
    case "jpeg":
      void painter.jpeg(new Uint8Array(m.buf, m.offset, m.length), m.x, m.y, m.timestampUs, m.full, m.receivedAtMs);
      break;
    case "probe":
      painter.setProbe(m.y);
      break;
    case "pixels":
      try {
        const data = painter.pixels(m.x, m.y, m.w, m.h);
        post({ ev: "pixels", id: m.id, data }, [data.buffer as ArrayBuffer]);
      } catch (err) {
        post({ ev: "pixels", id: m.id, data: null, error: String(err) });
      }
      break;
    case "close":
      painter.close();
      painter = null;
      scope.close();
      break;
  }
};
