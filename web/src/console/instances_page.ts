// The instance grid (#/): one tile per instance the caller may see, with a
// state badge and, for running instances, a low-rate live thumbnail. Kept
// current by the instance store (event stream + fallback poll).

import { Instance, listUsers } from "../api";
import { badge, button, h } from "./dom";
import { openCreateDialog } from "./create_dialog";
import { isAdmin, session } from "./session";
import { instances } from "./store";
import { ThumbnailPoller } from "./thumbnails";
import type { Page } from "./page";
import { quotaSummary } from "./quota_view";

const THUMB_WIDTH = 180;

export function isLive(i: Instance): boolean {
  return i.state === "running" && i.display_ready !== false;
}

export function instancesPage(): Page {
  const grid = h("ul", { class: "grid", "aria-label": "Instances" });
  const status = h("p", { class: "muted", role: "status" });
  const quota = h("p", "quota-line");
  const create = button("New instance", () => void openCreateDialog().then((i) => i && (location.hash = `#/instances/${encodeURIComponent(i.id)}`)), "primary");
  const root = h("section", "page",
    h("div", "page-head", h("h1", { text: "Instances" }), create),
    quota, status, grid);
  const poller = new ThumbnailPoller(THUMB_WIDTH);
  const tiles = new Map<string, { li: HTMLLIElement; key: string; img: HTMLImageElement }>();
  const owners = new Map<number, string>();

  function tile(i: Instance): { li: HTMLLIElement; key: string; img: HTMLImageElement } {
    const owner = isAdmin() && i.owner_id !== undefined && i.owner_id !== session()?.user.id ? owners.get(i.owner_id) : undefined;
    const key = JSON.stringify([i.name, i.state, i.width, i.height, i.image, isLive(i), owner]);
    const old = tiles.get(i.id);
    if (old && old.key === key) return old;
    const img = old?.img ?? h("img", { class: "thumb-img", alt: `Screen of ${i.name || i.id}`, draggable: "false" });
    const screen = h("div", "thumb", img, h("span", { class: "thumb-state", "aria-hidden": "true", text: isLive(i) ? "" : i.state }));
    screen.style.aspectRatio = i.width && i.height ? `${i.width} / ${i.height}` : "9 / 16";
    const link = h("a", { class: "tile-link", href: `#/instances/${encodeURIComponent(i.id)}` }, screen,
      h("span", { class: "tile-name", text: i.name || i.id }));
    const li = h("li", { class: `tile state-${i.state}`, "data-id": i.id },
      link,
      h("div", "tile-meta", badge(i.state), h("span", { text: `${i.width}\u00d7${i.height}` }),
        owner ? h("span", { class: "owner", text: `owner ${owner}` }) : null));
    return { li, key, img };
  }

  function render(): void {
    const list = instances.list();
    if (!instances.loaded) {
      status.textContent = instances.lastError ? `Could not load instances: ${instances.lastError}` : "Loading instances\u2026";
      return;
    }
    status.textContent = list.length ? "" : "No instances yet. Create one with \u201cNew instance\u201d.";
    const ids = new Set<string>();
    const children: HTMLLIElement[] = [];
    for (const i of list) {
      ids.add(i.id);
      const t = tile(i);
      tiles.set(i.id, t);
      children.push(t.li);
      poller.track(i.id, t.img, isLive(i));
    }
    for (const id of [...tiles.keys()]) if (!ids.has(id)) tiles.delete(id);
    poller.retain(ids);
    // Replace only what changed so images do not blink.
    const current = [...grid.children];
    if (current.length !== children.length || children.some((c, k) => current[k] !== c)) grid.replaceChildren(...children);
    void quotaSummary(quota);
  }

  const unsubscribe = instances.subscribe(render);
  render();
  void instances.refresh();
  if (isAdmin() && session()?.accounts) {
    void listUsers().then((us) => {
      for (const u of us) owners.set(u.id, u.name);
      tiles.clear();
      render();
    }).catch(() => {});
  }
  return {
    title: "Instances",
    root,
    dispose: () => {
      unsubscribe();
      poller.close();
    },
  };
}
