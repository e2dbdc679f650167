// The console's icons as inline SVG, drawn with strokes in the button's text
// colour. Buttons used to show Unicode symbols (U+27F3, U+25C1, emoji ...)
// whose glyphs come from whatever fonts the viewing machine has; a fresh
// Debian machine has none of them and drew empty boxes. SVG needs no font.

export type IconName =
  | "rotate"
  | "back"
  | "home"
  | "camera"
  | "speaker"
  | "speaker-muted"
  | "mic"
  | "mic-on";

// Each icon is a list of SVG path data on a 24x24 grid, stroked.
const PATHS: Record<IconName, string[]> = {
  // An arc of about 300 degrees with an arrow head at its end.
  rotate: ["M20 12a8 8 0 1 1-2.34-5.66", "M20 4v5h-5"],
  // A left-pointing triangle (Android's Back).
  back: ["M16 5 7 12l9 7z"],
  // A circle (Android's Home).
  home: ["M12 5a7 7 0 1 0 0 14a7 7 0 1 0 0-14z"],
  // A camera body with its lens.
  camera: ["M4 8h4l2-3h4l2 3h4v11H4z", "M12 10a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7z"],
  // A loudspeaker with two sound waves.
  speaker: ["M4 9h4l5-4v14l-5-4H4z", "M16 9.5a3.5 3.5 0 0 1 0 5", "M18.5 7a7 7 0 0 1 0 10"],
  // A loudspeaker with a cross.
  "speaker-muted": ["M4 9h4l5-4v14l-5-4H4z", "M16 9l5 6", "M21 9l-5 6"],
  // A microphone capsule on its stand.
  mic: ["M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z", "M6 11a6 6 0 0 0 12 0", "M12 17v4", "M9 21h6"],
  // The microphone with a dot that says it is live.
  "mic-on": [
    "M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z",
    "M6 11a6 6 0 0 0 12 0",
    "M12 17v4",
    "M9 21h6",
    "M19.5 3.5a1.5 1.5 0 1 0 0.01 0z",
  ],
};

const SVG_NS = "http://www.w3.org/2000/svg";

// icon("home") returns a new 1.25em square SVG element, hidden from screen
// readers (the button carrying it has the title and aria-label).
export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "1.25em");
  svg.setAttribute("height", "1.25em");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("icon");
  svg.dataset.icon = name;
  for (const d of PATHS[name]) {
    const p = document.createElementNS(SVG_NS, "path");
    p.setAttribute("d", d);
    svg.append(p);
  }
  return svg;
}

// Puts an icon into a button in place of whatever it showed, and names the
// button for assistive technology.
export function setIcon(button: HTMLButtonElement, name: IconName, label: string): void {
  button.replaceChildren(icon(name));
  button.title = label;
  button.setAttribute("aria-label", label);
}
