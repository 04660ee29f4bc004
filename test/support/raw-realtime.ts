/**
 * A bare WebSocket Realtime client for tests that send what the `openai` client cannot type (the
 * `voice_agent.*` extensions, G.711 buffers): every server event recorded as JSON, and a wait for one.
 *
 * @example
 * ```ts
 * const c = await connectRawRealtime(server.http.url);
 * c.send({ type: 'input_audio_buffer.commit' });
 * await c.waitFor('input_audio_buffer.committed');
 * ```
 */
import WebSocket from 'ws';

export type RawEvent = { type: string; [k: string]: unknown };

/** Opens `/v1/realtime` on the server at `httpUrl`. */
export async function connectRawRealtime(httpUrl: string) {
  const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/v1/realtime`);
  const events: RawEvent[] = [];
  ws.on('message', (d) => events.push(JSON.parse(String(d)) as RawEvent));
  await new Promise((r) => ws.once('open', r));
  const send = (e: object) => ws.send(JSON.stringify(e));
  // The chart's states read better in a failure than a run of `voice_agent.session.state`.
  const seen = () => events.map((e) => (e.type === 'voice_agent.session.state' ? String(e.value) : e.type)).join(', ');
  const waitFor = async (type: string, match: (e: RawEvent) => boolean = () => true) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = events.find((e) => e.type === type && match(e));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type}; saw ${seen()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { ws, events, send, waitFor };
}
