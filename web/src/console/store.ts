// The console's view of the caller's instances, kept current by the event
// stream GET /api/v1/events (Server-Sent Events; event `instance`, data =
// the instance JSON as GET /api/v1/instances/{id} returns it; `removed`,
// data = {"id","name"}; a snapshot on connect) and by a
// fallback poll of GET /api/v1/instances while the stream is not open (and
// a slow one while it is, to catch anything missed).
//
// Lifetime: one store per logged-in session (start() after login, stop() at
// logout). Pages subscribe and unsubscribe as they come and go.

import { Instance, listInstances } from "../api";

export type Listener = () => void;

const POLL_WITHOUT_EVENTS_MS = 5000;
const POLL_WITH_EVENTS_MS = 30000;

// `instance` carries the instance as JSON; `removed` carries {"id","name"}
// of a deleted one (src/node/instance_events.h).
function isDeletion(ev: string): boolean {
  return ev === "removed";
}

export class InstanceStore {
  private items = new Map<string, Instance>();
  private listeners = new Set<Listener>();
  private source: EventSource | null = null;
  private timer: number | undefined;
  private running = false;
  loaded = false;
  lastError = "";
  eventsOpen = false;
  eventsReceived = 0; // instance/removed events applied (tests read it)

  start(): void {
    if (this.running) return;
    this.running = true;
    this.openEvents();
    void this.refresh();
  }

  stop(): void {
    this.running = false;
    this.source?.close();
    this.source = null;
    this.eventsOpen = false;
    clearTimeout(this.timer);
    this.items.clear();
    this.loaded = false;
  }

  list(): Instance[] {
    return [...this.items.values()].sort(
      (a, b) => (a.created_at ?? 0) - (b.created_at ?? 0) || a.name.localeCompare(b.name),
    );
  }

  get(id: string): Instance | undefined {
    return this.items.get(id) ?? [...this.items.values()].find((i) => i.name === id);
  }

  subscribe(f: Listener): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  // Applies an instance the page learnt of itself (an action's answer).
  put(i: Instance): void {
    this.items.set(i.id, i);
    this.emit();
  }

  remove(id: string): void {
    if (this.items.delete(id)) this.emit();
  }

  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    try {
      const list = await listInstances();
      if (!this.running) return;
      this.items = new Map(list.map((i) => [i.id, i]));
      this.loaded = true;
      this.lastError = "";
      this.emit();
    } catch (e) {
      if (!this.running) return;
      this.lastError = e instanceof Error ? e.message : String(e);
      this.emit();
    } finally {
      if (this.running) {
        this.timer = window.setTimeout(
          () => void this.refresh(),
          this.eventsOpen ? POLL_WITH_EVENTS_MS : POLL_WITHOUT_EVENTS_MS,
        );
      }
    }
  }

  private emit(): void {
    for (const f of [...this.listeners]) f();
  }

  private openEvents(): void {
    if (typeof EventSource === "undefined") return;
    const es = new EventSource("/api/v1/events", { withCredentials: true });
    this.source = es;
    const onData = (name: string) => (ev: MessageEvent) => {
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(String(ev.data)) as Record<string, unknown>;
      } catch {
        return;
      }
      const id = typeof j.id === "string" ? j.id : "";
      if (!id) return;
      this.eventsReceived++;
      if (isDeletion(name)) this.remove(id);
      else this.put(j as unknown as Instance);
    };
    es.addEventListener("instance", onData("instance") as EventListener);
    es.addEventListener("removed", onData("removed") as EventListener);
    es.onopen = () => {
      const wasOpen = this.eventsOpen;
      this.eventsOpen = true;
      // Whatever happened while the stream was down: fetch the list once.
      if (!wasOpen) void this.refresh();
    };
    es.onerror = () => {
      this.eventsOpen = false;
      // EventSource retries by itself unless the server refused (then it is
      // CLOSED): try again later; the poll covers the gap.
      if (es.readyState === EventSource.CLOSED && this.running) {
        this.source = null;
        window.setTimeout(() => this.running && !this.source && this.openEvents(), 15000);
      }
    };
  }
}

export const instances = new InstanceStore();
