/**
 * Conformance: the `openai` package 7.57 (installed as `openai-v7`), its `OpenAIRealtimeWebSocket` (the
 * browser-style client: the runtime's global `WebSocket`, `wss://` only, the key as a subprotocol),
 * unmodified. Node 20 has no global `WebSocket`, so this file gives it the `ws` package's, trusting the
 * throw-away certificate the suite's server serves. Scenarios: test/support/conformance-openai.ts.
 */
import OpenAI from 'openai-v7';
import { OpenAIRealtimeWebSocket } from 'openai-v7/realtime/websocket';
import { trustingWebSocket } from '../support/conformance-websocket.js';
import { API_KEY, openAIConformance } from '../support/conformance-openai.js';

openAIConformance('openai 7.57 OpenAIRealtimeWebSocket', (baseURL, ca) => {
  globalThis.WebSocket = trustingWebSocket(ca);
  return new OpenAIRealtimeWebSocket({ model: 'voice-agent' }, new OpenAI({ apiKey: API_KEY, baseURL }));
});
