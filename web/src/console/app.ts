// The console shell: hash routes, the header navigation (admin entries only
// for admins), the login gate and the session's instance store.
//
//   #/login                 log in (any other route redirects here first)
//   #/                      instance grid
//   #/instances/{id}        one instance (?codec=jpeg forces the JPEG path)
//   #/wall                  live views of all running instances, one mixed sound
//   #/account               API tokens, own password
//   #/admin/users|images|node|audit   admin pages (images: readable by all)

import { setUnauthenticatedHandler } from "../api";
import { button, errorText, h } from "./dom";
import { accountPage } from "./account_page";
import { auditPage } from "./audit_page";
import { imagesPage } from "./images_page";
import { instancePage } from "./instance_page";
import { instancesPage } from "./instances_page";
import { loginPage } from "./login";
import { nodePage } from "./node_page";
import type { Page } from "./page";
import { forget, isAdmin, logOut, restore, session } from "./session";
import { instances } from "./store";
import { usersPage } from "./users_page";
import { wallPage } from "./wall_page";

const app = document.getElementById("app") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const userBox = document.getElementById("user") as HTMLElement;

let page: Page | null = null;
let afterLogin = "#/";
let loginNotice = "";

interface NavItem {
  href: string;
  label: string;
  admin: boolean;
  match: (path: string) => boolean;
}

const NAV: NavItem[] = [
  { href: "#/", label: "Instances", admin: false, match: (p) => p === "/" || p.startsWith("/instances/") },
  { href: "#/wall", label: "Wall", admin: false, match: (p) => p === "/wall" },
  { href: "#/account", label: "Account", admin: false, match: (p) => p === "/account" },
  { href: "#/admin/users", label: "Users", admin: true, match: (p) => p === "/admin/users" },
  { href: "#/admin/images", label: "Images", admin: true, match: (p) => p === "/admin/images" },
  { href: "#/admin/node", label: "Node", admin: true, match: (p) => p === "/admin/node" },
  { href: "#/admin/audit", label: "Audit log", admin: true, match: (p) => p === "/admin/audit" },
];

function path(): { path: string; query: URLSearchParams } {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [p, q] = raw.split("?");
  return { path: p || "/", query: new URLSearchParams(q ?? "") };
}

function renderChrome(current: string): void {
  const s = session();
  nav.replaceChildren();
  userBox.replaceChildren();
  if (!s) return;
  const list = h("ul");
  for (const item of NAV) {
    if (item.admin && !isAdmin()) continue;
    const a = h("a", { href: item.href, text: item.label });
    if (item.match(current)) a.setAttribute("aria-current", "page");
    list.append(h("li", {}, a));
  }
  nav.append(list);
  userBox.append(h("span", { class: "who", text: s.user.name }));
  if (s.user.role === "admin") userBox.append(h("span", { class: "role", text: "admin" }));
  if (s.accounts) {
    const out = button("Log out", () => {
      out.disabled = true;
      void logOut().finally(() => loggedOut("You are logged out."));
    });
    userBox.append(out);
  }
}

function show(p: Page): void {
  page?.dispose?.();
  page = p;
  document.title = p.title ? `${p.title} \u00b7 vmi` : "vmi";
  app.replaceChildren(p.root);
}

function notFoundPage(): Page {
  return {
    title: "Not found",
    root: h("section", "page", h("h1", { text: "Page not found" }), h("p", {}, h("a", { href: "#/", text: "Back to the instances" }))),
  };
}

function loggedOut(notice: string): void {
  instances.stop();
  forget();
  loginNotice = notice;
  if (path().path !== "/login") afterLogin = location.hash && !location.hash.startsWith("#/login") ? location.hash : afterLogin;
  location.hash = "#/login";
  route();
}

function route(): void {
  const { path: p, query } = path();
  const s = session();
  if (!s) {
    if (p !== "/login") {
      afterLogin = location.hash || "#/";
      location.replace("#/login");
      return; // hashchange routes again
    }
    renderChrome(p);
    const notice = loginNotice;
    loginNotice = "";
    show(loginPage(() => {
      instances.start();
      const to = afterLogin && !afterLogin.startsWith("#/login") ? afterLogin : "#/";
      afterLogin = "#/";
      if (location.hash === to) route();
      else location.hash = to;
    }, notice));
    return;
  }
  if (p === "/login") {
    location.replace("#/");
    return;
  }
  renderChrome(p);
  let m: RegExpMatchArray | null;
  if (p === "/") show(instancesPage());
  else if ((m = p.match(/^\/instances\/([^/]+)$/))) show(instancePage(decodeURIComponent(m[1]), { forceJpeg: query.get("codec") === "jpeg" }));
  else if (p === "/wall") show(wallPage({ forceJpeg: query.get("codec") === "jpeg" }));
  else if (p === "/account") show(accountPage(() => loggedOut("Password changed. Log in with the new password.")));
  else if (p === "/admin/images" && isAdmin()) show(imagesPage());
  else if (p === "/admin/users" && isAdmin()) show(usersPage());
  else if (p === "/admin/node" && isAdmin()) show(nodePage());
  else if (p === "/admin/audit" && isAdmin()) show(auditPage());
  else show(notFoundPage());
}

// Test hook: the instance store (event stream state and counters).
(window as unknown as { __vmiConsole: unknown }).__vmiConsole = { instances };

export async function startConsole(): Promise<void> {
  setUnauthenticatedHandler(() => {
    if (session()?.accounts) loggedOut("Your session has ended. Log in again.");
  });
  app.replaceChildren(h("p", { class: "muted", text: "Loading\u2026" }));
  for (;;) {
    try {
      if (await restore()) instances.start();
      break;
    } catch (e) {
      app.replaceChildren(h("p", { class: "alert", role: "alert", text: `Cannot reach the server: ${errorText(e)}. Retrying\u2026` }));
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  window.addEventListener("hashchange", route);
  route();
}
