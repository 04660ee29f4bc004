/**
 * A global `WebSocket` for Node 20 (which has none) for the browser-style Realtime clients of the
 * conformance suite: the `ws` package's, constructed as a browser's is (`new WebSocket(url, protocols)`),
 * trusting the suite's throw-away certificate authority.
 *
 * @example
 * ```ts
 * globalThis.WebSocket = trustingWebSocket(world.tls!.ca);
 * const rt = new OpenAIRealtimeWebSocket({ model: 'voice-agent' }, client);
 * ```
 */
import WebSocket from 'ws';

export function trustingWebSocket(ca: Buffer): typeof globalThis.WebSocket {
  class TrustingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  }
  return TrustingWebSocket as unknown as typeof globalThis.WebSocket;
}
