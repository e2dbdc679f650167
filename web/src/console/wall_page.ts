// The wall (#/wall): live views of every running instance the caller may
// see, side by side, and one sound for all of them.
//
// Input: only the focused tile receives input. Every other tile is covered
// by a shield that takes the pointer; a click on a shield focuses its tile
// (which then takes input control of its instance and the keyboard) and
// releases the previous one. Keys go to the focused tile's viewer only.
//
// Sound: the tiles' viewers carry no sound (?audio=0). One WebSocket,
// GET /api/v1/audio/mix?instances=..., brings the host's mix of all tiles
// (docs/audio.md, routing rule 3); each tile has its own volume and mute
// for this wall only, sent as mix settings. The mix is reopened when the
// set of running instances changes.
//
// Test hook: window.__vmiWall = { focused, tiles: Map<id, Viewer>, player, mixPackets }.

import type { Instance } from "../api";
import { Viewer } from "../viewer/viewer";
import * as P from "../viewer/protocol";
import { AudioPlayer, createAudioPlayer } from "../audio/player";
import { parseAudioOpus } from "../audio/protocol";
import { button, h, input } from "./dom";
import { instances } from "./store";
import type { Page } from "./page";

const MAX_MIX = 64; // src/node/live/audio_mix.h, AudioMix::kMaxInstances

interface Tile {
  inst: Instance;
  viewer: Viewer;
  root: HTMLElement;
  shield: HTMLElement;
  volume: HTMLInputElement;
  mute: HTMLInputElement;
}

interface WallHook {
  focused: string | null;
  tiles: Map<string, Viewer>;
  player: AudioPlayer | null;
  mixPackets: number;
  mixUrl: string;
}

export function wallPage(opts: { forceJpeg: boolean }): Page {
  const root = h("section", "page wall-page");
  const grid = h("div", { class: "wall", role: "list", "aria-label": "Running instances" });
  const empty = h("p", { class: "muted", text: "No running instances." });
  const soundBtn = button("Sound on", () => void toggleSound());
  soundBtn.setAttribute("aria-pressed", "false");
  root.append(h("div", "page-head", h("h1", { text: "Wall" }), soundBtn),
    h("p", { class: "muted small", text: "Click a phone to use it; the others stay view-only." }), grid, empty);

  const tiles = new Map<string, Tile>();
  const hook: WallHook = { focused: null, tiles: new Map(), player: null, mixPackets: 0, mixUrl: "" };
  (window as unknown as { __vmiWall: WallHook }).__vmiWall = hook;

  let player: AudioPlayer | null = null;
  let mix: WebSocket | null = null;
  let mixKey = "";
  let soundOn = false;
  let disposed = false;

  function focus(id: string | null): void {
    if (hook.focused === id) return;
    const prev = hook.focused ? tiles.get(hook.focused) : undefined;
    if (prev) {
      prev.viewer.send(P.control(false));
      prev.viewer.setPreview(true);
      prev.root.classList.remove("focused");
      prev.shield.hidden = false;
    }
    hook.focused = id;
    const t = id ? tiles.get(id) : undefined;
    if (!t) return;
    t.root.classList.add("focused");
    t.shield.hidden = true;
    // The focused phone gets the full stream; the others share each
    // instance's low-resolution preview.
    t.viewer.setPreview(false);
    t.viewer.send(P.control(true));
    t.root.querySelector<HTMLTextAreaElement>("textarea.keytrap")?.focus({ preventScroll: true });
  }

  function sendSetting(id: string, setting: { volume?: number; muted?: boolean }): void {
    if (mix?.readyState === WebSocket.OPEN) mix.send(JSON.stringify({ instance: id, ...setting }));
  }

  function makeTile(inst: Instance): Tile {
    const viewer = new Viewer(inst.id, { forceJpeg: opts.forceJpeg, audio: false, preview: true });
    const shield = h("div", { class: "wall-shield", title: `Use ${inst.name || inst.id}` });
    shield.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      focus(inst.id);
    });
    const volume = input({ type: "range", min: 0, max: 1, step: 0.05, value: 1, "aria-label": `Volume of ${inst.name || inst.id}` });
    const mute = input({ type: "checkbox", "aria-label": `Mute ${inst.name || inst.id}` });
    volume.addEventListener("input", () => sendSetting(inst.id, { volume: Number(volume.value) }));
    mute.addEventListener("change", () => sendSetting(inst.id, { muted: mute.checked }));
    const label = h("a", { href: `#/instances/${encodeURIComponent(inst.id)}`, class: "wall-name", text: inst.name || inst.id });
    const sound = h("div", "wall-sound", h("label", {}, mute, " mute"), volume);
    const frame = h("div", "wall-view", viewer.root, shield);
    const tileRoot = h("div", { class: "wall-tile", role: "listitem", "data-instance": inst.id }, frame, h("div", "wall-bar", label, sound));
    return { inst, viewer, root: tileRoot, shield, volume, mute };
  }

  function openMix(): void {
    // The server mixes at most 64 instances for one listener.
    const ids = [...tiles.keys()].sort().slice(0, MAX_MIX);
    const key = ids.join(",");
    if (key === mixKey && mix) return;
    mix?.close();
    mix = null;
    mixKey = key;
    if (!ids.length || !soundOn) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${proto}//${location.host}/api/v1/audio/mix?instances=${ids.map(encodeURIComponent).join(",")}`;
    hook.mixUrl = url;
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      // The tiles' own settings, for this new listener.
      for (const t of tiles.values()) {
        if (Number(t.volume.value) !== 1) sendSetting(t.inst.id, { volume: Number(t.volume.value) });
        if (t.mute.checked) sendSetting(t.inst.id, { muted: true });
      }
    };
    ws.onmessage = (ev) => {
      const p = parseAudioOpus(new Uint8Array(ev.data as ArrayBuffer));
      if (!p || !player) return;
      hook.mixPackets++;
      player.onPacket(p.opus, p.timestampUs, p.durationUs);
    };
    ws.onclose = () => {
      if (mix === ws) {
        mix = null;
        mixKey = "";
        // Reopen after a drop (the daemon restarted, a network hiccup).
        if (!disposed && soundOn) window.setTimeout(() => !disposed && openMix(), 2000);
      }
    };
    mix = ws;
  }

  async function toggleSound(): Promise<void> {
    soundOn = !soundOn;
    soundBtn.textContent = soundOn ? "Sound off" : "Sound on";
    soundBtn.setAttribute("aria-pressed", String(soundOn));
    if (soundOn) {
      player ??= createAudioPlayer();
      hook.player = player;
      await player.resume();  // from the click: browsers need a gesture
      player.setMuted(false);
    } else {
      player?.setMuted(true);
    }
    mixKey = "";
    openMix();
  }

  function render(): void {
    const running = instances.list().filter((i) => i.state === "running");
    const want = new Set(running.map((i) => i.id));
    for (const [id, t] of tiles) {
      if (want.has(id)) continue;
      if (hook.focused === id) focus(null);
      t.viewer.close();
      t.root.remove();
      tiles.delete(id);
      hook.tiles.delete(id);
    }
    for (const inst of running) {
      if (tiles.has(inst.id)) continue;
      const t = makeTile(inst);
      tiles.set(inst.id, t);
      hook.tiles.set(inst.id, t.viewer);
      grid.append(t.root);
    }
    empty.hidden = tiles.size > 0;
    openMix();
  }

  const unsubscribe = instances.subscribe(render);
  render();

  return {
    title: "Wall",
    root,
    dispose: () => {
      disposed = true;
      unsubscribe();
      focus(null);
      for (const t of tiles.values()) t.viewer.close();
      tiles.clear();
      mix?.close();
      player?.close();
      delete (window as unknown as { __vmiWall?: WallHook }).__vmiWall;
    },
  };
}
