// The REST calls the client makes (served by the daemon's api/).

export interface Instance {
  id: string;
  name: string;
  state: string;
  width: number;
  height: number;
}

export async function listInstances(): Promise<Instance[]> {
  const r = await fetch("/api/v1/instances", { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(`GET /api/v1/instances: ${r.status} ${r.statusText}`);
  const body = (await r.json()) as unknown;
  // Accept a bare array or {"instances": [...]}.
  const list = Array.isArray(body) ? body : (body as { instances?: unknown }).instances;
  if (!Array.isArray(list)) throw new Error("unexpected /api/v1/instances response");
  return list as Instance[];
}
