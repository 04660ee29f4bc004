import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSherpaStt, SherpaModelError, SherpaSttConfigSchema } from '../../../adapters/stt/sherpa.js';

/** Files that exist but are not models (random bytes), as a half-finished download would leave. */
function corruptModel() {
  const dir = mkdtempSync(join(tmpdir(), 'va-sherpa-'));
  for (const name of ['encoder.onnx', 'decoder.onnx', 'joiner.onnx'])
    writeFileSync(join(dir, name), Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 256)));
  writeFileSync(join(dir, 'tokens.txt'), '<blk> 0\na 1\n');
  return {
    encoder: join(dir, 'encoder.onnx'),
    decoder: join(dir, 'decoder.onnx'),
    joiner: join(dir, 'joiner.onnx'),
    tokens: join(dir, 'tokens.txt'),
  };
}

describe('sherpa-onnx STT (user-supplied models)', () => {
  it('validates its configuration: kinds, paths, thread count default', () => {
    expect(SherpaSttConfigSchema.parse({ kind: 'whisper', encoder: 'e', decoder: 'd', tokens: 't' })).toEqual({
      kind: 'whisper',
      encoder: 'e',
      decoder: 'd',
      tokens: 't',
      numThreads: 1,
    });
    expect(
      SherpaSttConfigSchema.safeParse({ kind: 'transducer', encoder: 'e', decoder: 'd', tokens: 't' }).success,
    ).toBe(false);
    expect(SherpaSttConfigSchema.safeParse({ kind: 'paraformer', model: 'm' }).success).toBe(false);
  });

  it('names every missing file with its setting before loading anything', () => {
    const { encoder, tokens } = corruptModel();
    const config = SherpaSttConfigSchema.parse({
      kind: 'transducer',
      encoder,
      decoder: '/nope/decoder.onnx',
      joiner: '/nope/joiner.onnx',
      tokens,
    });
    const create = () => createSherpaStt(config, { sampleRateHz: 16_000 });
    expect(create).toThrow(SherpaModelError);
    expect(create).toThrow(
      new RegExp(
        String.raw`stt\.sherpa\.decoder: /nope/decoder\.onnx does not exist\n {2}` +
          String.raw`stt\.sherpa\.joiner: /nope/joiner\.onnx does not exist\n.*pretrained models`,
      ),
    );
    expect(create).not.toThrow(/stt\.sherpa\.encoder/);
  });

  it('a corrupt model is a typed error at warm-up, and this process survives it', async () => {
    const stt = createSherpaStt(SherpaSttConfigSchema.parse({ kind: 'transducer', ...corruptModel() }), {
      sampleRateHz: 16_000,
    });
    await expect(stt.warmUp!()).rejects.toThrow(SherpaModelError);
    await expect(stt.warmUp!()).rejects.toThrow(
      /cannot load the transducer model \(.*(Protobuf parsing failed|Load model).*\): check that the stt\.sherpa files/,
    );
  });

  it('without a warm-up, the first utterance gets the same error instead of a crash', () => {
    const { encoder, decoder, tokens } = corruptModel();
    const stt = createSherpaStt(SherpaSttConfigSchema.parse({ kind: 'whisper', encoder, decoder, tokens }), {
      sampleRateHz: 16_000,
    });
    expect(() =>
      stt.createStream({ sampleRateHz: 16_000, onPartial: () => undefined, signal: new AbortController().signal }),
    ).toThrow(/cannot load the whisper model/);
  });
});
