// The audio subsystem's door into a viewer connection. Message types
// 0x20-0x2f on the viewer WebSocket belong to audio in both directions
// (see src/stream/web/README.md). web/src/audio/ registers a factory here; the
// viewer calls it once per connection and routes audio messages to it.

export interface AudioChannel {
  // A server message of type 0x20-0x2f (the whole message, type byte first).
  onMessage(data: Uint8Array): void;
  close(): void;
}

// `send` takes a whole message whose first byte is 0x20-0x2f.
export type AudioFactory = (send: (msg: Uint8Array) => void, instanceId: string) => AudioChannel;

let factory: AudioFactory | null = null;

export function registerAudio(f: AudioFactory): void {
  factory = f;
}

export function openAudio(send: (msg: Uint8Array) => void, instanceId: string): AudioChannel | null {
  return factory ? factory(send, instanceId) : null;
}
