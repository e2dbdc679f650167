// createAudioControls(instanceId): the sound controls a viewer's bar (or the
// console) mounts: mute, a volume slider, a microphone toggle, and, with
// {host: true}, the instance's host volume and mute (REST, for everyone
// who hears it). The viewer-side controls act on the instance's open
// ViewerAudio whenever there is one (they follow reconnections) and are
// remembered per instance.

import { audioFor, loadSaved, onAudioChange } from "./viewer_audio";
import { getHostAudio, setHostAudio } from "./host_audio";
import { setIcon } from "../icons";

export interface AudioControlsOptions {
  host?: boolean; // also show the host volume (needs the "control" permission)
}

function button(cls: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.className = cls;
  b.type = "button";
  return b;
}

function slider(cls: string, max: number, value: number, title: string): HTMLInputElement {
  const s = document.createElement("input");
  s.type = "range";
  s.className = cls;
  s.min = "0";
  s.max = String(max);
  s.step = "0.05";
  s.value = String(value);
  s.title = title;
  return s;
}

export function createAudioControls(instanceId: string, opts: AudioControlsOptions = {}): HTMLElement {
  const box = document.createElement("span");
  box.className = "audio-controls";
  box.dataset.instance = instanceId;
  const saved = loadSaved(instanceId);
  const mute = button("audio-mute");
  const vol = slider("audio-volume", 1, saved.volume, "Volume (this browser)");
  const mic = button("audio-mic");

  const paint = () => {
    const a = audioFor(instanceId);
    const muted = a ? a.player.muted : loadSaved(instanceId).muted;
    setIcon(mute, muted ? "speaker-muted" : "speaker", muted ? "Unmute" : "Mute");
    mute.setAttribute("aria-pressed", String(muted));
    if (a) vol.value = String(a.player.volume);
    setIcon(mic, a?.microphoneOn ? "mic-on" : "mic",
      a?.microphoneOn ? "Stop the microphone" : "Use the microphone (needs input control)");
    mic.setAttribute("aria-pressed", String(!!a?.microphoneOn));
    mic.disabled = !a;
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
    } else {
      a.startMicrophone().catch((e) => {
        mic.title = `Microphone unavailable: ${e}`;
      });
    }
  });
  box.append(mute, vol, mic);

  if (opts.host) {
    const hostMute = button("audio-host-mute");
    const hostVol = slider("audio-host-volume", 1.5, 1, "Instance volume (everyone)");
    const show = (s: { volume: number; muted: boolean }) => {
      hostVol.value = String(s.volume);
      hostMute.textContent = s.muted ? "instance muted" : "instance";
      hostMute.setAttribute("aria-pressed", String(s.muted));
    };
    const fail = (e: unknown) => {
      hostMute.title = `Instance volume unavailable: ${e}`;
    };
    getHostAudio(instanceId).then(show, fail);
    hostMute.addEventListener("click", () => {
      const muted = hostMute.getAttribute("aria-pressed") !== "true";
      setHostAudio(instanceId, { muted }).then(show, fail);
    });
    hostVol.addEventListener("change", () => {
      setHostAudio(instanceId, { volume: Number(hostVol.value) }).then(show, fail);
    });
    box.append(hostMute, hostVol);
  }

  // Repaint when a channel opens, closes or changes; stop once unmounted.
  const off = onAudioChange(() => {
    if (!box.isConnected && box.dataset.mounted) {
      off();
      return;
    }
    if (box.isConnected) box.dataset.mounted = "1";
    paint();
  });
  paint();
  return box;
}
