// The viewer wire protocol, browser side. Mirrors src/stream/web/protocol.h;
// the byte diagrams live in src/stream/web/README.md. Little-endian.

export const PROTOCOL_VERSION = 1;

export const MsgType = {
  Config: 0x01,
  Video: 0x02,
  Jpeg: 0x03,
  ControlState: 0x04,
  Error: 0x05,
  Regions: 0x06,
  Hello: 0x10,
  Pointer: 0x11,
  Key: 0x12,
  Text: 0x13,
  Touch: 0x14,
  Command: 0x15,
  Control: 0x16,
  KeyframeRequest: 0x17,
  FrameAck: 0x18,
  Preview: 0x19,
  AudioFirst: 0x20, // 0x20-0x2f: audio, both directions (web/src/audio/)
  AudioLast: 0x2f,
} as const;

// Preview (with H264): the instance's shared low-resolution, low-rate stream.
// Regions (with H264): the client draws REGIONS messages (small changes as
// small pictures of their own streams).
export const CodecMask = { H264: 1, Jpeg: 2, Preview: 4, Regions: 8 } as const;

// One region picture of a REGIONS message: an access unit of region `id`'s
// own H.264 stream, drawn at (x, y), w x h.
export interface RegionPart {
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  keyframe: boolean;
  data: Uint8Array;
}
export const Command = { Rotate: 1, Home: 2, Back: 3 } as const;
export const TouchAction = { Down: 0, Move: 1, Up: 2, Cancel: 3 } as const;
export const ControlStateKind = { Nobody: 0, You: 1, Other: 2 } as const;

export const MAX_TEXT_BYTES = 4096;
export const MAX_FINGERS = 10;

export type ServerMessage =
  | { type: "config"; codec: "h264" | "jpeg"; width: number; height: number; codecString: string }
  | { type: "video"; keyframe: boolean; timestampUs: number; data: Uint8Array }
  | { type: "regions"; timestampUs: number; parts: RegionPart[] }
  | {
      type: "jpeg";
      full: boolean;
      x: number;
      y: number;
      w: number;
      h: number;
      timestampUs: number;
      data: Uint8Array;
    }
  | { type: "control"; state: number; viewers: number; you: number; controller: number }
  | { type: "error"; code: number; reason: string }
  | { type: "audio"; data: Uint8Array }
  | { type: "unknown"; code: number };

function u64(v: DataView, at: number): number {
  // Microsecond timestamps fit a double exactly for the next few centuries.
  return v.getUint32(at, true) + v.getUint32(at + 4, true) * 0x100000000;
}

export function parseServerMessage(buf: ArrayBuffer): ServerMessage | null {
  const v = new DataView(buf);
  if (buf.byteLength < 1) return null;
  const type = v.getUint8(0);
  const bytes = new Uint8Array(buf);
  switch (type) {
    case MsgType.Config: {
      if (buf.byteLength < 8) return null;
      const n = v.getUint8(6);
      if (buf.byteLength < 8 + n) return null;
      return {
        type: "config",
        codec: v.getUint8(1) === 0 ? "h264" : "jpeg",
        width: v.getUint16(2, true),
        height: v.getUint16(4, true),
        codecString: new TextDecoder().decode(bytes.subarray(8, 8 + n)),
      };
    }
    case MsgType.Video:
      if (buf.byteLength < 12) return null;
      return {
        type: "video",
        keyframe: (v.getUint8(1) & 1) !== 0,
        timestampUs: u64(v, 4),
        data: bytes.subarray(12),
      };
    case MsgType.Regions: {
      if (buf.byteLength < 12) return null;
      const n = v.getUint8(1);
      const parts: RegionPart[] = [];
      let at = 12;
      for (let i = 0; i < n; i++) {
        if (at + 16 > buf.byteLength) return null;
        const size = v.getUint32(at + 12, true);
        if (at + 16 + size > buf.byteLength) return null;
        parts.push({
          id: v.getUint16(at, true),
          x: v.getUint16(at + 2, true),
          y: v.getUint16(at + 4, true),
          w: v.getUint16(at + 6, true),
          h: v.getUint16(at + 8, true),
          keyframe: (v.getUint8(at + 10) & 1) !== 0,
          data: bytes.subarray(at + 16, at + 16 + size),
        });
        at += 16 + size;
      }
      return { type: "regions", timestampUs: u64(v, 4), parts };
    }
    case MsgType.Jpeg:
      if (buf.byteLength < 20) return null;
      return {
        type: "jpeg",
        full: (v.getUint8(1) & 1) !== 0,
        x: v.getUint16(2, true),
        y: v.getUint16(4, true),
        w: v.getUint16(6, true),
        h: v.getUint16(8, true),
        timestampUs: u64(v, 12),
        data: bytes.subarray(20),
      };
    case MsgType.ControlState:
      if (buf.byteLength < 12) return null;
      return {
        type: "control",
        state: v.getUint8(1),
        viewers: v.getUint16(2, true),
        you: v.getUint32(4, true),
        controller: v.getUint32(8, true),
      };
    case MsgType.Error:
      if (buf.byteLength < 4) return null;
      return {
        type: "error",
        code: v.getUint16(2, true),
        reason: new TextDecoder().decode(bytes.subarray(4)),
      };
    default:
      if (type >= MsgType.AudioFirst && type <= MsgType.AudioLast) return { type: "audio", data: bytes };
      return { type: "unknown", code: type };
  }
}

export function hello(codecs: number): Uint8Array {
  return Uint8Array.of(MsgType.Hello, PROTOCOL_VERSION, codecs, 0);
}

export function pointer(buttons: number, x: number, y: number): Uint8Array {
  const b = new Uint8Array(6);
  const v = new DataView(b.buffer);
  v.setUint8(0, MsgType.Pointer);
  v.setUint8(1, buttons & 0x1f);
  v.setUint16(2, x, true);
  v.setUint16(4, y, true);
  return b;
}

export function key(keysym: number, down: boolean): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint8(0, MsgType.Key);
  v.setUint8(1, down ? 1 : 0);
  v.setUint32(4, keysym, true);
  return b;
}

// Splits long text into messages of at most MAX_TEXT_BYTES, never inside a
// character. NUL characters are dropped (the server rejects them).
export function text(s: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const enc = new TextEncoder();
  let chunk = "";
  let chunkBytes = 0;
  const flush = () => {
    if (!chunk) return;
    const data = enc.encode(chunk);
    const b = new Uint8Array(4 + data.length);
    const v = new DataView(b.buffer);
    v.setUint8(0, MsgType.Text);
    v.setUint16(2, data.length, true);
    b.set(data, 4);
    out.push(b);
    chunk = "";
    chunkBytes = 0;
  };
  for (const ch of s) {
    if (ch === "\0") continue;
    const n = enc.encode(ch).length;
    if (chunkBytes + n > MAX_TEXT_BYTES) flush();
    chunk += ch;
    chunkBytes += n;
  }
  flush();
  return out;
}

export function touch(action: number, finger: number, x: number, y: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint8(0, MsgType.Touch);
  v.setUint8(1, action);
  v.setUint8(2, finger);
  v.setUint16(4, x, true);
  v.setUint16(6, y, true);
  return b;
}

export function command(cmd: number): Uint8Array {
  return Uint8Array.of(MsgType.Command, cmd);
}

export function control(request: boolean): Uint8Array {
  return Uint8Array.of(MsgType.Control, request ? 1 : 2);
}

export function keyframeRequest(): Uint8Array {
  return Uint8Array.of(MsgType.KeyframeRequest);
}

// Switches an H.264 viewer to the preview stream (true) or the full one.
export function preview(on: boolean): Uint8Array {
  return Uint8Array.of(MsgType.Preview, on ? 1 : 0);
}

// The frame with this timestamp (microseconds, as in its VIDEO/JPEG header)
// was presented; the server sends the next ones as these come back.
export function frameAck(timestampUs: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint8(0, MsgType.FrameAck);
  v.setBigUint64(4, BigInt(Math.round(timestampUs)), true);
  return b;
}
