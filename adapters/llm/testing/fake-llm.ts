/**
 * Fake streaming LLM for tests and benchmarks: streams a scripted reply word by word on the clock,
 * with a time-to-first-token and a steady token rate, and counts what it generated so tests can prove
 * that a barge-in abort stopped generation rather than only the reading of it.
 */
import { sleeper, type Clock } from '../../clock.js';
import { startClockedStream } from '../../testing/clocked-stream.js';
import type { ChatMessage, LlmEngine, LlmRequest } from '../types.js';

export interface FakeLlmOptions {
  clock: Clock;
  /** The reply, fixed or computed from the conversation. */
  reply: string | ((messages: ChatMessage[]) => string);
  /** Time to first token. */
  firstTokenDelayMs?: number;
  /** Time between consecutive tokens. */
  tokenIntervalMs?: number;
  name?: string;
  /** When set, the stream throws `new Error(failWith)` after the first-token delay, yielding nothing. */
  failWith?: string;
}

export interface FakeLlmStats {
  /** `stream()` calls. */
  requests: number;
  /** Tokens produced across all requests (whether or not anyone read them). */
  tokensGenerated: number;
  /** Requests whose signal aborted while they were still generating. */
  aborted: number;
}

export interface FakeLlm extends LlmEngine {
  readonly stats: Readonly<FakeLlmStats>;
}

/** Han, Hiragana and Katakana: scripts written without spaces between words. */
const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}`;
/** One token with the whitespace before it: a single CJK character, or a run of anything else but whitespace. */
const TOKEN = new RegExp(String.raw`\s*(?:[${CJK}]|[^\s${CJK}]+)`, 'gu');

/**
 * Splits a reply the way the fake LLM streams it: one token per word carrying its leading whitespace
 * (so the first token has none unless the reply starts with whitespace), and one token per CJK
 * character, since CJK text has no spaces. Trailing whitespace is dropped. Joining the tokens gives
 * the reply back (minus trailing whitespace).
 *
 * @example
 * ```ts
 * tokenizeReply('Sure, I can.'); // ['Sure,', ' I', ' can.']
 * tokenizeReply('你好，世界');     // ['你', '好', '，', '世', '界']
 * ```
 */
export function tokenizeReply(reply: string): string[] {
  return reply.match(TOKEN) ?? [];
}

/**
 * The first token arrives `firstTokenDelayMs` after `stream()` is called and each next one
 * `tokenIntervalMs` later, all on the clock. Generation starts at `stream()` (like sending the HTTP
 * request) and runs ahead of a slow reader. Aborting the request's signal stops generation at once and
 * makes the iterator throw the abort reason; `break`ing out of the loop also stops generation.
 *
 * @example
 * ```ts
 * const llm = createFakeLlm({ clock, reply: 'Hello there.', firstTokenDelayMs: 200 });
 * const tokens: string[] = [];
 * const done = (async () => { for await (const t of llm.stream({ messages, signal })) tokens.push(t); })();
 * await clock.advance(220); // tokens: ['Hello', ' there.']
 * ```
 */
export function createFakeLlm(options: FakeLlmOptions): FakeLlm {
  const {
    clock,
    reply,
    // Why 0: unit tests opt into a time-to-first-token explicitly; benchmarks set a realistic one.
    firstTokenDelayMs = 0,
    // Why 20 ms: ~50 tokens/s, the streaming rate of typical hosted chat models.
    tokenIntervalMs = 20,
    name = 'fake-llm',
    failWith,
  } = options;
  const stats: FakeLlmStats = { requests: 0, tokensGenerated: 0, aborted: 0 };

  function stream({ messages, signal }: LlmRequest): AsyncIterable<string> {
    stats.requests++;
    const tokens = tokenizeReply(typeof reply === 'function' ? reply(messages) : reply);
    return startClockedStream<string>(
      signal,
      async (emit, stop) => {
        const wait = sleeper(clock, stop);
        const firstAtMs = clock.now() + firstTokenDelayMs;
        await wait(firstTokenDelayMs);
        if (failWith !== undefined) throw new Error(failWith);
        for (let i = 0; i < tokens.length; i++) {
          // Token i is due at a fixed time from the request, like a server that streams at its own pace:
          // a reader that wakes late finds the tokens due meanwhile waiting, rather than each one
          // waiting a full interval after its late predecessor (which would also line up the streams of
          // every session that woke in the same late tick).
          const delayMs = firstAtMs + i * tokenIntervalMs - clock.now();
          if (i > 0 && (delayMs > 0 || tokenIntervalMs === 0)) await wait(Math.max(0, delayMs));
          stats.tokensGenerated++;
          emit(tokens[i]!);
        }
      },
      { onAbort: () => stats.aborted++ },
    );
  }

  return { name, stats, stream };
}
