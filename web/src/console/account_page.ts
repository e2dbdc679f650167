// Account (#/account), for every user: API tokens (create: the secret is
// shown once; list; revoke) and the user's own password. Admins can list
// everyone's tokens.

import * as api from "../api";
import { alertBox, button, confirmAction, errorText, field, h, input, notify, select, showAlert, table, when, ago } from "./dom";
import { isAdmin, session } from "./session";
import type { Page } from "./page";

const TTL: Array<[string, string]> = [
  ["0", "never"],
  ["86400", "1 day"],
  ["2592000", "30 days"],
  ["7776000", "90 days"],
  ["31536000", "1 year"],
];

export function accountPage(onLoggedOut: () => void): Page {
  const err = alertBox();
  const s = session();
  const who = h("p", { class: "muted", text: s ? `Logged in as ${s.user.name} (${s.user.role}).` : "" });

  // --- tokens ---
  const tokName = field("Token name", input({ type: "text", required: true, autocomplete: "off", autocapitalize: "none", spellcheck: "false", pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}", placeholder: "e.g. laptop-cli" }));
  const tokTtl = field("Expires", select(TTL, "0"));
  const createBtn = h("button", { type: "submit", class: "primary", text: "Create token" });
  const tokForm = h("form", { class: "inline-form", "aria-label": "Create an API token" }, tokName.wrap, tokTtl.wrap, createBtn);
  const secret = h("div", { class: "secret", role: "status" });
  const all = input({ type: "checkbox" });
  all.id = "tokens-all";
  const allWrap = h("div", "field check", all, h("label", { for: "tokens-all", text: "Show everyone\u2019s tokens" }));
  const tokList = h("div");
  all.addEventListener("change", () => void loadTokens());

  tokForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    showAlert(err, "");
    createBtn.disabled = true;
    void api.createToken(tokName.control.value.trim(), Number(tokTtl.control.value))
      .then((t) => {
        const code = h("code", { class: "token-value", text: t.token ?? "" });
        const copy = button("Copy", () => void navigator.clipboard?.writeText(t.token ?? "").then(() => notify("Token copied")));
        secret.replaceChildren(h("p", {}, h("strong", { text: `Token \u201c${t.name}\u201d created. ` }),
          "Copy it now: it is not shown again. Use it as ", h("code", { text: "Authorization: Bearer \u2026" }), " or ", h("code", { text: "vmi --token \u2026" }), "."),
          h("div", "token-line", code, copy));
        tokName.control.value = "";
        void loadTokens();
      })
      .catch((e) => showAlert(err, errorText(e)))
      .finally(() => (createBtn.disabled = false));
  });

  async function loadTokens(): Promise<void> {
    try {
      const tokens = await api.listTokens(all.checked);
      const mine = s?.user.id;
      const names = new Map<number, string>();
      if (all.checked) for (const u of await api.listUsers().catch(() => [])) names.set(u.id, u.name);
      tokList.replaceChildren(tokens.length ? table(["Name", ...(all.checked ? ["Owner"] : []), "Prefix", "Created", "Expires", "Last used", ""],
        tokens.map((t) => {
          const revoked = t.revoked_at !== null && t.revoked_at !== undefined;
          const expired = !!t.expires_at && t.expires_at * 1000 < Date.now();
          const rv = button("Revoke", () => void revoke(t), "danger");
          rv.setAttribute("aria-label", `Revoke token ${t.name}`);
          return [
            h("strong", { text: t.name }),
            ...(all.checked ? [h("span", { text: t.user_id === mine ? "you" : names.get(t.user_id) ?? `#${t.user_id}` })] : []),
            h("code", { text: `${t.prefix}\u2026` }),
            h("span", { class: "small", text: when(t.created_at) }),
            h("span", { class: "small", text: t.expires_at ? when(t.expires_at) : "never" }),
            h("span", { class: "small", text: t.last_used_at ? ago(t.last_used_at) : "never" }),
            revoked ? h("span", { class: "badge state-stopped", text: "revoked" }) : expired ? h("span", { class: "badge state-exited", text: "expired" }) : rv,
          ];
        }), "API tokens") : h("p", { class: "muted", text: "No tokens." }));
    } catch (e) {
      showAlert(err, errorText(e));
    }
  }

  async function revoke(t: api.Token): Promise<void> {
    if (!(await confirmAction(`Revoke token ${t.name}?`, "Scripts using it stop working at once.", "Revoke"))) return;
    try {
      await api.revokeToken(t.id);
      notify(`Token ${t.name} revoked`);
    } catch (e) {
      showAlert(err, errorText(e));
    }
    await loadTokens();
  }

  // --- password ---
  const cur = field("Current password", input({ type: "password", required: true, autocomplete: "current-password" }));
  const next = field("New password", input({ type: "password", required: true, minlength: 8, autocomplete: "new-password" }), "At least 8 characters. You are logged out everywhere afterwards.");
  const pwErr = alertBox();
  const pwBtn = h("button", { type: "submit", text: "Change password" });
  const pwForm = h("form", { class: "stack-form", "aria-label": "Change password" }, cur.wrap, next.wrap, pwErr, pwBtn);
  pwForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    showAlert(pwErr, "");
    pwBtn.disabled = true;
    void api.changePassword(cur.control.value, next.control.value)
      .then(() => onLoggedOut())
      .catch((e) => showAlert(pwErr, errorText(e)))
      .finally(() => (pwBtn.disabled = false));
  });

  const root = h("section", "page",
    h("div", "page-head", h("h1", { text: "Account" })), who, err,
    h("section", { class: "panel", "aria-labelledby": "tok-h" }, h("h2", { id: "tok-h", text: "API tokens" }),
      h("p", { class: "muted small", text: "For the CLI and scripts. A token acts as you." }),
      tokForm, secret, isAdmin() ? allWrap : null, tokList),
    s?.accounts ? h("section", { class: "panel", "aria-labelledby": "pw-h" }, h("h2", { id: "pw-h", text: "Password" }), pwForm) : null);

  void loadTokens();
  return { title: "Account", root };
}
