/**
 * Conformance: the `openai` package 6.49 (`openai`), its `OpenAIRealtimeWS` over `wss://` (it dials
 * nothing else; the server serves a throw-away certificate), unmodified. Scenarios:
 * test/support/conformance-openai.ts.
 */
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { API_KEY, openAIConformance } from '../support/conformance-openai.js';

openAIConformance(
  'openai 6.49',
  (baseURL, ca) =>
    new OpenAIRealtimeWS({ model: 'voice-agent', options: { ca } }, new OpenAI({ apiKey: API_KEY, baseURL })),
);
