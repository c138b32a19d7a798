/**
 * Test helper: a WebSocket the test drives by hand. It records the frames
 * sent, and is opened, fed and closed by the test.
 *
 * @module
 */
import type { SocketLike } from "./ws_client.ts";

/** A socket the test drives. */
export class ScriptedSocket implements SocketLike {
  readyState = 0;
  /** Frames sent, as text. */
  sent: string[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {}
  /** The connection opened. */
  open() {
    this.onopen?.(new Event("open"));
  }
  /** A frame from the server. */
  receive(message: unknown) {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(message) }));
  }
  /** The connection closed with `code`. */
  drop(code: number, reason = "") {
    this.onclose?.({ code, reason } as CloseEvent);
  }
  /** The parsed frames sent of `type`. */
  frames(type: string): { id?: string; type: string; payload?: unknown }[] {
    return this.sent.map((f) => JSON.parse(f)).filter((m) => m.type === type);
  }
}
