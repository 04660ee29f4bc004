/**
 * Lip sync on the Realtime WebSocket: a client that opts in (`session.voice_agent.lip_sync`) gets a
 * `voice_agent.output_audio.mouth` event before every audio delta, with the frame's mouth level and the
 * viseme of the phoneme playing; a client that did not opt in gets none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VISEMES } from '../../adapters/audio/mouth.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

type Event = { type: string; [k: string]: unknown };
let server: VoiceAgentServer;
beforeAll(async () => {
  const tts = { ...FAKE_ENGINES.tts, engines: [{ engine: 'fake', latencyMs: 5, msPerWord: 100, phonemes: true }] };
  server = await serve({
    config: loadConfig({ overrides: { ...FAKE_ENGINES, tts, server: { port: 0, drainTimeoutMs: 200 } } }),
    log: silentLogger,
  });
});
afterAll(() => server?.stop());

async function typedTurn(lipSync: boolean | undefined): Promise<Event[]> {
  const ws = new WebSocket(`${server.http.url.replace(/^http/, 'ws')}/v1/realtime`);
  const events: Event[] = [];
  ws.on('message', (d) => events.push(JSON.parse(String(d)) as Event));
  await new Promise((r) => ws.once('open', r));
  const send = (e: object) => ws.send(JSON.stringify(e));
  if (lipSync !== undefined)
    send({ type: 'session.update', session: { type: 'realtime', voice_agent: { lip_sync: lipSync } } });
  send({
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
  });
  send({ type: 'response.create' });
  const deadline = Date.now() + 10_000;
  while (!events.some((e) => e.type === 'response.done')) {
    if (Date.now() > deadline) throw new Error(`no response.done; saw ${events.map((e) => e.type).join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  ws.close();
  return events;
}

describe('Realtime lip sync', () => {
  it('an opted-in client gets the mouth level and viseme before every audio delta', async () => {
    const events = await typedTurn(true);
    expect(events.find((e) => e.type === 'session.updated')?.session).toMatchObject({
      voice_agent: { lip_sync: true },
    });
    const audio = events.filter(
      (e) => e.type === 'response.output_audio.delta' || e.type === 'voice_agent.output_audio.mouth',
    );
    const deltas = audio.filter((e) => e.type === 'response.output_audio.delta');
    expect(deltas.length).toBeGreaterThan(20);
    // Strictly paired: mouth, delta, mouth, delta, … each pair about the same response item.
    audio.forEach((e, i) =>
      expect(e.type).toBe(i % 2 === 0 ? 'voice_agent.output_audio.mouth' : 'response.output_audio.delta'),
    );
    for (let i = 0; i < audio.length; i += 2)
      expect(audio[i]).toMatchObject({ response_id: audio[i + 1]!.response_id, item_id: audio[i + 1]!.item_id });
    const mouths = audio.filter((e) => e.type === 'voice_agent.output_audio.mouth') as Array<
      Event & { level: number; viseme: string | null }
    >;
    // The fake TTS's tone is loud speech: the mouth is open for the words and closed on the silent padding.
    expect(mouths.filter((m) => m.level > 0.2).length).toBeGreaterThan(mouths.length / 2);
    expect(mouths.every((m) => m.level >= 0 && m.level <= 1)).toBe(true);
    // The fake reports one phoneme per word (its first letter): "Hello there. Here is …" opens with h, t, h, i.
    const visemes = mouths.map((m) => m.viseme).filter((v): v is string => v !== null);
    expect(visemes.length).toBeGreaterThan(mouths.length / 2);
    expect(visemes.every((v) => (VISEMES as readonly string[]).includes(v))).toBe(true);
    expect(new Set(visemes).size).toBeGreaterThan(2);
  });

  it('a client that did not opt in gets no mouth events', async () => {
    const events = await typedTurn(undefined);
    expect(events.some((e) => e.type === 'response.output_audio.delta')).toBe(true);
    expect(events.some((e) => e.type === 'voice_agent.output_audio.mouth')).toBe(false);
  });
});
