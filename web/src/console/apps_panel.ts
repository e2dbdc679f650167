// The "Apps" panel of an instance page (docs/apps.md): the installed apps
// with Start and Remove, a file picker, and a drop target covering the whole
// page. While a file installs it shows the bytes sent (the browser's upload
// progress) and then the node's phase (polled from the list route).

import * as api from "../api";
import { alertBox, bytes, button, confirmAction, errorText, h, input, notify, showAlert } from "./dom";

export interface AppsPanel {
  root: HTMLElement;
  // Makes `target` accept dropped files.
  dropTarget(target: HTMLElement): void;
  setRunning(running: boolean): void;
  dispose(): void;
}

export function createAppsPanel(instanceId: string): AppsPanel {
  const list = h("ul", { class: "apps", "aria-label": "Installed apps" });
  const err = alertBox();
  const progress = h("progress", { max: 1, value: 0, hidden: true, "aria-label": "Install progress" });
  const status = h("p", { class: "muted small", "aria-live": "polite" });
  const picker = input({ type: "file" });
  picker.hidden = true;
  picker.setAttribute("aria-label", "App file");
  const pick = button("Install app\u2026", () => picker.click());
  const root = h("section", { class: "panel", "aria-labelledby": "apps-h" },
    h("h2", { id: "apps-h", text: "Apps" }),
    h("p", { class: "muted small", text: "Drop a file on this page or pick one: .exe, .msi, .zip (Windows), .deb or a program (Linux), .apk (Android)." }),
    pick, picker, progress, status, err, list);
  let running = false;
  let installing = false;
  let poll: number | undefined;
  let disposed = false;

  function render(apps: api.App[]): void {
    list.replaceChildren(...apps.map((a) => {
      const start = button("Start", async () => {
        try {
          await api.startApp(instanceId, a.id);
          notify(`${a.name} started`);
        } catch (e) {
          showAlert(err, errorText(e));
        }
      });
      start.disabled = !running;
      const rm = button("Remove", async () => {
        if (!(await confirmAction(`Remove ${a.name}?`, "Its files in the instance are deleted.", "Remove"))) return;
        try {
          await api.removeApp(instanceId, a.id);
          notify(`${a.name} removed`);
          void refresh();
        } catch (e) {
          showAlert(err, errorText(e));
        }
      }, "danger");
      rm.disabled = !running;
      return h("li", { "data-app": a.id },
        h("span", { class: "app-name", text: a.name }),
        h("span", { class: "muted small", text: ` ${a.type}${a.machine ? " " + a.machine : ""}, ${bytes(a.bytes)}` }),
        start, rm);
    }));
  }

  async function refresh(): Promise<api.AppList | null> {
    try {
      const l = await api.listApps(instanceId);
      if (!disposed) render(l.apps);
      return l;
    } catch (e) {
      showAlert(err, errorText(e));
      return null;
    }
  }

  async function install(file: File): Promise<void> {
    if (installing) return;
    if (!running) {
      showAlert(err, "Start the instance to install apps.");
      return;
    }
    installing = true;
    showAlert(err, "");
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Uploading ${file.name}\u2026`;
    // After the last byte the node checks and installs: show its phase.
    const watch = () => {
      poll = window.setTimeout(async () => {
        const l = await refresh();
        if (installing && l?.install) status.textContent = `${file.name}: ${l.install.phase}\u2026`;
        if (installing) watch();
      }, 500);
    };
    try {
      const app = await api.installApp(instanceId, file, (sent, total) => {
        progress.value = total ? sent / total : 1;
        status.textContent = `Uploading ${file.name}: ${bytes(sent)} of ${bytes(total)}`;
        if (sent >= total && poll === undefined) watch();
      });
      notify(`${app.name} installed`);
      status.textContent = `${app.name} installed.`;
    } catch (e) {
      status.textContent = "";
      showAlert(err, errorText(e));
    } finally {
      installing = false;
      clearTimeout(poll);
      poll = undefined;
      progress.hidden = true;
      picker.value = "";
      void refresh();
    }
  }

  picker.addEventListener("change", () => {
    const f = picker.files?.[0];
    if (f) void install(f);
  });

  return {
    root,
    dropTarget(target: HTMLElement) {
      target.addEventListener("dragover", (e) => {
        if (e.dataTransfer?.types.includes("Files")) {
          e.preventDefault();
          target.classList.add("dropping");
        }
      });
      target.addEventListener("dragleave", () => target.classList.remove("dropping"));
      target.addEventListener("drop", (e) => {
        target.classList.remove("dropping");
        const f = e.dataTransfer?.files?.[0];
        if (!f) return;
        e.preventDefault();
        void install(f);
      });
    },
    setRunning(r: boolean) {
      const changed = r !== running;
      running = r;
      pick.disabled = !r;
      if (changed) void refresh();
    },
    dispose() {
      disposed = true;
      clearTimeout(poll);
    },
  };
}
