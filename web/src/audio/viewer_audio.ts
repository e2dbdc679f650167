// ViewerAudio: the sound of one viewer connection (the channel the viewer's
// audio hook opens, web/src/viewer/audio_hook.ts): a player for the
// instance's AUDIO_OPUS messages and, on request, the microphone as MIC_OPUS
// messages on the same WebSocket. Volume and mute are the viewer's own,
// remembered per instance (localStorage); the host's per-instance volume is
// the REST API's (host_audio.ts).
//
// Test and benchmark hook: window.__vmiAudio.get(instanceId) is the open
// channel of an instance.

import type { AudioChannel } from "../viewer/audio_hook";
import { AudioPlayer, AudioPlayerOptions, createAudioPlayer } from "./player";
import { Microphone, startMicrophone } from "./microphone";
import { parseAudioOpus } from "./protocol";

export interface SavedAudio {
  volume: number;
  muted: boolean;
}

export function loadSaved(id: string): SavedAudio {
  try {
    const s = JSON.parse(localStorage.getItem(`vmi.audio.${id}`) ?? "");
    if (typeof s.volume === "number" && typeof s.muted === "boolean") return s;
  } catch {
    // nothing saved
  }
  return { volume: 1, muted: false };
}

function save(id: string, s: SavedAudio): void {
  try {
    localStorage.setItem(`vmi.audio.${id}`, JSON.stringify(s));
  } catch {
    // storage disabled
  }
}

const live = new Map<string, ViewerAudio>();
(window as unknown as { __vmiAudio: Map<string, ViewerAudio> }).__vmiAudio = live;

// Called whenever a channel opens, closes or changes (controls repaint).
const listeners = new Set<() => void>();
export function onAudioChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
function changed(): void {
  for (const f of listeners) f();
}

export class ViewerAudio implements AudioChannel {
  readonly player: AudioPlayer;
  private mic: Microphone | null = null;
  private resumeOnGesture = () => void this.player.resume();

  constructor(
    private send: (msg: Uint8Array) => void,
    readonly instanceId: string,
  ) {
    // Knobs (bench/audio/e2e_latency.mjs; a user whose output crackles can
    // set the second to "interactive"): the initial jitter buffer in ms and
    // the AudioContext's latencyHint.
    let bufferMs = 0;
    let hint: string | null = null;
    try {
      bufferMs = Number(localStorage.getItem("vmi.audio.bufferMs"));
      hint = localStorage.getItem("vmi.audio.latencyHint");
    } catch {
      // storage disabled
    }
    const opts: AudioPlayerOptions = bufferMs > 0 ? { targetMs: bufferMs } : {};
    if (hint === "interactive" || hint === "balanced" || hint === "playback") opts.latencyHint = hint;
    else if (hint !== null && hint !== "" && Number.isFinite(Number(hint))) opts.latencyHint = Number(hint);
    this.player = createAudioPlayer(opts);
    const s = loadSaved(instanceId);
    this.player.setVolume(s.volume);
    this.player.setMuted(s.muted);
    // Autoplay policy: the context starts on the first gesture on the page.
    document.addEventListener("pointerdown", this.resumeOnGesture, { once: true });
    document.addEventListener("keydown", this.resumeOnGesture, { once: true });
    live.set(instanceId, this);
    changed();
  }

  onMessage(data: Uint8Array): void {
    const p = parseAudioOpus(data);
    if (p) this.player.onPacket(p.opus, p.timestampUs, p.durationUs);
  }

  setVolume(v: number): void {
    this.player.setVolume(v);
    save(this.instanceId, { volume: this.player.volume, muted: this.player.muted });
  }
  setMuted(m: boolean): void {
    this.player.setMuted(m);
    save(this.instanceId, { volume: this.player.volume, muted: this.player.muted });
    changed();
  }

  get microphoneOn(): boolean {
    return this.mic !== null;
  }
  // The browser asks the user first. The host takes the microphone only
  // from the viewer that controls input.
  async startMicrophone(): Promise<void> {
    if (!this.mic) this.mic = await startMicrophone(this.send);
    changed();
  }
  stopMicrophone(): void {
    this.mic?.stop();
    this.mic = null;
    changed();
  }

  close(): void {
    this.mic?.stop();
    this.mic = null;
    this.player.close();
    document.removeEventListener("pointerdown", this.resumeOnGesture);
    document.removeEventListener("keydown", this.resumeOnGesture);
    if (live.get(this.instanceId) === this) live.delete(this.instanceId);
    changed();
  }
}

// The audio channel of an instance's open viewer, if any.
export function audioFor(instanceId: string): ViewerAudio | undefined {
  return live.get(instanceId);
}
