// startMicrophone(): the viewer's microphone -> Opus -> the instance.
//
// getUserMedia (the browser asks the user) -> AudioData frames (through
// MediaStreamTrackProcessor where the browser has it, else an AudioWorklet)
// -> WebCodecs AudioEncoder (Opus, 20 ms, 32 kbit/s, mono) -> `send`, one
// MIC_OPUS message per packet. The host plays it into the instance's capture
// streams (arecord) only while this viewer holds input control.

import { micOpus } from "./protocol";

export interface Microphone {
  stop(): void;
  readonly packets: number;
}

export interface MicrophoneOptions {
  deviceId?: string;
  bitrate?: number;
}

// MediaStreamTrackProcessor is not in TypeScript's DOM library yet.
declare class MediaStreamTrackProcessor<T> {
  constructor(init: { track: MediaStreamTrack });
  readonly readable: ReadableStream<T>;
}

const WORKLET = `
class VmiMicTap extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) this.port.postMessage(ch.slice(0));
    return true;
  }
}
registerProcessor("vmi-mic-tap", VmiMicTap);
`;

export function hasWebCodecsMicrophone(): boolean {
  return typeof AudioEncoder !== "undefined" && !!navigator.mediaDevices?.getUserMedia;
}

export async function startMicrophone(send: (msg: Uint8Array) => void, opts: MicrophoneOptions = {}): Promise<Microphone> {
  if (!hasWebCodecsMicrophone()) throw new Error("the microphone needs WebCodecs AudioEncoder and getUserMedia");
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: {
      deviceId: opts.deviceId,
      channelCount: 1,
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    },
  });
  const track = stream.getAudioTracks()[0];
  let seq = 0;
  let stopped = false;
  const state = { packets: 0 };
  const encoder = new AudioEncoder({
    output: (chunk) => {
      if (stopped) return;
      const b = new Uint8Array(chunk.byteLength);
      chunk.copyTo(b);
      state.packets++;
      send(micOpus(seq++, chunk.timestamp, b));
    },
    error: () => stop(),
  });
  let configured = false;
  const encode = (d: AudioData) => {
    if (!configured) {
      encoder.configure({
        codec: "opus",
        sampleRate: d.sampleRate,
        numberOfChannels: 1,
        bitrate: opts.bitrate ?? 32000,
        opus: { frameDuration: 20000 },
      } as AudioEncoderConfig);
      configured = true;
    }
    // A backed-up encoder drops input rather than queueing without bound.
    if (encoder.encodeQueueSize < 20 && d.numberOfChannels >= 1) {
      if (d.numberOfChannels === 1) {
        encoder.encode(d);
      } else {
        const mono = new Float32Array(d.numberOfFrames);
        d.copyTo(mono, { planeIndex: 0, format: "f32-planar" });
        const m = new AudioData({
          format: "f32-planar", sampleRate: d.sampleRate, numberOfFrames: d.numberOfFrames,
          numberOfChannels: 1, timestamp: d.timestamp, data: mono,
        });
        encoder.encode(m);
        m.close();
      }
    }
    d.close();
  };

  let ctx: AudioContext | null = null;
  if (typeof MediaStreamTrackProcessor !== "undefined") {
    const reader = new MediaStreamTrackProcessor<AudioData>({ track }).readable.getReader();
    void (async () => {
      while (!stopped) {
        const { value, done } = await reader.read();
        if (done || !value) break;
        if (stopped) {
          value.close();
          break;
        }
        encode(value);
      }
    })();
  } else {
    ctx = new AudioContext();
    const url = URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }));
    await ctx.audioWorklet.addModule(url);
    URL.revokeObjectURL(url);
    const src = ctx.createMediaStreamSource(stream);
    const tap = new AudioWorkletNode(ctx, "vmi-mic-tap");
    const rate = ctx.sampleRate;
    let t = performance.timeOrigin * 1000;
    tap.port.onmessage = (e: MessageEvent<Float32Array<ArrayBuffer>>) => {
      if (stopped) return;
      const data = e.data;
      encode(new AudioData({ format: "f32-planar", sampleRate: rate, numberOfFrames: data.length, numberOfChannels: 1, timestamp: t, data }));
      t += (data.length * 1e6) / rate;
    };
    src.connect(tap);
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    for (const t of stream.getTracks()) t.stop();
    try {
      encoder.close();
    } catch {
      // already closed
    }
    void ctx?.close();
  }
  return {
    stop,
    get packets() {
      return state.packets;
    },
  };
}
