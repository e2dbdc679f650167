// A minimal Ogg Opus muxer (RFC 7845) for the fallback decoder: browsers
// without WebCodecs' AudioDecoder can still decode Ogg Opus files with
// AudioContext.decodeAudioData. A few packets at a time become one tiny
// file (ID header, comment header, one audio page).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

export function oggCrc(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0;
  return crc >>> 0;
}

function page(serial: number, seqNo: number, granule: bigint, flags: number, packets: Uint8Array[]): Uint8Array {
  const lacing: number[] = [];
  for (const p of packets) {
    let n = p.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    lacing.push(n);
  }
  const body = packets.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(27 + lacing.length + body);
  const v = new DataView(out.buffer);
  out.set([0x4f, 0x67, 0x67, 0x53], 0); // "OggS"
  out[4] = 0;
  out[5] = flags;
  v.setBigUint64(6, granule, true);
  v.setUint32(14, serial, true);
  v.setUint32(18, seqNo, true);
  out[26] = lacing.length;
  out.set(lacing, 27);
  let off = 27 + lacing.length;
  for (const p of packets) {
    out.set(p, off);
    off += p.length;
  }
  v.setUint32(22, oggCrc(out), true);
  return out;
}

// One Ogg Opus file holding `packets` (48 kHz stereo, `samples` in total,
// the first `preSkip` of which the decoder decodes only to warm up and then
// discards: RFC 7845's pre-roll, needed because Opus predicts each frame's
// band energies from the previous frame's).
export function oggOpusFile(packets: Uint8Array[], samples: number, preSkip = 0): Uint8Array {
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode("OpusHead"), 0);
  head[8] = 1; // version
  head[9] = 2; // channels
  const hv = new DataView(head.buffer);
  hv.setUint16(10, preSkip, true);
  hv.setUint32(12, 48000, true); // input rate (informational)
  const tags = new Uint8Array(16);
  tags.set(new TextEncoder().encode("OpusTags"), 0); // vendor length 0, no comments
  const serial = 0x766d69; // "vmi"
  const parts = [
    page(serial, 0, 0n, 0x02, [head]),
    page(serial, 1, 0n, 0x00, [tags]),
    page(serial, 2, BigInt(samples), 0x04, packets),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
