/**
 * What the echo step held back is passed on when it was the user, or counted (echo/release.ts): blocks
 * leave in order, one block late (the double-talk test's confirmation), deferred blocks wait for the
 * onset judge, and a held span that may have been the user is reported once, with its length.
 */
import { describe, expect, it } from 'vitest';
import { createEchoRelease, type HeldUserSpan } from '../../../adapters/echo/release.js';

const BLOCK = 4;
/** A block whose every sample is `id` (the filter's output), and its suppressed twin (comfort noise: -id). */
const linear = (id: number) => new Int16Array(BLOCK).fill(id);
const held = (id: number) => new Int16Array(BLOCK).fill(-id);
const ids = (out: Int16Array) => Array.from({ length: out.length / BLOCK }, (_, i) => out[i * BLOCK]!);

function queue(options: { lookbehindBlocks?: number; maxDeferBlocks?: number } = {}) {
  const spans: HeldUserSpan[] = [];
  const release = createEchoRelease({
    blockSamples: BLOCK,
    sampleRateHz: 200, // 20 ms blocks of 4 samples
    lookbehindBlocks: options.lookbehindBlocks ?? 1,
    maxDeferBlocks: options.maxDeferBlocks ?? 3,
    onHeldUser: (s) => spans.push(s),
  });
  return { release, spans };
}

describe('echo release', () => {
  it('lets every block out in order, one block late, and the last at flush', () => {
    const { release } = queue();
    const out: number[] = [];
    for (let id = 1; id <= 4; id++) {
      release.push(linear(id), linear(id), { atMs: id * 20, defer: false, suspect: false });
      out.push(...ids(release.drain()));
    }
    expect(out).toEqual([1, 2, 3]);
    expect(ids(release.flush())).toEqual([4]);
  });

  it('passes the block the user began in once the next confirms them', () => {
    const { release } = queue();
    release.push(linear(1), held(1), { atMs: 20, defer: false, suspect: false });
    release.push(linear(2), linear(2), { atMs: 40, defer: false, suspect: false });
    release.passPrevious();
    expect(ids(release.drain())).toEqual([1]);
    expect(ids(release.flush())).toEqual([2]);
  });

  it('keeps the blocks of a judged sound until the verdict, and passes them on when it is the user', () => {
    const { release, spans } = queue({ maxDeferBlocks: 5 });
    const out: number[] = [];
    for (let id = 1; id <= 3; id++) {
      release.push(linear(id), held(id), { atMs: id * 20, defer: true, suspect: true });
      out.push(...ids(release.drain()));
    }
    expect(out).toEqual([]);
    release.passDeferred();
    release.push(linear(4), linear(4), { atMs: 80, defer: false, suspect: false });
    out.push(...ids(release.drain()), ...ids(release.flush()));
    expect(out).toEqual([1, 2, 3, 4]);
    expect(spans).toEqual([]);
  });

  it(
    'after a hold that ends with the echo where it was, passes on only what the double-talk test took for ' +
      'the user',
    () => {
      const { release } = queue({ maxDeferBlocks: 5 });
      release.push(linear(1), held(1), { atMs: 20, defer: true, suspect: true, voiceLike: false });
      release.push(linear(2), held(2), { atMs: 40, defer: true, suspect: true, voiceLike: true });
      release.passDeferredVoice();
      expect(ids(release.flush())).toEqual([-1, 2]);
    },
  );

  it(
    'counts a held span that may have been the user, once, when it ends; past the bound the oldest goes out ' + 'held',
    () => {
      const { release, spans } = queue({ maxDeferBlocks: 2 });
      const out: number[] = [];
      for (let id = 1; id <= 4; id++) {
        release.push(linear(id), held(id), { atMs: id * 20, defer: true, suspect: true });
        out.push(...ids(release.drain()));
      }
      // Two kept (the bound), the two older ones out as held, still one span (not yet ended).
      expect(out).toEqual([-1, -2]);
      expect(spans).toEqual([]);
      release.push(linear(5), linear(5), { atMs: 100, defer: false, suspect: false });
      out.push(...ids(release.drain()), ...ids(release.flush()));
      expect(out).toEqual([-1, -2, -3, -4, 5]);
      expect(spans).toEqual([{ fromMs: 20, heldMs: 80 }]);
    },
  );

  it('does not count what was held with no sign of the user (the echo alone)', () => {
    const { release, spans } = queue();
    for (let id = 1; id <= 3; id++) release.push(linear(id), held(id), { atMs: id * 20, defer: false, suspect: false });
    release.flush();
    expect(spans).toEqual([]);
  });
});
