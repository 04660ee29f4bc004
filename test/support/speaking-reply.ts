/**
 * A live session (test/support/live-session.ts) with a reply playing: a typed question answered with two
 * clauses of 800 ms each ("Okay then," and "here it is."), for the chart's tests of speech over a reply.
 *
 * @example
 * ```ts
 * const h = await speakingReply({ bargeIn: { minVoiceMs: 0 } });
 * await h.speechStart(); // over "Okay then,"
 * ```
 */
import { expect } from 'vitest';
import type { SessionConfigInput } from '../../machines/config.js';
import { createLiveHarness, type LiveHarness } from './live-session.js';

/** The reply's text: two clauses, each spoken in 800 ms. */
export const SPEAKING_REPLY_TEXT = 'Okay then, here it is.';

/** Returns once the reply is playing. */
export async function speakingReply(config: SessionConfigInput = {}): Promise<LiveHarness> {
  const h = await createLiveHarness({ config });
  await h.text('what is up');
  await h.llmToken(` ${SPEAKING_REPLY_TEXT}`);
  await h.llmFinish();
  await h.ttsAudio(800, true);
  await h.ttsAudio(800, true);
  expect(h.state()).toMatch(/^speaking/);
  return h;
}
