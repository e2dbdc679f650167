// Node (#/admin/node): capacity against what running instances reserve,
// and the facts the runtime found at start (runtime, cgroups, binder...).
// Refreshed every few seconds while open.

import * as api from "../api";
import { alertBox, bytes, errorText, h, showAlert } from "./dom";
import type { Page } from "./page";

function meter(label: string, used: number, total: number, fmt: (n: number) => string): HTMLElement {
  const pct = total > 0 ? Math.min(100, Math.round((used / total) * 100)) : 0;
  const m = h("div", {
    class: `meter${pct >= 90 ? " high" : ""}`,
    role: "meter",
    "aria-label": label,
    "aria-valuemin": 0,
    "aria-valuemax": total,
    "aria-valuenow": used,
    "aria-valuetext": `${fmt(used)} of ${fmt(total)}`,
  }, h("div", "meter-fill"));
  (m.firstChild as HTMLElement).style.width = `${pct}%`;
  return h("div", "meter-row",
    h("div", "meter-label", h("span", { text: label }), h("span", { class: "muted", text: `${fmt(used)} of ${fmt(total)} (${pct}%)` })), m);
}

export function nodePage(): Page {
  const err = alertBox();
  const meters = h("section", { class: "panel", "aria-labelledby": "cap-h" });
  const facts = h("section", { class: "panel", "aria-labelledby": "facts-h" });
  const root = h("section", "page", h("div", "page-head", h("h1", { text: "Node" })), err, meters, facts);
  let timer: number | undefined;

  async function load(): Promise<void> {
    try {
      const n = await api.nodeInfo();
      showAlert(err, "");
      const cap = n.capacity ?? {}, use = n.usage ?? {};
      const num = (x: number) => String(Number(x.toFixed(2)));
      meters.replaceChildren(h("h2", { id: "cap-h", text: "Capacity and usage" }),
        h("p", { class: "muted small", text: "What running instances reserve (their CPU and memory limits) against the host." }),
        meter("CPUs reserved", use.cpus ?? 0, cap.cpus ?? 0, num),
        meter("Memory reserved", use.memory ?? 0, cap.memory ?? 0, bytes),
        meter("Instances running", use.running ?? 0, use.instances ?? 0, (x) => String(x)));
      const row = (k: string, v: unknown) => [h("dt", { text: k }), h("dd", { text: v === undefined ? "\u2014" : typeof v === "boolean" ? (v ? "yes" : "no") : String(v) })];
      facts.replaceChildren(h("h2", { id: "facts-h", text: "Facts" }), h("dl", "facts",
        ...row("Runtime", n.runtime_version && n.runtime && n.runtime_version.startsWith(n.runtime) ? n.runtime_version : [n.runtime, n.runtime_version].filter(Boolean).join(" ")),
        ...(n.runtime_note ? row("Runtime note", n.runtime_note) : []),
        ...row("Cgroup mode", n.cgroup_mode),
        ...row("User namespaces", n.user_namespaces),
        ...row("Overlayfs", n.overlayfs),
        ...row("Binder (Android)", n.binder),
        ...row("Kernel", n.kernel),
        ...row("Instances", use.instances),
        ...row("Largest instance", n.limits ? `${n.limits.max_cpus_per_instance ?? "?"} CPUs, ${bytes(n.limits.max_memory_per_instance)}` : undefined)));
    } catch (e) {
      showAlert(err, errorText(e));
    }
    timer = window.setTimeout(() => void load(), 5000);
  }

  void load();
  return { title: "Node", root, dispose: () => clearTimeout(timer) };
}
