// The REST API v1 as the console uses it (docs/api/openapi.json is the
// contract; src/node/api_routes.cc and src/api/routes/ the code).
//
// Console sessions: POST /api/v1/auth/login sets an HttpOnly cookie and
// returns a CSRF token; every unsafe request sends it as X-CSRF-Token.
// Errors are JSON {"error":{"code","message"}} and surface as ApiError.

export interface Instance {
  id: string;
  name: string;
  image: string;
  state: string; // created starting running stopping stopped exited
  cpus: number;
  memory: number; // bytes
  width: number;
  height: number;
  dpi: number;
  network?: string;
  ip?: string;
  owner_id?: number;
  created_at?: number;
  started_at?: number;
  last_exit?: number;
  restart_count?: number;
  display_ready?: boolean;
  [key: string]: unknown;
}

export interface QuotaFigures {
  instances: number | null;
  cpus: number | null;
  memory_mb: number | null;
}

export interface Quota {
  limits: QuotaFigures; // null: unlimited
  used: { instances: number; cpus: number; memory_mb: number };
}

export interface User {
  id: number;
  name: string;
  role: "user" | "admin";
  disabled: boolean;
  created_at: number;
  quota?: Quota;
}

export interface Me extends User {
  auth_method?: string;
  csrf_token?: string;
  expires_at?: number;
}

export interface Image {
  name: string;
  kind: string;
  size?: number;
  size_bytes?: number;
  created?: string | number;
  source?: string;
  [key: string]: unknown;
}

export interface Token {
  id: number;
  user_id: number;
  name: string;
  prefix: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  token?: string; // only in the answer to create
}

export interface AuditEntry {
  id: number;
  at: number;
  user_id: number | null;
  user: string;
  action: string;
  target: string;
  outcome: string;
  detail: string;
  peer: string;
}

export interface NodeInfo {
  runtime?: string;
  runtime_version?: string;
  runtime_note?: string;
  cgroup_mode?: string;
  user_namespaces?: boolean;
  overlayfs?: boolean;
  binder?: boolean;
  kernel?: string;
  capacity?: { cpus?: number; memory?: number };
  usage?: { instances?: number; running?: number; cpus?: number; memory?: number };
  limits?: { max_instances?: number; max_cpus_per_instance?: number; max_memory_per_instance?: number };
  [key: string]: unknown;
}

export interface Vnc {
  host: string;
  port: number;
  password: string;
}

export interface QuotaLimitsInput {
  instances?: number; // -1: unlimited
  cpus?: number;
  memory_mb?: number;
}

export interface CreateInstanceInput {
  name?: string;
  image?: string;
  resolution?: string;
  dpi?: number;
  cpus?: number;
  memory?: string | number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken = "";
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(t: string): void {
  csrfToken = t;
}

// Called when a request that needed a session got 401 (it expired or was
// ended elsewhere); the console goes back to its login page.
export function setUnauthenticatedHandler(f: (() => void) | null): void {
  onUnauthenticated = f;
}

async function errorOf(r: Response, what: string): Promise<ApiError> {
  let code = "unknown";
  let message = `${what}: ${r.status} ${r.statusText}`;
  try {
    const body = (await r.json()) as { error?: { code?: string; message?: string } };
    if (body?.error?.message) message = body.error.message;
    if (body?.error?.code) code = body.error.code;
  } catch {
    // Not JSON (a proxy, or a route that does not exist yet): keep the status.
  }
  return new ApiError(r.status, code, message);
}

export interface RequestOptions {
  body?: unknown;
  quiet401?: boolean; // do not call the unauthenticated handler
  signal?: AbortSignal;
}

export async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const r = await fetch(path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    credentials: "same-origin",
    signal: opts.signal,
  });
  if (!r.ok) {
    const err = await errorOf(r, `${method} ${path}`);
    if (r.status === 401 && !opts.quiet401) onUnauthenticated?.();
    throw err;
  }
  return r;
}

async function json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const r = await request(method, path, opts);
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const enc = encodeURIComponent;
const inst = (id: string) => `/api/v1/instances/${enc(id)}`;

// A bare array or {"<key>": [...]}: both shapes have been seen in the API.
function listOf<T>(body: unknown, key: string): T[] {
  const list = Array.isArray(body) ? body : (body as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) throw new Error(`unexpected response: no ${key} list`);
  return list as T[];
}

// --- auth ---
export const login = (name: string, password: string) =>
  json<Me>("POST", "/api/v1/auth/login", { body: { name, password }, quiet401: true });
export const logout = () => json<void>("POST", "/api/v1/auth/logout", { quiet401: true });
export const me = () => json<Me>("GET", "/api/v1/auth/me", { quiet401: true });
export const changePassword = (current_password: string, new_password: string) =>
  json<void>("POST", "/api/v1/auth/password", { body: { current_password, new_password } });

// --- instances ---
export async function listInstances(): Promise<Instance[]> {
  return listOf<Instance>(await json<unknown>("GET", "/api/v1/instances"), "instances");
}
export const getInstance = (id: string) => json<Instance>("GET", inst(id));
export const createInstance = (body: CreateInstanceInput, start: boolean) =>
  json<Instance>("POST", `/api/v1/instances${start ? "?start=true" : ""}`, { body });
export const instanceAction = (id: string, action: "start" | "stop" | "restart") =>
  json<Instance>("POST", `${inst(id)}/${action}`);
export const deleteInstance = (id: string, force: boolean) =>
  json<void>("DELETE", `${inst(id)}${force ? "?force=true" : ""}`);
export async function instanceLogs(id: string, tailBytes = 65536): Promise<string> {
  return (await request("GET", `${inst(id)}/logs?tail_bytes=${tailBytes}`)).text();
}
export const instanceVnc = (id: string) => json<Vnc>("GET", `${inst(id)}/vnc`);
// The instance's screen: a PNG, or with maxWidth a copy scaled down by the
// server (JPEG when asked: thumbnails).
export async function screenshot(id: string, maxWidth?: number, signal?: AbortSignal, jpeg = false): Promise<Blob> {
  const p = new URLSearchParams();
  if (maxWidth) p.set("max_width", String(Math.round(maxWidth)));
  if (jpeg) p.set("format", "jpeg");
  const q = p.toString();
  return (await request("GET", `${inst(id)}/screenshot${q ? "?" + q : ""}`, { signal })).blob();
}

// --- images ---
export async function listImages(): Promise<Image[]> {
  return listOf<Image>(await json<unknown>("GET", "/api/v1/images"), "images");
}
export const importImage = (body: { name?: string; path?: string; build?: string }) =>
  json<Image>("POST", "/api/v1/images", { body });
export const deleteImage = (name: string) => json<void>("DELETE", `/api/v1/images/${enc(name)}`);

// --- node ---
export const nodeInfo = () => json<NodeInfo>("GET", "/api/v1/node");

// --- users and quotas (admin) ---
export async function listUsers(): Promise<User[]> {
  return listOf<User>(await json<unknown>("GET", "/api/v1/users"), "users");
}
export const createUser = (body: { name: string; password: string; role: string; quota?: QuotaLimitsInput }) =>
  json<User>("POST", "/api/v1/users", { body });
export const updateUser = (id: number, body: { role?: string; disabled?: boolean; password?: string }) =>
  json<User>("PATCH", `/api/v1/users/${id}`, { body });
export const deleteUser = (id: number) => json<void>("DELETE", `/api/v1/users/${id}`);
export const getQuota = (id: number) => json<Quota>("GET", `/api/v1/users/${id}/quota`);
export const setQuota = (id: number, body: QuotaLimitsInput) =>
  json<Quota>("PUT", `/api/v1/users/${id}/quota`, { body });

// --- tokens ---
export async function listTokens(all = false): Promise<Token[]> {
  return listOf<Token>(await json<unknown>("GET", `/api/v1/tokens${all ? "?all=true" : ""}`), "tokens");
}
export const createToken = (name: string, ttlSeconds: number) =>
  json<Token>("POST", "/api/v1/tokens", { body: ttlSeconds > 0 ? { name, ttl_seconds: ttlSeconds } : { name } });
export const revokeToken = (id: number) => json<void>("DELETE", `/api/v1/tokens/${id}`);

// --- audit (admin) ---
export interface AuditQuery {
  before?: number;
  limit?: number;
  action?: string;
  user_id?: number;
}
export async function audit(q: AuditQuery): Promise<AuditEntry[]> {
  const p = new URLSearchParams();
  if (q.before) p.set("before", String(q.before));
  if (q.limit) p.set("limit", String(q.limit));
  if (q.action) p.set("action", q.action);
  if (q.user_id) p.set("user_id", String(q.user_id));
  const qs = p.toString();
  return listOf<AuditEntry>(await json<unknown>("GET", `/api/v1/audit${qs ? "?" + qs : ""}`), "entries");
}

// --- phone (docs/telephony.md) ---
export interface PhoneCall {
  id: number;
  direction: "incoming" | "outgoing";
  state: "dialing" | "alerting" | "incoming" | "active";
  peer: string;
  peer_instance?: string;
}
export interface PhoneLine {
  number: string;
  attached: boolean;
  registration: "home" | "roaming" | "searching" | "denied" | "none";
  signal: number;
  operator: string;
  calls?: PhoneCall[];
}
export interface PhoneSms {
  id: number;
  direction: "in" | "out";
  peer: string;
  time: number;
  text: string;
  parts: number;
  complete: boolean;
}
export const phoneLine = (id: string) => json<PhoneLine>("GET", `${inst(id)}/phone`);
export const setPhoneLine = (id: string, body: Partial<Pick<PhoneLine, "registration" | "signal" | "operator" | "number">>) =>
  json<PhoneLine>("PATCH", `${inst(id)}/phone`, { body });
export const placeCall = (id: string, body: { to: string } | { from: string }) =>
  json<{ call: number }>("POST", `${inst(id)}/phone/calls`, { body });
export const answerCall = (id: string, call: number) =>
  json<PhoneCall[]>("POST", `${inst(id)}/phone/calls/${call}/answer`);
export const hangUp = (id: string, call: number) => json<void>("DELETE", `${inst(id)}/phone/calls/${call}`);
export const phoneSms = (id: string) => json<PhoneSms[]>("GET", `${inst(id)}/phone/sms`);
export const deliverSms = (id: string, from: string, text: string) =>
  json<unknown>("POST", `${inst(id)}/phone/sms`, { body: { from, text } });

// --- apps (docs/apps.md) ---
export interface AppEntry {
  name: string;
  exec: string;
  icon: string;
}
export interface App {
  id: string;
  name: string;
  type: string;
  file: string;
  machine: string;
  bytes: number;
  installed: number;
  entries: AppEntry[];
}
export interface AppInstallStatus {
  file: string;
  phase: string;
  bytes: number;
  started: number;
}
export interface AppList {
  kind: string;
  apps: App[];
  install: AppInstallStatus | null;
}
export const listApps = (id: string) => json<AppList>("GET", `${inst(id)}/apps`);
export const removeApp = (id: string, app: string) => json<void>("DELETE", `${inst(id)}/apps/${enc(app)}`);
export const startApp = (id: string, app: string) => json<void>("POST", `${inst(id)}/apps/${enc(app)}/start`);

// Uploads a file as the body of the install route. XMLHttpRequest rather
// than fetch: only it reports upload progress.
export function installApp(id: string, file: File, onProgress: (sent: number, total: number) => void): Promise<App> {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("POST", `${inst(id)}/apps?file=${enc(file.name)}`);
    x.withCredentials = true;
    x.setRequestHeader("Content-Type", "application/octet-stream");
    x.setRequestHeader("Accept", "application/json");
    if (csrfToken) x.setRequestHeader("X-CSRF-Token", csrfToken);
    x.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    x.onerror = () => reject(new ApiError(0, "unavailable", "the upload failed (connection lost)"));
    x.onload = () => {
      let body: { error?: { code?: string; message?: string } } & Partial<App> = {};
      try {
        body = JSON.parse(x.responseText);
      } catch {
        // not JSON: keep the status
      }
      if (x.status >= 200 && x.status < 300) resolve(body as App);
      else {
        if (x.status === 401) onUnauthenticated?.();
        reject(new ApiError(x.status, body.error?.code ?? "unknown", body.error?.message ?? `install: ${x.status}`));
      }
    };
    x.send(file);
  });
}
