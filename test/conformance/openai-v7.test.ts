/**
 * Conformance: the `openai` package 7.57 (installed as `openai-v7`; its engine field asks for a newer
 * Node, and it runs on 20), its `OpenAIRealtimeWS` over `wss://`, unmodified. Scenarios:
 * test/support/conformance-openai.ts.
 */
import OpenAI from 'openai-v7';
import { OpenAIRealtimeWS } from 'openai-v7/realtime/ws';
import { API_KEY, openAIConformance } from '../support/conformance-openai.js';

openAIConformance(
  'openai 7.57',
  (baseURL, ca) =>
    new OpenAIRealtimeWS({ model: 'voice-agent', options: { ca } }, new OpenAI({ apiKey: API_KEY, baseURL })),
);
