/**
 * What the echo step held back is passed on when it turns out to be the user, or counted — never
 * silently dropped.
 *
 * The echo suppressor decides block by block, and a decision needs evidence that comes a little later:
 * the user's voice over the echo is confirmed by two voice-like blocks in a row (the first of them would
 * be lost), and a sound that starts while the echo is not where the reference says is judged on its
 * first 120–320 ms of waveform (`onset-judge.ts`; until then it is held). This queue keeps the
 * linear filter's output beside the suppressor's for the blocks not yet decided: one block always (20 ms
 * of latency, so a confirmed user keeps the block their voice began in), and every block of a sound being
 * judged while held, up to `maxDeferBlocks`. A block found to be the user is passed on as the filter left
 * it; one still held when it must go out, though the judge had no verdict or had heard the user, is
 * counted as `echo_held_user` (`onHeldUser`, one report per span), so a lost command is visible.
 *
 * @example
 * ```ts
 * const onHeldUser = (span: HeldUserSpan) => console.log(span.heldMs);
 * const queue = createEchoRelease({ blockSamples: 320, lookbehindBlocks: 1, maxDeferBlocks: 17, onHeldUser });
 * queue.push(linear, suppressed, { atMs, defer: judging, suspect: false });
 * if (userConfirmed) queue.passPrevious();
 * const ready = queue.drain(); // whole blocks, in order
 * ```
 */
import { createBlockSpans } from './block-spans.js';

export interface HeldUserSpan {
  /** Session time of the first block held (ms). */
  fromMs: number;
  /** How much of the user's possible voice was held and not passed on (ms). */
  heldMs: number;
}

export interface EchoReleaseOptions {
  blockSamples: number;
  sampleRateHz: number;
  /** Blocks always kept undecided. Why 1: the double-talk test confirms the user one block late. */
  lookbehindBlocks: number;
  /** Most blocks kept while a sound is judged; past it the oldest goes out as it stands. */
  maxDeferBlocks: number;
  /** A span of held blocks that may have been the user has ended. */
  onHeldUser?: (span: HeldUserSpan) => void;
}

export interface EchoReleaseBlock {
  /** When the block's audio arrived (session clock, ms). */
  atMs: number;
  /** Keep it while a sound it belongs to is judged (held by the echo guard). */
  defer: boolean;
  /** The judge heard the user here, or had no verdict yet: if it goes out held, it is counted. */
  suspect: boolean;
  /** The double-talk test, on the filter's output, would have taken it for the user's voice. */
  voiceLike?: boolean;
}

export interface EchoRelease {
  /** One block: the linear filter's output and the suppressor's (comfort noise where it held). Copied. */
  push(linear: Int16Array, suppressed: Int16Array, block: EchoReleaseBlock): void;
  /** The block before the last was the start of the user's voice: it goes out as the filter left it. */
  passPrevious(): void;
  /** Every deferred block was the user: they go out as the filter left them. */
  passDeferred(): void;
  /**
   * The hold ended with the echo where the reference said all along (the filter's output was right):
   * the deferred blocks the double-talk test took for the user go out as the filter left them.
   */
  passDeferredVoice(): void;
  /** The blocks ready to go out, in order (may be none, or several). */
  drain(): Int16Array;
  /** Every block kept, in order (the step is switched off or closing); counts what was held. */
  flush(): Int16Array;
}

interface Entry {
  linear: Int16Array;
  out: Int16Array;
  atMs: number;
  defer: boolean;
  suspect: boolean;
  voiceLike: boolean;
  held: boolean;
}

export function createEchoRelease(options: EchoReleaseOptions): EchoRelease {
  const { blockSamples } = options;
  const blockMs = (blockSamples * 1000) / options.sampleRateHz;
  const queue: Entry[] = [];
  /** Spare entries, so a block costs no allocation. */
  const spare: Entry[] = [];
  // Runs of held blocks that may have been the user, one report each when it ends (no gap within a run).
  const heldUser = createBlockSpans(blockMs, 0, (span) =>
    options.onHeldUser?.({ fromMs: span.fromMs, heldMs: span.durationMs }),
  );

  const differs = (a: Int16Array, b: Int16Array) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return true;
    return false;
  };
  const emit = (entry: Entry, into: Int16Array, at: number) => {
    into.set(entry.out, at);
    heldUser.block(entry.atMs, entry.suspect && entry.held);
    spare.push(entry);
  };
  const take = (count: number) => {
    const out = new Int16Array(count * blockSamples);
    for (let i = 0; i < count; i++) emit(queue.shift()!, out, i * blockSamples);
    return out;
  };
  const pass = (entry: Entry | undefined) => {
    if (!entry) return;
    entry.out.set(entry.linear);
    entry.held = false;
  };

  return {
    push(linear, suppressed, block) {
      const entry = spare.pop() ?? {
        linear: new Int16Array(blockSamples),
        out: new Int16Array(blockSamples),
        atMs: 0,
        defer: false,
        suspect: false,
        voiceLike: false,
        held: false,
      };
      entry.linear.set(linear);
      entry.out.set(suppressed);
      entry.atMs = block.atMs;
      entry.defer = block.defer;
      entry.suspect = block.suspect;
      entry.voiceLike = block.voiceLike ?? false;
      entry.held = differs(linear, suppressed);
      // The judging is over: what was deferred stands as decided (passed by `passDeferred`, or held).
      if (!block.defer) for (const e of queue) e.defer = false;
      queue.push(entry);
    },
    passPrevious: () => pass(queue[queue.length - 2]),
    passDeferred() {
      for (const entry of queue) if (entry.defer) pass(entry);
    },
    passDeferredVoice() {
      for (const entry of queue) if (entry.defer && entry.voiceLike) pass(entry);
    },
    drain() {
      // Deferred blocks wait for the judge (up to the bound); the rest leave the lookbehind's worth.
      let keep = options.lookbehindBlocks;
      const firstDeferred = queue.findIndex((e) => e.defer);
      if (firstDeferred >= 0) keep = Math.max(keep, Math.min(queue.length - firstDeferred, options.maxDeferBlocks));
      return take(Math.max(0, queue.length - keep));
    },
    flush() {
      const out = take(queue.length);
      heldUser.end();
      return out;
    },
  };
}
