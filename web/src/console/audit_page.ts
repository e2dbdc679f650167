// Audit log (#/admin/audit): newest first, filtered by action (exact, or a
// prefix ending in '.') and user, paged with ?before=<smallest id shown>.

import * as api from "../api";
import { alertBox, button, errorText, field, h, input, select, showAlert, table, when } from "./dom";
import type { Page } from "./page";

const PAGE = 50;

export function auditPage(): Page {
  const err = alertBox();
  const action = field("Action", input({ type: "search", placeholder: "e.g. auth. or instance.create", autocapitalize: "none", spellcheck: "false" }));
  const user = field("User", select([["", "everyone"]], ""));
  const apply = h("button", { type: "submit", text: "Filter" });
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Filter the audit log" }, action.wrap, user.wrap, apply);
  const listBox = h("div");
  const pageInfo = h("span", { class: "muted small", "aria-live": "polite" });
  const newer = button("\u2190 Newer", () => void go(stack.length - 2));
  const older = button("Older \u2192", () => void next());
  const pager = h("nav", { class: "pager", "aria-label": "Audit log pages" }, newer, pageInfo, older);
  const root = h("section", "page", h("div", "page-head", h("h1", { text: "Audit log" })), filters, err, listBox, pager);

  // stack[k] = the `before` cursor of page k (0: newest).
  let stack: Array<number | undefined> = [undefined];
  let lastIds: number[] = [];

  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    stack = [undefined];
    void go(0);
  });

  async function go(k: number): Promise<void> {
    if (k < 0) return;
    showAlert(err, "");
    try {
      const entries = await api.audit({
        before: stack[k],
        limit: PAGE,
        action: action.control.value.trim() || undefined,
        user_id: user.control.value ? Number(user.control.value) : undefined,
      });
      stack = stack.slice(0, k + 1);
      lastIds = entries.map((e) => e.id);
      listBox.replaceChildren(entries.length ? table(["Time", "User", "Action", "Target", "Outcome", "Detail", "Peer"],
        entries.map((e) => [
          h("span", { class: "small nowrap", text: when(e.at) }),
          h("span", { text: e.user || (e.user_id ? `#${e.user_id}` : "\u2014") }),
          h("code", { text: e.action }),
          h("span", { class: "small", text: e.target }),
          h("span", { class: `outcome outcome-${e.outcome}`, text: e.outcome }),
          h("span", { class: "small", text: e.detail }),
          h("span", { class: "small mono", text: e.peer }),
        ]), "Audit entries") : h("p", { class: "muted", text: "No entries." }));
      pageInfo.textContent = `Page ${k + 1}`;
      newer.disabled = k === 0;
      older.disabled = entries.length < PAGE;
    } catch (e) {
      showAlert(err, errorText(e));
    }
  }

  async function next(): Promise<void> {
    if (!lastIds.length) return;
    stack.push(Math.min(...lastIds));
    await go(stack.length - 1);
  }

  void api.listUsers().then((us) => {
    for (const u of us) user.control.append(h("option", { value: String(u.id), text: u.name }));
  }).catch(() => {});
  void go(0);
  return { title: "Audit log", root };
}
