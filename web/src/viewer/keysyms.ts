// KeyboardEvent.key -> X11 keysym. Special keys are sent as KEY messages;
// plain printable characters go as TEXT (so any Unicode character and IME
// input work), except with Ctrl/Alt/Meta held, when the character's keysym is
// sent so shortcuts reach the guest.

const SPECIAL: Record<string, number> = {
  Backspace: 0xff08,
  Tab: 0xff09,
  Enter: 0xff0d,
  Pause: 0xff13,
  ScrollLock: 0xff14,
  Escape: 0xff1b,
  Delete: 0xffff,
  Home: 0xff50,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  PageUp: 0xff55,
  PageDown: 0xff56,
  End: 0xff57,
  Insert: 0xff63,
  ContextMenu: 0xff67,
  NumLock: 0xff7f,
  Shift: 0xffe1,
  Control: 0xffe3,
  CapsLock: 0xffe5,
  Meta: 0xffe7,
  Alt: 0xffe9,
  AltGraph: 0xfe03,
  AudioVolumeDown: 0x1008ff11,
  AudioVolumeMute: 0x1008ff12,
  AudioVolumeUp: 0x1008ff13,
  BrowserBack: 0x1008ff26,
  BrowserHome: 0x1008ff18,
};
for (let i = 1; i <= 12; i++) SPECIAL["F" + i] = 0xffbe + i - 1;

// Keysym of one character: Latin-1 maps to itself, anything else to the
// Unicode keysym range.
export function charKeysym(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  return 0x01000000 + cp;
}

export function specialKeysym(key: string): number | undefined {
  return SPECIAL[key];
}

// What to do with a keydown/keyup: send a keysym, or leave the character to
// the text path (returns undefined).
export function keysymFor(e: KeyboardEvent): number | undefined {
  const special = specialKeysym(e.key);
  if (special !== undefined) return special;
  const chars = [...e.key];
  if (chars.length === 1 && (e.ctrlKey || e.altKey || e.metaKey)) return charKeysym(e.key.toLowerCase());
  return undefined;
}
