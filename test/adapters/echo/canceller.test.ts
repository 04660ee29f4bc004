/**
 * speexdsp's echo canceller through koffi: it learns an echo path from the reference and removes the
 * echo; audio the reference does not explain (the user) passes; bad settings and a missing library are
 * typed errors that say how to fix them.
 */
import { describe, expect, it } from 'vitest';
import { createEchoCanceller, EchoCancellerError, loadSpeexDsp } from '../../../adapters/echo/canceller.js';
import { envelopedNoise } from '../../support/speech-like.js';

const BLOCK = 320;
/** Seeded speech-like noise: white noise with a slow syllable-rate envelope. */
const farEnd = (samples: number, seed = 1) => envelopedNoise(samples, seed);
/** The room: the reference 62.5 ms later at -6 dB, plus a weaker reflection. */
function echoOf(reference: Int16Array): Int16Array {
  return reference.map((_, i) =>
    Math.round((i >= 1000 ? 0.5 * reference[i - 1000]! : 0) + (i >= 1500 ? 0.2 * reference[i - 1500]! : 0)),
  );
}
const energy = (x: Int16Array) => x.reduce((n, v) => n + v * v, 0);

/**
 * Runs `mic` and `reference` through `canceller` block by block; returns the ERLE in dB (microphone over
 * output energy) of the blocks from `fromSample` on.
 */
function erleDb(
  canceller: ReturnType<typeof createEchoCanceller>,
  mic: Int16Array,
  reference: Int16Array,
  fromSample: number,
): number {
  const out = new Int16Array(BLOCK);
  let micEnergy = 0;
  let outEnergy = 0;
  for (let at = 0; at + BLOCK <= mic.length; at += BLOCK) {
    // A split filter's late section reads the reference `lateOffsetSamples` earlier (silence before the start).
    const offset = canceller.lateOffsetSamples;
    const late =
      offset === undefined
        ? undefined
        : new Int16Array(BLOCK).map((_, i) => (at + i >= offset ? reference[at + i - offset]! : 0));
    canceller.cancel(mic.subarray(at, at + BLOCK), reference.subarray(at, at + BLOCK), out, late);
    if (at >= fromSample) {
      micEnergy += energy(mic.subarray(at, at + BLOCK));
      outEnergy += energy(out);
    }
  }
  canceller.close();
  return 10 * Math.log10(micEnergy / outEnergy);
}

describe('echo canceller (speexdsp)', () => {
  it('removes more than 20 dB of a learned echo, block by block', () => {
    const reference = farEnd(16_000 * 8);
    // The last 4 s: the filter has converged.
    expect(
      erleDb(
        createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 250 }),
        echoOf(reference),
        reference,
        16_000 * 4,
      ),
    ).toBeGreaterThan(20);
  });

  it('a tail over 300 ms is split: the late filter removes a reflection the head cannot reach', () => {
    const reference = farEnd(16_000 * 8, 11);
    // The room of echoOf plus a late reflection at 420 ms, past the 300 ms head.
    const mic = echoOf(reference).map((v, i) => Math.round(v + (i >= 6720 ? 0.1 * reference[i - 6720]! : 0)));
    const split = createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 500 });
    expect(split.lateOffsetSamples).toBe(4320);
    expect(
      createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 300 }).lateOffsetSamples,
    ).toBeUndefined();
    const splitDb = erleDb(split, mic, reference, 16_000 * 4);
    const headOnlyDb = erleDb(
      createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 300 }),
      mic,
      reference,
      16_000 * 4,
    );
    expect(splitDb).toBeGreaterThan(headOnlyDb + 6);
    expect(splitDb).toBeGreaterThan(20);
  });

  it('passes what the reference does not explain: with a silent reference the output is the microphone', () => {
    const user = farEnd(16_000, 7);
    const canceller = createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 250 });
    expect(Math.abs(erleDb(canceller, user, new Int16Array(user.length), 0))).toBeLessThan(1);
  });

  it('with residual suppression, removes more of the echo than the linear filter alone', () => {
    const reference = farEnd(16_000 * 6, 3);
    const erle = (residualSuppression: boolean) =>
      erleDb(
        createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 250, residualSuppression }),
        echoOf(reference),
        reference,
        16_000 * 3,
      );
    expect(erle(true)).toBeGreaterThan(erle(false) + 3);
  });

  it.each([250, 500])(
    'gives its echo estimate (%i ms tail): nothing of a voice the reference does not hold, the echo ' +
      'once it has learnt it',
    (tailMs) => {
      const canceller = createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs, echoEstimate: true });
      const reference = farEnd(16_000 * 6, 9);
      const echo = echoOf(reference);
      // The user over a loud 50 Hz hum and a DC offset: what speexdsp's DC notch takes out is no echo.
      const user = Int16Array.from(farEnd(16_000 * 6, 4), (x, i) =>
        Math.round(x / 4 + 1500 + 3000 * Math.sin((2 * Math.PI * 50 * i) / 16_000)),
      );
      const out = new Int16Array(BLOCK);
      const linear = { residual: new Int16Array(BLOCK), estimate: new Int16Array(BLOCK) };
      const silence = new Int16Array(BLOCK);
      let userOnly = 0;
      const missed = { echo: 0, error: 0 };
      for (let at = 0; at + BLOCK <= 16_000 * 6; at += BLOCK) {
        const talking = at < 16_000 * 2;
        // Two seconds of the user alone (nothing played), then four of the echo alone.
        const mic = talking ? user.subarray(at, at + BLOCK) : echo.subarray(at, at + BLOCK);
        const offset = canceller.lateOffsetSamples;
        const late =
          offset === undefined
            ? undefined
            : new Int16Array(BLOCK).map((_, i) => (at + i >= offset ? reference[at + i - offset]! : 0));
        canceller.cancel(
          mic,
          talking ? silence : reference.subarray(at, at + BLOCK),
          out,
          talking ? silence : late,
          linear,
        );
        expect(linear.residual).toEqual(out);
        if (talking) userOnly = Math.max(userOnly, ...linear.estimate.map(Math.abs));
        else if (at >= 16_000 * 4) {
          missed.echo += energy(mic);
          missed.error += energy(linear.estimate.map((x, i) => x - mic[i]!));
        }
      }
      canceller.close();
      // Within rounding: the estimate holds nothing of the user's voice nor of the hum.
      expect(userOnly).toBeLessThanOrEqual(2);
      // The echo, but for what the filter has not learnt yet and its lowest frequencies, which the notch
      // takes out of the filter's input (about 1 % of this noise's energy): 12–16 dB here.
      expect(10 * Math.log10(missed.echo / missed.error)).toBeGreaterThan(10);
      expect(() =>
        createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 250 }).cancel(
          silence,
          silence,
          out,
          undefined,
          linear,
        ),
      ).toThrow(/echoEstimate: true/);
    },
  );

  it('forgets the learned echo path on reset(): the next output is the microphone again', () => {
    const canceller = createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 250 });
    const reference = farEnd(16_000 * 5, 5);
    const mic = echoOf(reference);
    const out = new Int16Array(BLOCK);
    let at = 0;
    for (; at + BLOCK <= 16_000 * 4; at += BLOCK)
      canceller.cancel(mic.subarray(at, at + BLOCK), reference.subarray(at, at + BLOCK), out);
    const ratioDb = () => {
      canceller.cancel(mic.subarray(at, at + BLOCK), reference.subarray(at, at + BLOCK), out);
      const r = 10 * Math.log10(energy(mic.subarray(at, at + BLOCK)) / energy(out));
      at += BLOCK;
      return r;
    };
    expect(ratioDb()).toBeGreaterThan(15);
    canceller.reset();
    expect(Math.abs(ratioDb())).toBeLessThan(2);
    canceller.close();
  });

  it('rejects bad settings and wrong block sizes, and use after close, with errors that say what to change', () => {
    expect(() => createEchoCanceller({ sampleRateHz: 16_000, blockSamples: 320, tailMs: 5 })).toThrow(
      /echo tail must be 10-2000 ms \(audio\.echoTailMs\)/,
    );
    expect(() => createEchoCanceller({ sampleRateHz: 16_000, blockSamples: 7, tailMs: 250 })).toThrow(
      EchoCancellerError,
    );
    const canceller = createEchoCanceller({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs: 100 });
    expect(() => canceller.cancel(new Int16Array(160), new Int16Array(BLOCK), new Int16Array(BLOCK))).toThrow(
      /blocks of 320 samples/,
    );
    canceller.close();
    canceller.close();
    expect(() => canceller.cancel(new Int16Array(BLOCK), new Int16Array(BLOCK), new Int16Array(BLOCK))).toThrow(
      /after close/,
    );
  });

  it('a missing libspeexdsp is an EchoCancellerError naming the package to install', () => {
    expect(() => loadSpeexDsp('libspeexdsp-missing.so.9')).toThrow(EchoCancellerError);
    expect(() =>
      createEchoCanceller({
        sampleRateHz: 16_000,
        blockSamples: BLOCK,
        tailMs: 250,
        library: 'libspeexdsp-missing.so.9',
      }),
    ).toThrow(/libspeexdsp-missing\.so\.9 not found .*apt-get install -y libspeexdsp1/);
  });
});
