// The live view of one instance: a phone-shaped frame holding the canvas,
// controls (rotate, home, back, screenshot, control hand-over) and the
// WebSocket to /api/v1/instances/{id}/stream.
//
// The stream is decoded and drawn off the main thread (painter.ts): the
// canvas element shows what the paint worker draws into its OffscreenCanvas.
//
// Test and benchmark hooks: window.__vmiViewer is this object (stats, the
// canvas, pixels() to read back what was painted, onPainted to observe each
// painted frame, setProbe() to receive a row of each painted frame with it).

import * as P from "./protocol";
import { FrameInfo, hasWebCodecs } from "./decoder";
import { Painter, createPainter } from "./painter";
import { InputCapture } from "./input";
import { AudioChannel, openAudio } from "./audio_hook";
import { IconName, setIcon } from "../icons";

export interface ViewerStats {
  connected: boolean;
  codec: string;
  width: number;
  height: number;
  frames: number;
  regionFrames: number; // of `frames`, REGIONS messages (small changes as small pictures)
  bytes: number;
  painted: number;
  control: number; // ControlStateKind
  lastError: string;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

export class Viewer {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly stats: ViewerStats = {
    connected: false, codec: "", width: 0, height: 0, frames: 0, regionFrames: 0, bytes: 0, painted: 0, control: 0, lastError: "",
  };
  onPainted: ((info: FrameInfo, viewer: Viewer) => void) | null = null;

  private ws: WebSocket | null = null;
  private painter: Painter;
  private input: InputCapture;
  private audio: AudioChannel | null = null;
  private status: HTMLSpanElement;
  private controlBtn: HTMLButtonElement;
  private screen: HTMLDivElement;
  private resizeObserver: ResizeObserver;
  private closed = false;
  private retries = 0;  // reconnections since the last CONFIG
  private useJpeg: boolean;
  private sound: boolean;
  private preview: boolean;
  private regions: boolean;

  // opts.audio false: the connection carries no sound (?audio=0), for pages
  // that play a mix of several instances instead (the console's wall).
  // opts.preview: start on the instance's shared low-resolution stream (wall
  // tiles); setPreview() switches.
  constructor(
    private instanceId: string,
    opts: { forceJpeg?: boolean; audio?: boolean; preview?: boolean } = {},
  ) {
    this.useJpeg = opts.forceJpeg === true || !hasWebCodecs();
    this.sound = opts.audio !== false;
    this.preview = opts.preview === true;
    // Test and benchmark hook: window.__vmiRegions = false asks for the full
    // stream only (bench/stream compares both in one run).
    this.regions = (globalThis as { __vmiRegions?: boolean }).__vmiRegions !== false;
    this.root = el("div", "viewer");
    const phone = el("div", "phone");
    this.screen = el("div", "screen");
    this.canvas = el("canvas");
    this.canvas.tabIndex = -1;
    const keys = el("textarea", "keytrap");
    keys.setAttribute("aria-label", "keyboard input");
    keys.autocapitalize = "off";
    keys.spellcheck = false;
    this.screen.append(this.canvas, keys);
    phone.append(this.screen);

    const bar = el("div", "controls");
    const button = (label: string | IconName, title: string, fn: () => void, withIcon = true) => {
      const b = el("button", "", withIcon ? "" : label);
      if (withIcon) setIcon(b, label as IconName, title);
      else b.title = title;
      b.addEventListener("click", () => {
        fn();
        this.input.focus();
      });
      bar.append(b);
      return b;
    };
    button("rotate", "Rotate", () => this.send(P.command(P.Command.Rotate)));
    button("back", "Back", () => this.send(P.command(P.Command.Back)));
    button("home", "Home", () => this.send(P.command(P.Command.Home)));
    button("camera", "Screenshot", () => void this.screenshot());
    this.controlBtn = button(
      "Take control",
      "Take or release control of input",
      () => this.send(P.control(this.stats.control !== P.ControlStateKind.You)),
      false,
    );
    this.status = el("span", "status", "connecting");
    bar.append(this.status);
    this.root.append(phone, bar);

    this.painter = createPainter(this.canvas, {
      needKeyframe: () => this.send(P.keyframeRequest()),
      painted: (info) => {
        this.stats.painted++;
        this.onPainted?.(info, this);
      },
      done: (timestampUs) => this.send(P.frameAck(timestampUs)),
    });
    this.input = new InputCapture(this.canvas, keys, (m) => this.send(m));
    this.resizeObserver = new ResizeObserver(() => this.fit());
    this.resizeObserver.observe(this.root);
    (window as unknown as { __vmiViewer: Viewer }).__vmiViewer = this;
    this.connect();
  }

  // Scales the canvas to the space available, keeping the guest's aspect
  // ratio; the canvas' CSS box is what input mapping divides by.
  private fit(): void {
    const w = this.stats.width, h = this.stats.height;
    if (!w || !h) return;
    const availW = Math.max(50, this.root.clientWidth - 40);
    const availH = Math.max(50, window.innerHeight - this.root.getBoundingClientRect().top - 110);
    // A preview is a third of the screen: let it fill its tile.
    const scale = Math.min(availW / w, availH / h, this.preview ? 3 : 1);
    this.canvas.style.width = `${Math.floor(w * scale)}px`;
    this.canvas.style.height = `${Math.floor(h * scale)}px`;
    this.screen.classList.toggle("landscape", w > h);
  }

  private connect(): void {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${proto}//${location.host}/api/v1/instances/${encodeURIComponent(this.instanceId)}/stream${this.sound ? "" : "?audio=0"}`;
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.stats.connected = true;
      this.setStatus("connected");
      this.send(P.hello(this.useJpeg ? P.CodecMask.Jpeg
        : P.CodecMask.H264 | P.CodecMask.Jpeg | (this.regions ? P.CodecMask.Regions : 0) |
          (this.preview ? P.CodecMask.Preview : 0)));
      if (this.sound) this.audio = openAudio((m) => this.send(m), this.instanceId);
    };
    ws.onmessage = (ev) => this.onMessage(ev.data as ArrayBuffer);
    ws.onclose = (ev) => {
      this.stats.connected = false;
      this.audio?.close();
      this.audio = null;
      if (ev.reason) this.stats.lastError = ev.reason;
      this.setStatus(`disconnected${ev.reason ? ": " + ev.reason : ""}`);
      // Reconnect unless closed on purpose or refused for a protocol error:
      // soon at first (the instance's device host restarts in ~0.1 s after
      // a crash), then backing off to every 2 s.
      const delay = Math.min(2000, 250 * 2 ** this.retries++);
      if (!this.closed && ev.code !== 1008) setTimeout(() => !this.closed && this.connect(), delay);
    };
  }

  private onMessage(buf: ArrayBuffer): void {
    const receivedAtMs = Date.now();
    this.stats.bytes += buf.byteLength;
    const m = P.parseServerMessage(buf);
    if (!m) return;
    switch (m.type) {
      case "config":
        this.retries = 0;  // served again: the next drop retries soon
        this.stats.codec = m.codecString;
        this.stats.width = m.width;
        this.stats.height = m.height;
        this.painter.configure(m.codec, m.codecString, m.width, m.height);
        this.fit();
        break;
      case "video":
        this.stats.frames++;
        this.painter.video(buf, m.data, m.keyframe, m.timestampUs, receivedAtMs);
        break;
      case "regions":
        this.stats.frames++;
        this.stats.regionFrames++;
        this.painter.regions(buf, m.parts, m.timestampUs, receivedAtMs);
        break;
      case "jpeg":
        this.stats.frames++;
        this.painter.jpeg(buf, m.data, m.x, m.y, m.timestampUs, m.full, receivedAtMs);
        break;
      case "control":
        this.stats.control = m.state;
        this.controlBtn.textContent = m.state === P.ControlStateKind.You ? "Release control" : "Take control";
        this.setStatus(
          (m.state === P.ControlStateKind.You
            ? "you control"
            : m.state === P.ControlStateKind.Other
              ? `viewer ${m.controller} controls`
              : "nobody controls") + ` \u00b7 ${m.viewers} watching`,
        );
        break;
      case "error":
        this.stats.lastError = m.reason;
        this.setStatus(`error: ${m.reason}`);
        break;
      case "audio":
        this.audio?.onMessage(m.data);
        break;
      default:
        break;
    }
  }

  private setStatus(s: string): void {
    this.status.textContent = s;
  }

  send(msg: Uint8Array): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(msg);
  }

  // The full stream (false) or the shared preview (true); a CONFIG of the
  // new size and a keyframe follow.
  setPreview(on: boolean): void {
    if (this.preview === on) return;
    this.preview = on;
    if (!this.useJpeg) this.send(P.preview(on));
  }

  // RGBA pixels of a rectangle of the picture as painted, in guest pixels.
  pixels(x: number, y: number, w: number, h: number): Promise<Uint8ClampedArray> {
    return this.painter.pixels(x, y, w, h);
  }

  // Whether frames are decoded and drawn in a worker (false: main thread).
  get offThread(): boolean {
    return this.painter.offThread;
  }

  // Benchmarks: each painted frame's FrameInfo carries row y of the canvas
  // as drawn (null: stop).
  setProbe(y: number | null): void {
    this.painter.setProbe(y);
  }

  // Types text into the guest as if typed (any Unicode).
  typeText(s: string): void {
    this.input.sendText(s);
  }

  async screenshot(): Promise<void> {
    const r = await fetch(`/api/v1/instances/${encodeURIComponent(this.instanceId)}/screenshot`);
    if (!r.ok) {
      this.setStatus(`screenshot failed: ${r.status}`);
      return;
    }
    const url = URL.createObjectURL(await r.blob());
    const a = el("a");
    a.href = url;
    a.download = `${this.instanceId}-${new Date().toISOString().replace(/[:.]/g, "-")}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  close(): void {
    this.closed = true;
    this.resizeObserver.disconnect();
    this.input.close();
    this.painter.close();
    this.audio?.close();
    this.ws?.close(1000, "viewer closed");
  }
}
