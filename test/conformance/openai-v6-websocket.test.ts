/**
 * Conformance: the `openai` package 6.49, its `OpenAIRealtimeWebSocket` (the browser-style client: it
 * opens the runtime's global `WebSocket` with the key as a subprotocol), over `wss://`, unmodified.
 * Node 20 has no global `WebSocket`, so this file gives it the `ws` package's, trusting the throw-away
 * certificate the suite's server serves (a browser would trust a real one). Scenarios:
 * test/support/conformance-openai.ts.
 */
import OpenAI from 'openai';
import { OpenAIRealtimeWebSocket } from 'openai/realtime/websocket';
import { trustingWebSocket } from '../support/conformance-websocket.js';
import { API_KEY, openAIConformance } from '../support/conformance-openai.js';

openAIConformance('openai 6.49 OpenAIRealtimeWebSocket', (baseURL, ca) => {
  globalThis.WebSocket = trustingWebSocket(ca);
  return new OpenAIRealtimeWebSocket({ model: 'voice-agent' }, new OpenAI({ apiKey: API_KEY, baseURL }));
});
