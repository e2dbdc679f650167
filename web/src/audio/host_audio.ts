// The host's volume and mute of an instance: GET/PUT
// /api/v1/instances/{id}/audio ({"volume": 0..1.5, "muted": bool}). They
// apply to everyone who hears the instance (docs/audio.md, routing rule 3),
// unlike a viewer's own volume. Requests go through the console's API
// client, which sends the session's CSRF token on the PUT.

import { request } from "../api";

export interface HostAudio {
  volume: number;
  muted: boolean;
}

function url(id: string): string {
  return `/api/v1/instances/${encodeURIComponent(id)}/audio`;
}

export async function getHostAudio(id: string): Promise<HostAudio> {
  return (await (await request("GET", url(id))).json()) as HostAudio;
}

export async function setHostAudio(id: string, s: Partial<HostAudio>): Promise<HostAudio> {
  return (await (await request("PUT", url(id), { body: s })).json()) as HostAudio;
}
