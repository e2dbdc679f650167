// One instance (#/instances/{id}): the live view (web/src/viewer's Viewer,
// created while the instance runs), start/stop/restart/delete, screenshot
// download, the apps (install by drop or pick, start, remove), console log,
// VNC details, the phone (phone_panel.ts) and the instance's facts.
//
// Someone else's instance is a 404 from the server, shown exactly like a
// missing one.

import * as api from "../api";
import { Viewer } from "../viewer/viewer";
import { createAudioControls } from "../audio/index";
import { alertBox, badge, busy, button, bytes, confirmAction, errorText, h, input, notify, showAlert, when } from "./dom";
import { createAppsPanel } from "./apps_panel";
import { instances } from "./store";
import { phonePanel, type PhonePanel } from "./phone_panel";
import type { Page } from "./page";

export function instancePage(id: string, opts: { forceJpeg: boolean }): Page {
  const root = h("section", "page instance-page");
  const back = h("a", { class: "back", href: "#/", text: "\u2190 Instances" });
  const title = h("h1", { text: id });
  const state = h("span");
  const err = alertBox();
  const live = h("div", { class: "live", "aria-label": "Live view" });
  const facts = h("dl", "facts");
  const startBtn = button("Start", () => void act("start", startBtn));
  const stopBtn = button("Stop", () => void act("stop", stopBtn));
  const restartBtn = button("Restart", () => void act("restart", restartBtn));
  const shotBtn = button("Download screenshot", () => void busy(shotBtn, downloadScreenshot));
  const deleteBtn = button("Delete", () => void remove(), "danger");
  const actions = h("div", { class: "actions", role: "group", "aria-label": "Instance actions" },
    startBtn, stopBtn, restartBtn, shotBtn, deleteBtn);

  const vncOut = h("div", "vnc");
  const vncBtn = button("Show VNC details", () => void busy(vncBtn, showVnc));
  const logsOut = h("pre", { class: "logs", tabindex: 0, "aria-label": "Console log" });
  const logsBtn = button("Load log", () => void busy(logsBtn, loadLogs));
  const follow = input({ type: "checkbox" });
  follow.id = `follow-${id}`;
  const followWrap = h("div", "field check inline", follow, h("label", { for: follow.id, text: "Refresh every 3 s" }));
  let logTimer: number | undefined;
  follow.addEventListener("change", () => {
    clearInterval(logTimer);
    if (follow.checked) {
      void loadLogs();
      logTimer = window.setInterval(() => void loadLogs(), 3000);
    }
  });

  // The phone panel appears once the instance is known to exist.
  let phone: PhonePanel | null = null;
  const apps = createAppsPanel(id);
  const side = h("div", "side",
    actions, err, apps.root,
    h("section", { class: "panel", "aria-labelledby": "facts-h" }, h("h2", { id: "facts-h", text: "Details" }), facts),
    h("section", { class: "panel", "aria-labelledby": "vnc-h" }, h("h2", { id: "vnc-h", text: "VNC" }),
      h("p", { class: "muted small", text: "Any VNC client can connect to this instance with its password." }), vncBtn, vncOut),
    h("section", { class: "panel", "aria-labelledby": "logs-h" }, h("h2", { id: "logs-h", text: "Log" }), h("div", "log-bar", logsBtn, followWrap), logsOut));
  const layout = h("div", "instance-layout", live, side);
  root.append(back, h("div", "page-head", title, state), layout);
  apps.dropTarget(root);

  let inst: api.Instance | null = null;
  let viewer: Viewer | null = null;
  let gone = false;
  let disposed = false;
  let timer: number | undefined;

  function setViewer(on: boolean): void {
    if (on && !viewer && inst) {
      viewer = new Viewer(inst.id, { forceJpeg: opts.forceJpeg });
      live.replaceChildren(viewer.root, h("div", { class: "sound", role: "group", "aria-label": "Sound" }, createAudioControls(inst.id, { host: true })));
    } else if (!on) {
      viewer?.close();
      viewer = null;
      const msg = !inst ? "" : inst.state === "running" ? "Waiting for the display\u2026"
        : inst.state === "starting" ? "Starting\u2026" : `The instance is ${inst.state}. Start it to see its screen.`;
      live.replaceChildren(h("div", "placeholder", h("p", { text: msg })));
    }
  }

  function render(): void {
    if (!inst) return;
    title.textContent = inst.name || inst.id;
    state.replaceChildren(badge(inst.state));
    const running = inst.state === "running";
    const busyState = inst.state === "starting" || inst.state === "stopping";
    startBtn.disabled = running || busyState;
    stopBtn.disabled = !running && !busyState;
    restartBtn.disabled = !running;
    shotBtn.disabled = !running;
    vncBtn.disabled = !running;
    apps.setRunning(running);
    setViewer(running && inst.display_ready !== false);
    const row = (k: string, v: string) => [h("dt", { text: k }), h("dd", { text: v })];
    facts.replaceChildren(
      ...row("ID", inst.id),
      ...row("Image", inst.image),
      ...row("Screen", `${inst.width}\u00d7${inst.height} at ${inst.dpi} dpi`),
      ...row("CPUs", String(inst.cpus)),
      ...row("Memory", bytes(inst.memory)),
      ...row("Network", inst.ip ? `${inst.network ?? ""} ${inst.ip}`.trim() : inst.network ?? "\u2014"),
      ...row("Created", when(inst.created_at)),
      ...row("Started", running ? when(inst.started_at) : "\u2014"),
      ...(inst.last_exit !== undefined && !running && inst.started_at ? row("Last exit", String(inst.last_exit)) : []),
    );
  }

  function adopt(i: api.Instance): void {
    inst = { ...(inst ?? {}), ...i };
    if (!phone && !disposed) {
      phone = phonePanel(i.id);
      side.insertBefore(phone.root, side.children[2] ?? null);
    }
    render();
    // Starting, or running without a display yet: ask again soon (the
    // event stream says when the state changes, not when the display is up).
    clearTimeout(timer);
    if (!disposed && (i.state === "starting" || i.state === "stopping" || (i.state === "running" && i.display_ready === false)))
      timer = window.setTimeout(() => void load(), 1500);
  }

  function notFound(): void {
    gone = true;
    phone?.dispose();
    setViewer(false);
    root.replaceChildren(back, h("h1", { text: "Instance not found" }),
      h("p", { class: "muted", text: `There is no instance \u201c${id}\u201d that you can see.` }));
  }

  async function load(): Promise<void> {
    try {
      adopt(await api.getInstance(id));
    } catch (e) {
      if (e instanceof api.ApiError && e.status === 404) notFound();
      else showAlert(err, errorText(e));
    }
  }

  async function act(a: "start" | "stop" | "restart", b: HTMLButtonElement): Promise<void> {
    if (!inst) return;
    showAlert(err, "");
    if (a !== "start") setViewer(false);
    try {
      await busy(b, async () => {
        const r = await api.instanceAction(inst!.id, a);
        instances.put(r);
        adopt(r);
      });
      notify(`${inst.name || inst.id}: ${a === "stop" ? "stopped" : a === "start" ? "started" : "restarted"}`);
    } catch (e) {
      showAlert(err, errorText(e));
      void load();
    }
  }

  async function remove(): Promise<void> {
    if (!inst) return;
    const running = inst.state !== "stopped" && inst.state !== "exited" && inst.state !== "created";
    const ok = await confirmAction(`Delete ${inst.name || inst.id}?`,
      (running ? "The instance is running; it will be stopped. " : "") + "Its data is deleted and cannot be recovered.", "Delete");
    if (!ok) return;
    try {
      setViewer(false);
      await busy(deleteBtn, () => api.deleteInstance(inst!.id, running));
      instances.remove(inst.id);
      notify(`${inst.name || inst.id} deleted`);
      location.hash = "#/";
    } catch (e) {
      showAlert(err, errorText(e));
    }
  }

  async function downloadScreenshot(): Promise<void> {
    if (!inst) return;
    try {
      const blob = await api.screenshot(inst.id);
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: `${inst.name || inst.id}-${new Date().toISOString().replace(/[:.]/g, "-")}.png` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      showAlert(err, errorText(e));
    }
  }

  async function showVnc(): Promise<void> {
    if (!inst) return;
    try {
      const v = await api.instanceVnc(inst.id);
      const pw = h("code", { text: v.password });
      const copy = button("Copy password", () => void navigator.clipboard?.writeText(v.password).then(() => notify("Password copied")));
      vncOut.replaceChildren(h("dl", "facts",
        h("dt", { text: "Address" }), h("dd", {}, h("code", { text: `${v.host}:${v.port}` })),
        h("dt", { text: "Password" }), h("dd", {}, pw, " ", copy)));
    } catch (e) {
      vncOut.replaceChildren(h("p", { class: "alert", text: errorText(e) }));
    }
  }

  async function loadLogs(): Promise<void> {
    if (!inst) return;
    try {
      const text = await api.instanceLogs(inst.id);
      // Keep the reader's place unless they are at the end.
      const atEnd = logsOut.scrollTop + logsOut.clientHeight >= logsOut.scrollHeight - 4;
      logsOut.textContent = text || "(empty)";
      if (atEnd) logsOut.scrollTop = logsOut.scrollHeight;
      logsBtn.textContent = "Refresh log";
    } catch (e) {
      logsOut.textContent = errorText(e);
    }
  }

  const cached = instances.get(id);
  if (cached) adopt(cached);
  else live.replaceChildren(h("div", "placeholder", h("p", { text: "Loading\u2026" })));
  void load();
  const unsubscribe = instances.subscribe(() => {
    if (gone || !inst) return;
    const i = instances.get(inst.id);
    if (i) adopt(i);
    else if (instances.loaded) void load(); // deleted elsewhere: the server says so
  });

  return {
    title: id,
    root,
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
      clearInterval(logTimer);
      phone?.dispose();
      unsubscribe();
      apps.dispose();
      viewer?.close();
      viewer = null;
    },
  };
}
