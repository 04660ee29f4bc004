/**
 * The Realtime protocol's hot path: appends are checked by hand and base64 without a regular expression,
 * so both are held here to exactly what the schema and strict base64 accept.
 */
import { describe, expect, it } from 'vitest';
import { ClientEventSchema, decodeBase64Strict, parseClientEvent } from '../../server/realtime/protocol.js';

/** A deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('strict base64', () => {
  const STRICT = /^[A-Za-z0-9+/]*={0,2}$/;
  const reference = (text: string) => text.length % 4 === 0 && STRICT.test(text);

  it('accepts exactly what the strict alphabet with padding accepts, over 50,000 near-miss strings', () => {
    const next = random(7);
    const valid = 'ABCxyz019+/';
    const hostile = '=-_ \n\t!é.\\"\u0000💥';
    for (let n = 0; n < 50_000; n++) {
      const length = 4 * Math.floor(next() * 4) + (next() < 0.1 ? 1 : 0);
      let text = '';
      while (text.length < length)
        text += next() < 0.85 ? valid[Math.floor(next() * valid.length)] : hostile[Math.floor(next() * hostile.length)];
      const decoded = decodeBase64Strict(text);
      expect(decoded !== undefined, JSON.stringify(text)).toBe(reference(text));
      if (decoded)
        expect(Buffer.from(decoded).toString('base64').replace(/=+$/, '').length).toBe(text.replace(/=+$/, '').length);
    }
  });

  it('decodes a microphone frame to its bytes', () => {
    const frame = Uint8Array.from({ length: 960 }, (_, i) => (i * 31) & 0xff);
    expect([...decodeBase64Strict(Buffer.from(frame).toString('base64'))!]).toEqual([...frame]);
    expect(decodeBase64Strict('')?.byteLength).toBe(0);
    expect(decodeBase64Strict('AB-_')).toBeUndefined();
    expect(decodeBase64Strict('AB=A')).toBeUndefined();
  });
});

describe('input_audio_buffer.append', () => {
  it('parses as the schema does: same event, same verdict, for every shape a client may send', () => {
    const cases: unknown[] = [
      { type: 'input_audio_buffer.append', audio: 'AAAA' },
      { type: 'input_audio_buffer.append', audio: 'AAAA', event_id: 'e1' },
      { type: 'input_audio_buffer.append', audio: 'AAAA', event_id: 'x'.repeat(128) },
      { type: 'input_audio_buffer.append', audio: 'AAAA', event_id: 'x'.repeat(129) },
      { type: 'input_audio_buffer.append', audio: 'AAAA', event_id: null },
      { type: 'input_audio_buffer.append', audio: 'AAAA', event_id: 7 },
      { type: 'input_audio_buffer.append', audio: 'AAAA', extra: { deep: true } },
      { type: 'input_audio_buffer.append', audio: 12 },
      { type: 'input_audio_buffer.append', audio: null },
      { type: 'input_audio_buffer.append' },
      { type: 'input_audio_buffer.append', audio: '' },
      ['input_audio_buffer.append'],
    ];
    for (const raw of cases) {
      const parsed = parseClientEvent(JSON.stringify(raw));
      const schema = ClientEventSchema.safeParse(raw);
      expect(parsed.ok, JSON.stringify(raw)).toBe(schema.success);
      if (parsed.ok && schema.success) expect(parsed.event).toEqual(schema.data);
      if (!parsed.ok) expect(parsed.error.code).toBe('invalid_event');
    }
  });
});
