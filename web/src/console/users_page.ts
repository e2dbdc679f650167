// Admin: users (#/admin/users): list, create (with a quota), change role,
// enable/disable, set a password, edit the quota, delete.

import * as api from "../api";
import { alertBox, button, confirmAction, cpus, errorText, field, h, input, mib, modal, notify, select, showAlert, table, when } from "./dom";
import { session } from "./session";
import type { Page } from "./page";

// Quota inputs: empty = unlimited (-1).
function quotaFields(q?: api.Quota) {
  const num = (label: string, v: number | null | undefined, step: number, hint: string) =>
    field(label, input({ type: "number", min: 0, step, value: v === null || v === undefined ? "" : v, placeholder: "unlimited", inputmode: "decimal" }), hint);
  const inst = num("Max instances", q?.limits.instances, 1, "Empty: unlimited");
  const c = num("Max CPUs", q?.limits.cpus, 0.5, "Empty: unlimited");
  const mem = num("Max memory (MiB)", q?.limits.memory_mb, 256, "Empty: unlimited");
  const value = (e: HTMLInputElement) => (e.value.trim() === "" ? -1 : Number(e.value));
  return {
    nodes: [h("div", "row", inst.wrap, c.wrap, mem.wrap)],
    read: (): api.QuotaLimitsInput => ({ instances: Math.round(value(inst.control)), cpus: value(c.control), memory_mb: Math.round(value(mem.control)) }),
  };
}

function quotaCell(q?: api.Quota): string {
  if (!q) return "\u2014";
  const part = (u: string, l: string) => `${u} / ${l}`;
  return [
    `${part(String(q.used.instances), q.limits.instances === null ? "\u221e" : String(q.limits.instances))} inst`,
    `${part(cpus(q.used.cpus), q.limits.cpus === null ? "\u221e" : cpus(q.limits.cpus))} CPU`,
    `${part(mib(q.used.memory_mb), q.limits.memory_mb === null ? "\u221e" : mib(q.limits.memory_mb))}`,
  ].join(", ");
}

export function usersPage(): Page {
  const err = alertBox();
  const listBox = h("div");
  const root = h("section", "page",
    h("div", "page-head", h("h1", { text: "Users" }), button("New user", () => void createDialog(), "primary")),
    err, listBox);

  async function load(): Promise<void> {
    try {
      const users = await api.listUsers();
      const myId = session()?.user.id;
      listBox.replaceChildren(table(["Name", "Role", "Status", "Quota (used / limit)", "Created", ""],
        users.map((u) => {
          const role = select([["user", "user"], ["admin", "admin"]], u.role);
          role.setAttribute("aria-label", `Role of ${u.name}`);
          role.disabled = u.id === myId;
          role.addEventListener("change", () => void update(u, { role: role.value }, `${u.name} is now ${role.value}`));
          const toggle = button(u.disabled ? "Enable" : "Disable", () => void update(u, { disabled: !u.disabled }, `${u.name} ${u.disabled ? "enabled" : "disabled"}`));
          toggle.setAttribute("aria-label", `${u.disabled ? "Enable" : "Disable"} ${u.name}`);
          toggle.disabled = u.id === myId;
          const quota = button("Quota\u2026", () => void quotaDialog(u));
          quota.setAttribute("aria-label", `Quota of ${u.name}`);
          const pw = button("Password\u2026", () => void passwordDialog(u));
          pw.setAttribute("aria-label", `Set password of ${u.name}`);
          const del = button("Delete", () => void remove(u), "danger");
          del.setAttribute("aria-label", `Delete ${u.name}`);
          del.disabled = u.id === myId;
          return [
            h("strong", { text: u.name }),
            role,
            h("span", { class: u.disabled ? "badge state-stopped" : "badge state-running", text: u.disabled ? "disabled" : "active" }),
            h("span", { class: "small", text: quotaCell(u.quota) }),
            h("span", { class: "small", text: when(u.created_at) }),
            h("div", "row-actions", quota, pw, toggle, del),
          ];
        }), "Users"));
    } catch (e) {
      showAlert(err, errorText(e));
    }
  }

  async function update(u: api.User, body: { role?: string; disabled?: boolean }, done: string): Promise<void> {
    showAlert(err, "");
    try {
      await api.updateUser(u.id, body);
      notify(done);
    } catch (e) {
      showAlert(err, errorText(e));
    }
    await load();
  }

  async function createDialog(): Promise<void> {
    const name = field("User name", input({ type: "text", required: true, autocomplete: "off", autocapitalize: "none", spellcheck: "false", pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}" }));
    const pw = field("Password", input({ type: "password", required: true, minlength: 8, autocomplete: "new-password" }), "At least 8 characters");
    const role = field("Role", select([["user", "user"], ["admin", "admin"]], "user"));
    const q = quotaFields({ limits: { instances: 10, cpus: 8, memory_mb: 16384 }, used: { instances: 0, cpus: 0, memory_mb: 0 } });
    const ok = await modal({
      title: "New user",
      submitLabel: "Create user",
      body: [name.wrap, pw.wrap, role.wrap, h("h3", { text: "Quota" }), ...q.nodes],
      onSubmit: async () => {
        await api.createUser({ name: name.control.value.trim(), password: pw.control.value, role: role.control.value, quota: q.read() });
      },
    });
    if (ok) {
      notify(`User ${name.control.value.trim()} created`);
      await load();
    }
  }

  async function quotaDialog(u: api.User): Promise<void> {
    let quota = u.quota;
    try {
      quota = await api.getQuota(u.id);
    } catch {
      // The list's copy will do.
    }
    const q = quotaFields(quota);
    const ok = await modal({
      title: `Quota of ${u.name}`,
      submitLabel: "Save quota",
      body: [h("p", { class: "muted small", text: quota ? `In use: ${quota.used.instances} instances, ${cpus(quota.used.cpus)} CPUs, ${mib(quota.used.memory_mb)}` : "" }), ...q.nodes],
      onSubmit: async () => {
        await api.setQuota(u.id, q.read());
      },
    });
    if (ok) {
      notify(`Quota of ${u.name} saved`);
      await load();
    }
  }

  async function passwordDialog(u: api.User): Promise<void> {
    const pw = field("New password", input({ type: "password", required: true, minlength: 8, autocomplete: "new-password" }), "At least 8 characters; the user's sessions end");
    const ok = await modal({
      title: `Password of ${u.name}`,
      submitLabel: "Set password",
      body: [pw.wrap],
      onSubmit: async () => {
        await api.updateUser(u.id, { password: pw.control.value });
      },
    });
    if (ok) notify(`Password of ${u.name} changed`);
  }

  async function remove(u: api.User): Promise<void> {
    if (!(await confirmAction(`Delete user ${u.name}?`, "Their API tokens stop working. A user who still owns instances cannot be deleted.", "Delete user"))) return;
    showAlert(err, "");
    try {
      await api.deleteUser(u.id);
      notify(`User ${u.name} deleted`);
    } catch (e) {
      showAlert(err, errorText(e));
    }
    await load();
  }

  void load();
  return { title: "Users", root };
}
