// The web client: #/ lists instances, #/instances/{id} shows one live.
// web/src/viewer/ holds the live view; web/src/console/ (management) and
// web/src/audio/ (sound) plug in beside it.

import "./style.css";
import { Instance, listInstances } from "./api";
import { Viewer } from "./viewer/viewer";

const app = document.getElementById("app") as HTMLElement;
let current: Viewer | null = null;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, cls = "", text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

async function showList(): Promise<void> {
  app.replaceChildren(h("p", "muted", "Loading instances\u2026"));
  let instances: Instance[];
  try {
    instances = await listInstances();
  } catch (e) {
    app.replaceChildren(h("p", "error", String(e)));
    return;
  }
  const list = h("ul", "instances");
  for (const inst of instances) {
    const li = h("li", `instance state-${inst.state}`);
    const a = h("a", "", inst.name || inst.id);
    a.href = `#/instances/${encodeURIComponent(inst.id)}`;
    const phone = h("div", "thumb");
    const ratio = inst.width && inst.height ? inst.width / inst.height : 9 / 16;
    phone.style.aspectRatio = String(ratio);
    a.prepend(phone);
    li.append(a, h("span", "meta", `${inst.state} \u00b7 ${inst.width}\u00d7${inst.height}`));
    list.append(li);
  }
  app.replaceChildren(instances.length ? list : h("p", "muted", "No instances yet."));
}

function showViewer(id: string): void {
  const back = h("a", "back", "\u2190 All instances");
  back.href = "#/";
  const title = h("h1", "", id);
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  current = new Viewer(id, { forceJpeg: params.get("codec") === "jpeg" });
  app.replaceChildren(back, title, current.root);
}

function route(): void {
  current?.close();
  current = null;
  const m = location.hash.match(/^#\/instances\/([^?]+)/);
  if (m) showViewer(decodeURIComponent(m[1]));
  else void showList();
}

window.addEventListener("hashchange", route);
route();
