// The host's volume and mute of an instance: GET/PUT
// /api/v1/instances/{id}/audio ({"volume": 0..1.5, "muted": bool}). They
// apply to everyone who hears the instance (docs/audio.md, routing rule 3),
// unlike a viewer's own volume.

export interface HostAudio {
  volume: number;
  muted: boolean;
}

function url(id: string): string {
  return `/api/v1/instances/${encodeURIComponent(id)}/audio`;
}

async function parse(r: Response): Promise<HostAudio> {
  if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
  return (await r.json()) as HostAudio;
}

export async function getHostAudio(id: string): Promise<HostAudio> {
  return parse(await fetch(url(id)));
}

export async function setHostAudio(id: string, s: Partial<HostAudio>): Promise<HostAudio> {
  return parse(
    await fetch(url(id), { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(s) }),
  );
}
