// The create dialog: image (GET /api/v1/images), name, resolution, dpi,
// cpus, memory -> POST /api/v1/instances (?start=true to start it at once).
// The server's own error message is shown when it refuses (bad name, quota
// exhausted, not enough memory on the node, ...).

import { createInstance, CreateInstanceInput, Instance, listImages } from "../api";
import { errorText, field, h, input, modal, select } from "./dom";
import { instances } from "./store";
import { quotaText } from "./quota_view";
import { reloadUser, session } from "./session";

const RESOLUTIONS: Array<[string, string]> = [
  ["720x1280", "720 \u00d7 1280 (HD portrait)"],
  ["1080x1920", "1080 \u00d7 1920 (Full HD portrait)"],
  ["480x800", "480 \u00d7 800 (small phone)"],
  ["1280x720", "1280 \u00d7 720 (HD landscape)"],
  ["800x1280", "800 \u00d7 1280 (tablet)"],
  ["custom", "Custom\u2026"],
];

export async function openCreateDialog(): Promise<Instance | null> {
  const name = field("Name", input({ type: "text", name: "name", autocomplete: "off", pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}", placeholder: "optional, e.g. phone-1", autocapitalize: "none", spellcheck: "false" }),
    "Letters, digits, '.', '_' and '-'; empty for a generated name.");
  const image = field("Image", select([["linux-mobile", "linux-mobile"]], "linux-mobile"));
  const resolution = field("Resolution", select(RESOLUTIONS, "720x1280"));
  const custom = field("Custom resolution", input({ type: "text", name: "custom-resolution", placeholder: "WIDTHxHEIGHT", pattern: "\\d{2,5}x\\d{2,5}" }));
  custom.wrap.hidden = true;
  resolution.control.addEventListener("change", () => {
    custom.wrap.hidden = resolution.control.value !== "custom";
    custom.control.required = !custom.wrap.hidden;
  });
  const dpi = field("DPI", input({ type: "number", name: "dpi", min: 72, max: 960, step: 1, value: 320, inputmode: "numeric" }));
  const cpus = field("CPUs", input({ type: "number", name: "cpus", min: 0.1, max: 256, step: 0.1, value: 1, inputmode: "decimal" }));
  const memory = field("Memory (MiB)", input({ type: "number", name: "memory", min: 128, step: 128, value: 1024, inputmode: "numeric" }));
  const start = input({ type: "checkbox", name: "start", checked: true });
  start.id = "create-start";
  const startWrap = h("div", "field check", start, h("label", { for: "create-start", text: "Start it now" }));
  const quota = h("p", { class: "muted small" });
  const row = (...c: Node[]) => h("div", "row", ...c);

  // Fill what the server knows while the dialog is already open.
  void listImages().then((imgs) => {
    if (!imgs.length) return;
    const keep = image.control.value;
    image.control.replaceChildren(...imgs.map((i) => h("option", { value: i.name, text: i.kind && i.kind !== i.name ? `${i.name} (${i.kind})` : i.name })));
    image.control.value = imgs.some((i) => i.name === keep) ? keep : imgs[0].name;
  }).catch(() => {});
  if (session()?.accounts) {
    void reloadUser().then(() => {
      const t = quotaText(session()?.user.quota);
      quota.textContent = t ? `Your quota: ${t}` : "";
    }).catch(() => {});
  }

  let created: Instance | null = null;
  await modal({
    title: "New instance",
    submitLabel: "Create",
    body: [quota, name.wrap, image.wrap, row(resolution.wrap, dpi.wrap), custom.wrap, row(cpus.wrap, memory.wrap), startWrap],
    onSubmit: async () => {
      const body: CreateInstanceInput = { image: image.control.value };
      const n = name.control.value.trim();
      if (n) body.name = n;
      body.resolution = resolution.control.value === "custom" ? custom.control.value.trim() : resolution.control.value;
      const d = Number(dpi.control.value);
      if (dpi.control.value && Number.isFinite(d)) body.dpi = Math.round(d);
      const c = Number(cpus.control.value);
      if (cpus.control.value && Number.isFinite(c)) body.cpus = c;
      const m = Number(memory.control.value);
      if (memory.control.value && Number.isFinite(m)) body.memory = `${Math.round(m)}M`;
      try {
        created = await createInstance(body, start.checked);
      } catch (e) {
        throw new Error(errorText(e));
      }
      instances.put(created);
    },
  });
  return created;
}
