import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../bus/codec.js';
import { InvalidMessageError } from '../../bus/errors.js';

const SUBJECT = 'va.s1.tts.chunk';
const encoder = new TextEncoder();

/** Builds a frame by hand so malformed inputs can be expressed precisely. */
function frame(header: string, tail: Uint8Array = new Uint8Array(), declaredLength?: number): Uint8Array {
  const h = encoder.encode(header);
  const out = new Uint8Array(4 + h.byteLength + tail.byteLength);
  new DataView(out.buffer).setUint32(0, declaredLength ?? h.byteLength);
  out.set(h, 4);
  out.set(tail, 4 + h.byteLength);
  return out;
}

function decodeError(data: Uint8Array): InvalidMessageError {
  try {
    decodeMessage(data, SUBJECT);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as InvalidMessageError).subject).toBe(SUBJECT);
    return error as InvalidMessageError;
  }
  throw new Error('decodeMessage accepted malformed input');
}

describe('codec', () => {
  it('round-trips a message without audio', () => {
    const message = {
      type: 'stt.final',
      sessionId: 's1',
      turnId: 'u1',
      atMs: 12.5,
      text: 'héllo ✓',
      nested: { a: [1, null] },
    };
    expect(decodeMessage(encodeMessage(message), SUBJECT)).toEqual(message);
  });

  it('carries audio as a binary section, byte-exact, not as JSON', () => {
    const audio = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7) & 0xff);
    const message = { type: 'tts.chunk', sessionId: 's1', turnId: 'u1', atMs: 1, audio };
    const bytes = encodeMessage(message);
    // Binary section: the header is short, so the audio is not inflated by base64 or number arrays.
    expect(bytes.byteLength).toBeLessThan(audio.byteLength + 200);
    expect(bytes.subarray(bytes.byteLength - audio.byteLength)).toEqual(audio);
    const decoded = decodeMessage(bytes, SUBJECT);
    expect(decoded).toEqual(message);
    expect(decoded.audio).toBeInstanceOf(Uint8Array);
  });

  it('round-trips empty audio and gives the receiver its own copy', () => {
    expect(decodeMessage(encodeMessage({ audio: new Uint8Array() }), SUBJECT)).toEqual({ audio: new Uint8Array() });
    const bytes = encodeMessage({ audio: new Uint8Array([1, 2]) });
    const decoded = decodeMessage(bytes, SUBJECT);
    bytes.fill(0);
    expect(decoded.audio).toEqual(new Uint8Array([1, 2]));
  });

  it('decodes from a view with a non-zero byteOffset', () => {
    const inner = encodeMessage({ a: 1, audio: new Uint8Array([5, 6]) });
    const outer = new Uint8Array(inner.byteLength + 3);
    outer.set(inner, 3);
    expect(decodeMessage(outer.subarray(3), SUBJECT)).toEqual({ a: 1, audio: new Uint8Array([5, 6]) });
  });

  it('rejects input shorter than the length prefix', () => {
    expect(decodeError(new Uint8Array([0, 0])).message).toMatch(/too short/);
    expect(decodeError(new Uint8Array()).message).toMatch(/too short/);
  });

  it('rejects a header length that exceeds the payload (truncated message)', () => {
    const bytes = encodeMessage({ type: 'stt.final', text: 'hello' });
    expect(decodeError(bytes.subarray(0, bytes.byteLength - 3)).message).toMatch(/exceeds the payload/);
  });

  it('rejects truncated audio', () => {
    const bytes = encodeMessage({ audio: new Uint8Array(100) });
    expect(decodeError(bytes.subarray(0, bytes.byteLength - 1)).message).toMatch(/declared length/);
  });

  it('rejects trailing bytes after the audio section', () => {
    const bytes = encodeMessage({ audio: new Uint8Array(4) });
    const longer = new Uint8Array(bytes.byteLength + 1);
    longer.set(bytes);
    expect(decodeError(longer).message).toMatch(/declared length/);
  });

  it('rejects garbage and non-object headers', () => {
    expect(decodeError(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 1])).message).toMatch(/exceeds the payload/);
    const notJson = decodeError(frame('{oops'));
    expect(notJson.message).toMatch(/not JSON/);
    expect(notJson.cause).toBeInstanceOf(SyntaxError);
    expect(decodeError(frame('[1,2]')).message).toMatch(/not a JSON object/);
    expect(decodeError(frame('null')).message).toMatch(/not a JSON object/);
    expect(decodeError(frame('{"$audio":"3"}', new Uint8Array(3))).message).toMatch(/declared length/);
  });
});
