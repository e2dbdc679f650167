// Small DOM helpers shared by the console's pages: element construction,
// formatting of sizes and times, form fields with labels, and a modal
// confirmation built on <dialog>.

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | number | undefined> | string = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (typeof attrs === "string") {
    if (attrs) e.className = attrs;
  } else {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === false) continue;
      if (k === "class") e.className = String(v);
      else if (k === "text") e.textContent = String(v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export function button(label: string, onClick: (ev: MouseEvent) => void, cls = ""): HTMLButtonElement {
  const b = h("button", { type: "button", class: cls, text: label });
  b.addEventListener("click", onClick);
  return b;
}

// Runs an async action from a button: disabled while it runs.
export async function busy<T>(b: HTMLButtonElement | null, f: () => Promise<T>): Promise<T> {
  if (b) b.disabled = true;
  try {
    return await f();
  } finally {
    if (b) b.disabled = false;
  }
}

let fieldSeq = 0;

// A labelled input: returns the wrapper and the control.
export function field<T extends HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
  label: string,
  control: T,
  hint = "",
): { wrap: HTMLDivElement; control: T } {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const wrap = h("div", "field", h("label", { for: id, text: label }), control);
  if (hint) {
    const hid = `${id}-hint`;
    wrap.append(h("small", { id: hid, class: "hint", text: hint }));
    control.setAttribute("aria-describedby", hid);
  }
  return { wrap, control };
}

export function input(attrs: Record<string, string | boolean | number | undefined>): HTMLInputElement {
  return h("input", attrs);
}

export function select(options: Array<[string, string]>, value = ""): HTMLSelectElement {
  const s = h("select");
  for (const [v, text] of options) s.append(h("option", { value: v, text }));
  if (value) s.value = value;
  return s;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

// A paragraph that screen readers announce when its text changes.
export function alertBox(): HTMLParagraphElement {
  const p = h("p", { class: "alert", role: "alert" });
  p.hidden = true;
  return p;
}

export function showAlert(p: HTMLElement, text: string): void {
  p.textContent = text;
  p.hidden = !text;
}

const units = ["B", "KiB", "MiB", "GiB", "TiB"];
export function bytes(n: number | undefined | null): string {
  if (n === undefined || n === null || !isFinite(n)) return "\u2014";
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function mib(n: number | null | undefined): string {
  if (n === null || n === undefined) return "unlimited";
  return bytes(n * 1024 * 1024);
}

export function cpus(n: number | null | undefined): string {
  if (n === null || n === undefined) return "unlimited";
  return `${Number(n.toFixed(2))}`;
}

// Unix seconds -> local date and time.
export function when(sec: number | null | undefined): string {
  if (!sec) return "\u2014";
  return new Date(sec * 1000).toLocaleString();
}

export function ago(sec: number | null | undefined): string {
  if (!sec) return "\u2014";
  const d = Date.now() / 1000 - sec;
  if (d < 60) return "just now";
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return `${Math.floor(d / 86400)} d ago`;
}

// A modal dialog; resolves with the form's submit (true) or cancel (false).
// The body is whatever the caller puts in it; onSubmit may throw to keep
// the dialog open and show the message.
export function modal(opts: {
  title: string;
  body: Node[];
  submitLabel: string;
  danger?: boolean;
  onSubmit?: () => Promise<void>;
}): Promise<boolean> {
  return new Promise((resolve) => {
    const dlg = h("dialog", { class: "modal", "aria-labelledby": "" });
    const titleId = `dlg${++fieldSeq}`;
    dlg.setAttribute("aria-labelledby", titleId);
    const form = h("form", { method: "dialog" });
    const err = alertBox();
    const submit = h("button", {
      type: "submit",
      class: opts.danger ? "danger" : "primary",
      text: opts.submitLabel,
    });
    const cancel = button("Cancel", () => dlg.close("cancel"));
    form.append(
      h("h2", { id: titleId, text: opts.title }),
      ...opts.body,
      err,
      h("div", "actions", cancel, submit),
    );
    dlg.append(form);
    let result = false;
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void (async () => {
        showAlert(err, "");
        submit.disabled = true;
        try {
          if (opts.onSubmit) await opts.onSubmit();
          result = true;
          dlg.close("ok");
        } catch (e) {
          showAlert(err, errorText(e));
        } finally {
          submit.disabled = false;
        }
      })();
    });
    dlg.addEventListener("close", () => {
      dlg.remove();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

export function confirmAction(title: string, message: string, label: string): Promise<boolean> {
  return modal({ title, body: [h("p", { text: message })], submitLabel: label, danger: true });
}

// A transient message in the page's polite live region.
export function notify(text: string): void {
  const region = document.getElementById("notices");
  if (!region) return;
  const n = h("div", { class: "notice", text });
  region.append(n);
  setTimeout(() => n.remove(), 5000);
}

export function table(headers: string[], rows: Node[][], caption = ""): HTMLDivElement {
  const t = h("table");
  if (caption) t.append(h("caption", { class: "sr-only", text: caption }));
  const tr = h("tr");
  for (const x of headers) tr.append(h("th", { scope: "col", text: x }));
  t.append(h("thead", {}, tr));
  const tb = h("tbody");
  for (const r of rows) {
    const row = h("tr");
    r.forEach((c, i) => row.append(h("td", { "data-label": headers[i] ?? "" }, c)));
    tb.append(row);
  }
  t.append(tb);
  return h("div", "table-wrap", t);
}

export function badge(state: string): HTMLSpanElement {
  return h("span", { class: `badge state-${state}`, text: state });
}
