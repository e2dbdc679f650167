// Audio messages on the viewer WebSocket (types 0x20-0x2f belong to audio).
// Mirrors src/devices/audio/viewer_audio.h; layouts drawn in docs/audio.md.
//
//   0x20 AUDIO_OPUS server -> client
//    0      1      2      3      4            8                    16           20 ...
//   +------+------+------+------+------------+--------------------+------------+------+
//   | 0x20 |  0   |  0   |  0   | seq u32    | timestamp_us u64   | duration   | opus |
//   +------+------+------+------+------------+--------------------+------------+------+
//   timestamp_us: Unix epoch microseconds (the video frames' clock).
//
//   0x21 MIC_OPUS client -> server
//    0      1      2      3      4            8                    16 ...
//   +------+------+------+------+------------+--------------------+------+
//   | 0x21 |  0   |  0   |  0   | seq u32    | timestamp_us u64   | opus |
//   +------+------+------+------+------------+--------------------+------+

export const AUDIO_OPUS = 0x20;
export const MIC_OPUS = 0x21;

export interface AudioPacket {
  seq: number;
  timestampUs: number;
  durationUs: number;
  opus: Uint8Array;
}

export function parseAudioOpus(msg: Uint8Array): AudioPacket | null {
  if (msg.length < 21 || msg[0] !== AUDIO_OPUS) return null;
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  return {
    seq: v.getUint32(4, true),
    // Microsecond timestamps fit a double exactly for centuries.
    timestampUs: Number(v.getBigUint64(8, true)),
    durationUs: v.getUint32(16, true),
    opus: msg.subarray(20),
  };
}

export function micOpus(seq: number, timestampUs: number, opus: Uint8Array): Uint8Array {
  const m = new Uint8Array(16 + opus.length);
  const v = new DataView(m.buffer);
  m[0] = MIC_OPUS;
  v.setUint32(4, seq >>> 0, true);
  v.setBigUint64(8, BigInt(Math.max(0, Math.floor(timestampUs))), true);
  m.set(opus, 16);
  return m;
}
