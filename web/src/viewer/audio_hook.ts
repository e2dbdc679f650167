// The audio subsystem's door into a viewer connection. Message types
// 0x20-0x2f on the viewer WebSocket belong to audio in both directions
// (see src/stream/web/README.md). The viewer calls openAudio() once per
// connection and routes audio messages to the channel it returns; by
// default that is web/src/audio's ViewerAudio (player + microphone).
// audioControls(instanceId) is the volume / mute / microphone control for
// the viewer's bar.
//
// Unless the page shows them already (the console mounts
// createAudioControls beside the viewer), openAudio() puts them in the bar
// of the page's viewer (window.__vmiViewer.root's ".controls"), once.

import { ViewerAudio } from "../audio/viewer_audio";
import { createAudioControls } from "../audio/controls";

export interface AudioChannel {
  // A server message of type 0x20-0x2f (the whole message, type byte first).
  onMessage(data: Uint8Array): void;
  close(): void;
}

// `send` takes a whole message whose first byte is 0x20-0x2f.
export type AudioFactory = (send: (msg: Uint8Array) => void, instanceId: string) => AudioChannel;

let factory: AudioFactory = (send, instanceId) => new ViewerAudio(send, instanceId);

// Replaces the default channel (tests, or a page without sound).
export function registerAudio(f: AudioFactory): void {
  factory = f;
}

export function audioControls(instanceId: string): HTMLElement {
  return createAudioControls(instanceId);
}

function mountControls(instanceId: string): void {
  const viewer = (window as unknown as { __vmiViewer?: { root?: HTMLElement } }).__vmiViewer;
  const bar = viewer?.root?.querySelector(".controls");
  // The console may have mounted them beside the viewer already.
  if (!bar || document.querySelector(`.audio-controls[data-instance="${CSS.escape(instanceId)}"]`)) return;
  const status = bar.querySelector(".status");
  bar.insertBefore(audioControls(instanceId), status);
}

export function openAudio(send: (msg: Uint8Array) => void, instanceId: string): AudioChannel | null {
  const ch = factory(send, instanceId);
  mountControls(instanceId);
  return ch;
}
