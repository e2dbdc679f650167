// Images (#/admin/images): list; admins import (a rootfs directory or
// tarball path on the server, or build a kind from the host's own tree)
// and delete. An image in use by an instance cannot be deleted (409).

import * as api from "../api";
import { alertBox, button, bytes, confirmAction, errorText, field, h, input, modal, notify, select, showAlert, table } from "./dom";
import { isAdmin } from "./session";
import type { Page } from "./page";

function created(c: string | number | undefined): string {
  if (c === undefined || c === "" || c === 0) return "\u2014";
  const d = typeof c === "number" ? new Date(c * 1000) : new Date(c);
  return isNaN(d.getTime()) ? String(c) : d.toLocaleString();
}

export function imagesPage(): Page {
  const err = alertBox();
  const listBox = h("div");
  const admin = isAdmin();
  const root = h("section", "page",
    h("div", "page-head", h("h1", { text: "Images" }), admin ? button("Import image", () => void importDialog(), "primary") : null),
    err, listBox);

  async function load(): Promise<void> {
    try {
      const imgs = await api.listImages();
      if (!imgs.length) {
        listBox.replaceChildren(h("p", { class: "muted", text: "No images yet." }));
        return;
      }
      listBox.replaceChildren(table(["Name", "Kind", "Size", "Created", "Source", ...(admin ? [""] : [])],
        imgs.map((i) => {
          const del = button("Delete", () => void remove(i.name), "danger");
          del.setAttribute("aria-label", `Delete image ${i.name}`);
          return [
            h("strong", { text: i.name }),
            h("span", { text: i.kind ?? "" }),
            h("span", { text: bytes((i.size_bytes ?? i.size) as number | undefined) }),
            h("span", { class: "small", text: created(i.created) }),
            h("span", { class: "small mono", text: String(i.source ?? "") }),
            ...(admin ? [del] : []),
          ];
        }), "Images"));
    } catch (e) {
      showAlert(err, errorText(e));
    }
  }

  async function importDialog(): Promise<void> {
    const mode = field("Source", select([["path", "A root filesystem on this server (directory or tarball)"], ["build", "Build from the host's own tree"]], "path"));
    const name = field("Image name", input({ type: "text", autocomplete: "off", autocapitalize: "none", spellcheck: "false", pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}" }), "Empty: derived from the source");
    const path = field("Path on the server", input({ type: "text", autocomplete: "off", spellcheck: "false", placeholder: "/srv/images/rootfs.tar" }));
    const kind = field("Kind to build", select([["linux-mobile", "linux-mobile"], ["phone", "phone (Phosh)"], ["win32", "win32"]], "linux-mobile"));
    kind.wrap.hidden = true;
    path.control.required = true;
    mode.control.addEventListener("change", () => {
      const build = mode.control.value === "build";
      kind.wrap.hidden = !build;
      path.wrap.hidden = build;
      path.control.required = !build;
    });
    const ok = await modal({
      title: "Import image",
      submitLabel: "Import",
      body: [mode.wrap, name.wrap, path.wrap, kind.wrap,
        h("p", { class: "muted small", text: "Importing or building can take a while; keep this open." })],
      onSubmit: async () => {
        const body: { name?: string; path?: string; build?: string } = {};
        const n = name.control.value.trim();
        if (n) body.name = n;
        if (mode.control.value === "build") body.build = kind.control.value;
        else body.path = path.control.value.trim();
        await api.importImage(body);
      },
    });
    if (ok) {
      notify("Image imported");
      await load();
    }
  }

  async function remove(name: string): Promise<void> {
    if (!(await confirmAction(`Delete image ${name}?`, "Instances using it must be deleted first.", "Delete image"))) return;
    showAlert(err, "");
    try {
      await api.deleteImage(name);
      notify(`Image ${name} deleted`);
    } catch (e) {
      showAlert(err, errorText(e));
    }
    await load();
  }

  void load();
  return { title: "Images", root };
}
