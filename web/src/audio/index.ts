// Sound for the live view. Importing this module registers the audio
// channel with the viewer (web/src/viewer/audio_hook.ts): every viewer
// connection gets a player for the instance's sound, and
// createAudioControls(instanceId) makes the volume / mute / microphone
// controls for the viewer's bar. Volume and mute are remembered per instance
// (localStorage); the host's own per-instance volume is the REST API's.

import { registerAudio, AudioChannel } from "../viewer/audio_hook";
import { AudioPlayer, createAudioPlayer } from "./player";
import { Microphone, startMicrophone } from "./microphone";
import { parseAudioOpus } from "./protocol";

export { createAudioPlayer, hasWebCodecsAudio } from "./player";
export type { AudioPlayer, AudioPlayerOptions, AudioPlayerStats } from "./player";
export { startMicrophone, hasWebCodecsMicrophone } from "./microphone";
export type { Microphone } from "./microphone";
export { parseAudioOpus, micOpus, AUDIO_OPUS, MIC_OPUS } from "./protocol";
export { PlayoutClock } from "./playout";

interface Saved {
  volume: number;
  muted: boolean;
}

function load(id: string): Saved {
  try {
    const s = JSON.parse(localStorage.getItem(`vmi.audio.${id}`) ?? "");
    if (typeof s.volume === "number" && typeof s.muted === "boolean") return s;
  } catch {
    // nothing saved
  }
  return { volume: 1, muted: false };
}

function save(id: string, s: Saved): void {
  try {
    localStorage.setItem(`vmi.audio.${id}`, JSON.stringify(s));
  } catch {
    // storage disabled
  }
}

export class ViewerAudio implements AudioChannel {
  readonly player: AudioPlayer;
  private mic: Microphone | null = null;
  private resumeOnGesture = () => void this.player.resume();

  constructor(private send: (msg: Uint8Array) => void, readonly instanceId: string) {
    this.player = createAudioPlayer();
    const s = load(instanceId);
    this.player.setVolume(s.volume);
    this.player.setMuted(s.muted);
    // Autoplay policy: the context starts on the first gesture on the page.
    document.addEventListener("pointerdown", this.resumeOnGesture, { once: true });
    document.addEventListener("keydown", this.resumeOnGesture, { once: true });
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
  }

  get microphoneOn(): boolean {
    return this.mic !== null;
  }
  async startMicrophone(): Promise<void> {
    if (!this.mic) this.mic = await startMicrophone(this.send);
  }
  stopMicrophone(): void {
    this.mic?.stop();
    this.mic = null;
  }

  close(): void {
    this.stopMicrophone();
    this.player.close();
    document.removeEventListener("pointerdown", this.resumeOnGesture);
    document.removeEventListener("keydown", this.resumeOnGesture);
    if (live.get(this.instanceId) === this) live.delete(this.instanceId);
  }
}

const live = new Map<string, ViewerAudio>();

// The audio channel of an instance's open viewer, if any.
export function audioFor(instanceId: string): ViewerAudio | undefined {
  return live.get(instanceId);
}

registerAudio((send, instanceId) => {
  const a = new ViewerAudio(send, instanceId);
  live.set(instanceId, a);
  return a;
});

// Volume slider, mute and microphone toggle for the viewer's control bar.
export function createAudioControls(instanceId: string): HTMLElement {
  const box = document.createElement("span");
  box.className = "audio-controls";
  const saved = load(instanceId);
  const mute = document.createElement("button");
  const vol = document.createElement("input");
  const mic = document.createElement("button");
  vol.type = "range";
  vol.min = "0";
  vol.max = "1";
  vol.step = "0.05";
  vol.value = String(saved.volume);
  vol.title = "Volume";
  const paint = () => {
    const a = audioFor(instanceId);
    const muted = a ? a.player.muted : saved.muted;
    mute.textContent = muted ? "\u{1F507}" : "\u{1F50A}";
    mute.title = muted ? "Unmute" : "Mute";
    mic.textContent = a?.microphoneOn ? "\u{1F399}\u2713" : "\u{1F399}";
    mic.title = a?.microphoneOn ? "Stop the microphone" : "Use the microphone";
  };
  mute.addEventListener("click", () => {
    const a = audioFor(instanceId);
    if (a) {
      void a.player.resume();
      a.setMuted(!a.player.muted);
    }
    paint();
  });
  vol.addEventListener("input", () => {
    const a = audioFor(instanceId);
    if (a) {
      void a.player.resume();
      a.setVolume(Number(vol.value));
    }
  });
  mic.addEventListener("click", () => {
    const a = audioFor(instanceId);
    if (!a) return;
    if (a.microphoneOn) {
      a.stopMicrophone();
      paint();
    } else {
      a.startMicrophone().then(paint, (e) => {
        mic.title = `Microphone unavailable: ${e}`;
      });
    }
  });
  paint();
  box.append(mute, vol, mic);
  return box;
}
