import { describe, expect, it } from 'vitest';
import { createFakeLlm, ManualClock, tokenizeReply } from '../../adapters/testing/index.js';
import type { Clock } from '../../adapters/clock.js';
import type { ChatMessage, LlmDelta } from '../../adapters/llm/types.js';

const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }];

/** Reads a stream in the background, recording each token with its arrival time. */
function collect(clock: ManualClock, stream: AsyncIterable<LlmDelta>) {
  const got: Array<{ token: string; atMs: number }> = [];
  const state: { error?: unknown; done: boolean } = { done: false };
  const finished = (async () => {
    try {
      for await (const token of stream) got.push({ token: String(token), atMs: clock.now() });
    } catch (error) {
      state.error = error;
    } finally {
      state.done = true;
    }
  })();
  return { got, state, finished };
}

describe('tokenizeReply', () => {
  it('yields words with their leading space (none on the first) and CJK characters one by one', () => {
    expect(tokenizeReply('Sure, I can.')).toEqual(['Sure,', ' I', ' can.']);
    expect(tokenizeReply('Line one\nLine two\n')).toEqual(['Line', ' one', '\nLine', ' two']);
    expect(tokenizeReply('你好，世界')).toEqual(['你', '好', '，', '世', '界']);
    expect(tokenizeReply('')).toEqual([]);
  });
});

describe('fake LLM', () => {
  it('yields the first token after firstTokenDelayMs and the rest every tokenIntervalMs', async () => {
    const clock = new ManualClock();
    const llm = createFakeLlm({ clock, reply: 'Hello there friend.', firstTokenDelayMs: 100, tokenIntervalMs: 20 });
    const { got, state } = collect(clock, llm.stream({ messages, signal: new AbortController().signal }));
    await clock.advance(99);
    expect(got).toEqual([]);
    await clock.advance(200);
    expect(got).toEqual([
      { token: 'Hello', atMs: 100 },
      { token: ' there', atMs: 120 },
      { token: ' friend.', atMs: 140 },
    ]);
    expect(state).toEqual({ done: true });
    expect(llm.stats).toEqual({ requests: 1, tokensGenerated: 3, aborted: 0 });
    expect(llm.name).toBe('fake-llm');
  });

  it(
    'keeps its own pace when the reader wakes late: tokens due meanwhile come at once, the rest on ' + 'schedule',
    async () => {
      const clock = new ManualClock();
      // The first timer fires 50 ms late, as on a loop busy with other sessions; later ones on time.
      let lateMs = 50;
      const lateClock: Clock = {
        now: () => clock.now(),
        clearTimeout: (id) => clock.clearTimeout(id),
        setTimeout: (fn, ms) => {
          const id = clock.setTimeout(fn, ms + lateMs);
          lateMs = 0;
          return id;
        },
      };
      const llm = createFakeLlm({
        clock: lateClock,
        reply: 'one two three four five',
        firstTokenDelayMs: 100,
        tokenIntervalMs: 20,
      });
      const { got } = collect(clock, llm.stream({ messages, signal: new AbortController().signal }));
      await clock.advance(300);
      expect(got.map((g) => g.atMs)).toEqual([150, 150, 150, 160, 180]);
    },
  );

  it('computes the reply from the messages', async () => {
    const clock = new ManualClock();
    const llm = createFakeLlm({ clock, reply: (m) => `You said ${m.at(-1)!.content}` });
    const { got } = collect(clock, llm.stream({ messages, signal: new AbortController().signal }));
    await clock.advance(100);
    expect(got.map((g) => g.token).join('')).toBe('You said hi');
  });

  it('abort stops generation immediately and the iterator throws an AbortError', async () => {
    const clock = new ManualClock();
    const llm = createFakeLlm({ clock, reply: 'one two three four five six seven eight', tokenIntervalMs: 20 });
    const controller = new AbortController();
    const { got, state } = collect(clock, llm.stream({ messages, signal: controller.signal }));
    await clock.advance(40); // tokens at 0, 20, 40
    expect(got).toHaveLength(3);
    controller.abort();
    await clock.advance(0);
    expect(state.done).toBe(true);
    expect(state.error).toMatchObject({ name: 'AbortError' });
    await clock.advance(10_000);
    expect(llm.stats).toEqual({ requests: 1, tokensGenerated: 3, aborted: 1 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps generating for a slow reader until aborted (generation is not pull-driven)', async () => {
    const clock = new ManualClock();
    const llm = createFakeLlm({ clock, reply: 'a b c d e f', tokenIntervalMs: 10 });
    const controller = new AbortController();
    const iterator = llm.stream({ messages, signal: controller.signal })[Symbol.asyncIterator]();
    await clock.advance(25);
    expect(llm.stats.tokensGenerated).toBe(3);
    expect(await iterator.next()).toEqual({ value: 'a', done: false });
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    await clock.advance(1000);
    expect(llm.stats.tokensGenerated).toBe(3);
  });

  it('a signal aborted before the call yields nothing', async () => {
    const clock = new ManualClock();
    const llm = createFakeLlm({ clock, reply: 'never said' });
    const controller = new AbortController();
    controller.abort();
    const { got, state, finished } = collect(clock, llm.stream({ messages, signal: controller.signal }));
    await finished;
    expect(got).toEqual([]);
    expect(state.error).toMatchObject({ name: 'AbortError' });
    await clock.advance(1000);
    expect(llm.stats.tokensGenerated).toBe(0);
  });

  it('breaking out of the loop also stops generation', async () => {
    const clock = new ManualClock();
    const llm = createFakeLlm({ clock, reply: 'a b c d e f' });
    const read = (async () => {
      for await (const token of llm.stream({ messages, signal: new AbortController().signal }))
        if (token === ' b') break;
    })();
    await clock.advance(20);
    await read;
    await clock.advance(1000);
    expect(llm.stats.tokensGenerated).toBe(2);
    expect(llm.stats.aborted).toBe(0);
  });

  it('failWith throws that message after the first-token delay', async () => {
    const clock = new ManualClock();
    const llm = createFakeLlm({ clock, reply: 'unused', firstTokenDelayMs: 50, failWith: 'rate limited' });
    const { got, state } = collect(clock, llm.stream({ messages, signal: new AbortController().signal }));
    await clock.advance(49);
    expect(state.done).toBe(false);
    await clock.advance(1);
    expect(got).toEqual([]);
    expect(state.error).toBeInstanceOf(Error);
    expect((state.error as Error).message).toBe('rate limited');
  });
});
