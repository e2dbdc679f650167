// Who is logged in. The session itself is the HttpOnly cookie the server
// set at login (JavaScript never sees it); the page keeps the user and the
// CSRF token that unsafe requests must carry.

import * as api from "../api";

export interface Session {
  user: api.Me;
  // False when the server has no accounts (GET /api/v1/auth/me is not a
  // route): the console then runs without a login, as a local admin.
  accounts: boolean;
}

let current: Session | null = null;

export function session(): Session | null {
  return current;
}

export function isAdmin(): boolean {
  return current?.user.role === "admin";
}

function adopt(user: api.Me, accounts: boolean): Session {
  if (user.csrf_token) api.setCsrfToken(user.csrf_token);
  current = { user, accounts };
  return current;
}

// Asks the server whether the cookie (if any) is a live session.
export async function restore(): Promise<Session | null> {
  try {
    return adopt(await api.me(), true);
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 404) {
      // No management routes on this server at all.
      return adopt({ id: 0, name: "local", role: "admin", disabled: false, created_at: 0 }, false);
    }
    if (e instanceof api.ApiError && (e.status === 401 || e.status === 403)) {
      current = null;
      return null;
    }
    throw e;
  }
}

export async function logIn(name: string, password: string): Promise<Session> {
  return adopt(await api.login(name, password), true);
}

export async function logOut(): Promise<void> {
  try {
    await api.logout();
  } finally {
    forget();
  }
}

export function forget(): void {
  current = null;
  api.setCsrfToken("");
}

export async function reloadUser(): Promise<void> {
  if (!current?.accounts) return;
  const u = await api.me();
  if (!u.csrf_token && current.user.csrf_token) u.csrf_token = current.user.csrf_token;
  adopt(u, true);
}
