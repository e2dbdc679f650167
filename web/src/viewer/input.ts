// Input capture on the viewer canvas: mouse -> POINTER, touch/pen -> TOUCH
// (finger ids 0-9), keyboard -> KEY (special keys, shortcuts) or TEXT
// (characters, IME, paste). Coordinates are mapped from the canvas' CSS box
// to guest pixels exactly: the canvas' backing size is the guest screen size,
// and it has no border or padding.

import * as P from "./protocol";
import { keysymFor } from "./keysyms";

export type Send = (msg: Uint8Array) => void;

// Guest pixel under a client point, clamped to the screen.
export function mapPoint(
  clientX: number,
  clientY: number,
  box: DOMRect,
  width: number,
  height: number,
): [number, number] {
  const x = Math.floor(((clientX - box.left) * width) / box.width);
  const y = Math.floor(((clientY - box.top) * height) / box.height);
  return [Math.min(Math.max(x, 0), width - 1), Math.min(Math.max(y, 0), height - 1)];
}

function buttonsMask(b: number): number {
  // DOM: 1 left, 2 right, 4 middle. Wire: bit 0 left, 1 middle, 2 right.
  return (b & 1) | ((b & 4) >> 1) | ((b & 2) << 1);
}

export class InputCapture {
  private fingers = new Map<number, number>(); // pointerId -> finger slot
  private listeners: Array<[EventTarget, string, EventListener]> = [];
  private mouseButtons = 0;

  constructor(
    private canvas: HTMLCanvasElement,
    private keyTarget: HTMLTextAreaElement,
    private send: Send,
  ) {
    const on = <K extends keyof HTMLElementEventMap>(
      t: HTMLElement,
      type: K,
      fn: (e: HTMLElementEventMap[K]) => void,
      opts?: AddEventListenerOptions,
    ) => {
      t.addEventListener(type, fn as EventListener, opts);
      this.listeners.push([t, type, fn as EventListener]);
    };
    on(canvas, "pointerdown", (e) => this.pointer(e, "down"));
    on(canvas, "pointermove", (e) => this.pointer(e, "move"));
    on(canvas, "pointerup", (e) => this.pointer(e, "up"));
    on(canvas, "pointercancel", (e) => this.pointer(e, "cancel"));
    on(canvas, "wheel", (e) => this.wheel(e), { passive: false });
    on(canvas, "contextmenu", (e) => e.preventDefault());
    on(keyTarget, "keydown", (e) => this.key(e, true));
    on(keyTarget, "keyup", (e) => this.key(e, false));
    on(keyTarget, "input", (e) => this.input(e as InputEvent));
    on(keyTarget, "compositionend", (e) => {
      if (e.data) this.sendText(e.data);
      keyTarget.value = "";
    });
  }

  focus(): void {
    this.keyTarget.focus({ preventScroll: true });
  }

  private point(e: PointerEvent): [number, number] {
    return mapPoint(e.clientX, e.clientY, this.canvas.getBoundingClientRect(), this.canvas.width, this.canvas.height);
  }

  private pointer(e: PointerEvent, kind: "down" | "move" | "up" | "cancel"): void {
    e.preventDefault();
    if (kind === "down") {
      this.focus();
      this.canvas.setPointerCapture(e.pointerId);
    }
    const [x, y] = this.point(e);
    if (e.pointerType === "mouse") {
      this.mouseButtons = buttonsMask(e.buttons);
      this.send(P.pointer(this.mouseButtons, x, y));
      return;
    }
    let finger = this.fingers.get(e.pointerId);
    if (kind === "down") {
      if (finger !== undefined) return;
      for (let i = 0; i < P.MAX_FINGERS; i++) {
        if (![...this.fingers.values()].includes(i)) {
          finger = i;
          break;
        }
      }
      if (finger === undefined) return; // more than ten fingers
      this.fingers.set(e.pointerId, finger);
      this.send(P.touch(P.TouchAction.Down, finger, x, y));
      return;
    }
    if (finger === undefined) return;
    if (kind === "move") {
      this.send(P.touch(P.TouchAction.Move, finger, x, y));
      return;
    }
    this.fingers.delete(e.pointerId);
    this.send(P.touch(kind === "up" ? P.TouchAction.Up : P.TouchAction.Cancel, finger, x, y));
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const [x, y] = mapPoint(e.clientX, e.clientY, this.canvas.getBoundingClientRect(), this.canvas.width, this.canvas.height);
    const bit = e.deltaY < 0 ? 8 : 16;
    this.send(P.pointer(this.mouseButtons | bit, x, y));
    this.send(P.pointer(this.mouseButtons, x, y));
  }

  private key(e: KeyboardEvent, down: boolean): void {
    if (e.isComposing) return;
    const sym = keysymFor(e);
    if (sym === undefined) return; // a character: arrives through `input`
    e.preventDefault();
    this.send(P.key(sym, down));
  }

  private input(e: InputEvent): void {
    if (e.isComposing) return;
    const data = e.data ?? (e.inputType === "insertLineBreak" ? "\n" : this.keyTarget.value);
    if (data) this.sendText(data);
    this.keyTarget.value = "";
  }

  sendText(s: string): void {
    for (const m of P.text(s)) this.send(m);
  }

  close(): void {
    for (const [t, type, fn] of this.listeners) t.removeEventListener(type, fn);
    this.listeners = [];
  }
}
