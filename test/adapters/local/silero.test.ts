import { describe, expect, it } from 'vitest';
import { createFliteTts } from '../../../adapters/tts/flite.js';
import { createSileroVad } from '../../../adapters/vad/silero.js';

describe('Silero VAD (sherpa-onnx)', () => {
  it('finds the speech between two silences in real speech', async () => {
    const parts: Uint8Array[] = [];
    for await (const c of createFliteTts().synthesize({
      text: 'move forward two meters and then turn left',
      signal: new AbortController().signal,
    }))
      parts.push(c);
    const speech = Buffer.concat(parts);
    const pcm = Buffer.concat([Buffer.alloc(16_000), speech, Buffer.alloc(32_000)]);
    const vad = createSileroVad();
    expect(vad.frameMs).toBe(32);
    const decisions: boolean[] = [];
    for (let i = 0; i + 1024 <= pcm.length; i += 1024) decisions.push(vad.isSpeech(pcm.subarray(i, i + 1024)));
    const first = decisions.indexOf(true);
    const last = decisions.lastIndexOf(true);
    // Nothing in the leading half second of silence; speech covers most of the utterance; silence after it.
    expect(first).toBeGreaterThanOrEqual(15);
    expect((last - first) * 32).toBeGreaterThan((speech.length / 32_000) * 1000 * 0.6);
    expect(decisions.slice(last + 1).length * 32).toBeGreaterThan(500);
  });

  it('says how to get the model when it is missing', () => {
    expect(() => createSileroVad({ modelPath: '/nope/silero.onnx' })).toThrow(
      /fetch it with `voice-agent models silero`/,
    );
  });
});
