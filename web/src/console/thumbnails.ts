// Low-rate live thumbnails for the instance grid: every few seconds, the
// screenshot of each visible running instance, scaled by the server
// (?max_width=N; a server that ignores it sends the full size and the
// browser scales). PNG: at thumbnail size it is a few KB, and ?format=jpeg
// crashed the daemon when this was written (tjCompress2 bound to
// libvncserver's copy). One request at a time, nothing while the tab is hidden,
// and only for tiles on screen, so a grid of many phones stays cheap.
//
// Ownership: the poller owns the object URLs of the images it shows and
// revokes them when replaced or when the tile goes away.

import { screenshot } from "../api";

const PERIOD_MS = 4000;

interface Tile {
  img: HTMLImageElement;
  live: boolean; // instance running with a display
  visible: boolean;
  url: string;
  inFlight: boolean;
}

export class ThumbnailPoller {
  private tiles = new Map<string, Tile>();
  private observer: IntersectionObserver;
  private timer: number | undefined;
  private stopped = false;
  private abort = new AbortController();

  constructor(private maxWidth: number) {
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const id = (e.target as HTMLElement).dataset.instance ?? "";
        const t = this.tiles.get(id);
        if (t) t.visible = e.isIntersecting;
      }
    });
    this.schedule(200);
  }

  // Adds or updates a tile; a tile that just became live is fetched at once.
  track(id: string, img: HTMLImageElement, live: boolean): void {
    let t = this.tiles.get(id);
    if (!t || t.img !== img) {
      if (t) this.untrack(id);
      img.dataset.instance = id;
      t = { img, live, visible: true, url: "", inFlight: false };
      this.tiles.set(id, t);
      this.observer.observe(img);
      if (live) this.schedule(50);
      return;
    }
    if (live && !t.live) this.schedule(50);
    t.live = live;
  }

  untrack(id: string): void {
    const t = this.tiles.get(id);
    if (!t) return;
    this.observer.unobserve(t.img);
    if (t.url) URL.revokeObjectURL(t.url);
    this.tiles.delete(id);
  }

  // Keeps only the given ids.
  retain(ids: Set<string>): void {
    for (const id of [...this.tiles.keys()]) if (!ids.has(id)) this.untrack(id);
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    this.observer.disconnect();
    for (const id of [...this.tiles.keys()]) this.untrack(id);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (!document.hidden) {
      const scale = Math.min(2, window.devicePixelRatio || 1);
      for (const [id, t] of [...this.tiles]) {
        if (this.stopped) return;
        if (!t.live || !t.visible || t.inFlight) continue;
        t.inFlight = true;
        try {
          const blob = await screenshot(id, this.maxWidth * scale, this.abort.signal);
          if (this.tiles.get(id) !== t) continue;
          const url = URL.createObjectURL(blob);
          const old = t.url;
          t.url = url;
          t.img.src = url;
          t.img.classList.add("loaded");
          if (old) URL.revokeObjectURL(old);
        } catch {
          // Not ready yet (409) or stopped meanwhile: the next round retries.
        } finally {
          t.inFlight = false;
        }
      }
    }
    this.schedule(PERIOD_MS);
  }
}
