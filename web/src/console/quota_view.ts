// The caller's quota and usage in one line ("2 of 3 instances · ..."),
// from GET /api/v1/auth/me (refreshed at most every few seconds).

import type { Quota } from "../api";
import { cpus, mib } from "./dom";
import { reloadUser, session } from "./session";

let lastFetch = 0;

export function quotaText(q: Quota | undefined): string {
  if (!q) return "";
  const l = q.limits, u = q.used;
  const part = (used: string, limit: number | null, what: string, fmt: (n: number) => string) =>
    limit === null ? `${used} ${what} (no limit)` : `${used} of ${fmt(limit)} ${what}`;
  return [
    part(String(u.instances), l.instances, "instances", String),
    part(cpus(u.cpus), l.cpus, "CPUs", (n) => cpus(n)),
    part(mib(u.memory_mb), l.memory_mb, "memory", (n) => mib(n)),
  ].join(" \u00b7 ");
}

export async function quotaSummary(el: HTMLElement): Promise<void> {
  const s = session();
  if (!s?.accounts) return;
  if (Date.now() - lastFetch > 3000) {
    lastFetch = Date.now();
    try {
      await reloadUser();
    } catch {
      return;
    }
  }
  const t = quotaText(session()?.user.quota);
  el.textContent = t ? `Your quota: ${t}` : "";
}
