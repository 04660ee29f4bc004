import { describe, expect, it } from 'vitest';
import { countSpeechWords, createFakeTts, ManualClock } from '../../adapters/testing/index.js';
import { pcmBytesFor, pcmDurationMs, rmsLevel } from '../../adapters/audio/pcm.js';

/** Reads a synthesis in the background, recording each chunk's duration and arrival time. */
function collect(clock: ManualClock, stream: AsyncIterable<Uint8Array>, sampleRateHz = 24000) {
  const got: Array<{ ms: number; atMs: number; chunk: Uint8Array }> = [];
  const state: { error?: unknown; done: boolean } = { done: false };
  const finished = (async () => {
    try {
      for await (const chunk of stream)
        got.push({ ms: pcmDurationMs(chunk.byteLength, sampleRateHz), atMs: clock.now(), chunk });
    } catch (error) {
      state.error = error;
    } finally {
      state.done = true;
    }
  })();
  return { got, state, finished };
}

const live = () => new AbortController().signal;

describe('countSpeechWords', () => {
  it('counts whitespace words with letters or digits, and each CJK character', () => {
    expect(countSpeechWords('Hello, world!')).toBe(2);
    expect(countSpeechWords('It costs 42 — really')).toBe(4);
    expect(countSpeechWords('你好，world')).toBe(3);
    expect(countSpeechWords('  ')).toBe(0);
  });
});

describe('fake TTS', () => {
  it('yields all audio in one chunk after latencyMs: words × msPerWord of non-silent PCM', async () => {
    const clock = new ManualClock();
    const tts = createFakeTts({ clock });
    expect(tts).toMatchObject({ name: 'fake-tts', sampleRateHz: 24000 });
    const { got, state } = collect(clock, tts.synthesize({ text: 'The weather is sunny.', signal: live() }));
    await clock.advance(49);
    expect(got).toEqual([]);
    await clock.advance(1);
    expect(got.map(({ ms, atMs }) => ({ ms, atMs }))).toEqual([{ ms: 800, atMs: 50 }]);
    expect(got[0]!.chunk.byteLength).toBe(pcmBytesFor(800, 24000));
    expect(rmsLevel(got[0]!.chunk)).toBeGreaterThan(0.1);
    expect(state).toEqual({ done: true });
    expect(tts.stats).toEqual({ requests: 1, aborted: 0, chunksGenerated: 1 });
  });

  it('with chunkMs yields chunks of chunkMs, each next one chunkMs / 4 later, the last one shorter', async () => {
    const clock = new ManualClock();
    const tts = createFakeTts({ clock, sampleRateHz: 16000, latencyMs: 100, msPerWord: 150, chunkMs: 200 });
    const { got } = collect(clock, tts.synthesize({ text: 'one two three four', signal: live() }), 16000);
    await clock.advance(1000);
    // 4 words × 150 ms = 600 ms → 200 + 200 + 200.
    expect(got.map(({ ms, atMs }) => ({ ms, atMs }))).toEqual([
      { ms: 200, atMs: 100 },
      { ms: 200, atMs: 150 },
      { ms: 200, atMs: 200 },
    ]);
    const odd = collect(clock, tts.synthesize({ text: 'one two three', signal: live() }), 16000);
    await clock.advance(1000);
    expect(odd.got.map((g) => g.ms)).toEqual([200, 200, 50]);
  });

  it('is deterministic for the same request order', async () => {
    const run = async () => {
      const clock = new ManualClock();
      const { got } = collect(clock, createFakeTts({ clock }).synthesize({ text: 'same text', signal: live() }));
      await clock.advance(100);
      return got[0]!.chunk;
    };
    expect(await run()).toEqual(await run());
  });

  it('text without words yields nothing', async () => {
    const clock = new ManualClock();
    const { got, state } = collect(clock, createFakeTts({ clock }).synthesize({ text: ' … ', signal: live() }));
    await clock.advance(100);
    expect(got).toEqual([]);
    expect(state).toEqual({ done: true });
  });

  it('abort mid-stream stops synthesis and throws an AbortError at once', async () => {
    const clock = new ManualClock();
    const tts = createFakeTts({ clock, chunkMs: 100, msPerWord: 200 });
    const controller = new AbortController();
    const { got, state } = collect(clock, tts.synthesize({ text: 'a b c d e', signal: controller.signal }));
    await clock.advance(75); // chunks at 50 and 75 (1000 ms of audio in 10 chunks)
    expect(got).toHaveLength(2);
    controller.abort();
    await clock.advance(0);
    expect(state.error).toMatchObject({ name: 'AbortError' });
    await clock.advance(10_000);
    expect(tts.stats).toEqual({ requests: 1, aborted: 1, chunksGenerated: 2 });
  });

  it("fail: 'error' throws after the latency", async () => {
    const clock = new ManualClock();
    const { got, state } = collect(
      clock,
      createFakeTts({ clock, fail: 'error', latencyMs: 80 }).synthesize({ text: 'hi', signal: live() }),
    );
    await clock.advance(79);
    expect(state.done).toBe(false);
    await clock.advance(1);
    expect(got).toEqual([]);
    expect((state.error as Error).message).toBe('fake-tts: synthesis failed');
  });

  it("fail: 'hang' never yields until aborted, then ends promptly", async () => {
    const clock = new ManualClock();
    const tts = createFakeTts({ clock, fail: 'hang' });
    const controller = new AbortController();
    const { got, state } = collect(clock, tts.synthesize({ text: 'hello', signal: controller.signal }));
    await clock.advance(60_000);
    expect(state.done).toBe(false);
    controller.abort(new Error('barge-in'));
    await clock.advance(0);
    expect(got).toEqual([]);
    expect((state.error as Error).message).toBe('barge-in');
    expect(tts.stats).toMatchObject({ requests: 1, aborted: 1 });
  });
});
