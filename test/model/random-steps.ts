/**
 * The randomized tests' generator: a seeded PRNG and one random step of the world — time passing, a late
 * message of an old turn, or any stimulus the chart can take now (see `stimuli.ts`) — plus `quiesce`, the
 * world going quiet. Shared by the randomized interleavings and the record/replay property test.
 */
import type { SessionConfigInput } from '../../machines/config.js';
import type { LiveHarness } from '../support/live-session.js';
import type { Random } from '../support/prng.js';
import { TEST_ACTIONS } from '../support/actions.js';
import { ALL_STIMULI } from './action-stimuli.js';
import { BACKCHANNEL, FILLER_TEXT, MIN_CONFIDENCE, proposals, stimuli, type ModelSnapshot } from './stimuli.js';
import { DialogState } from '../../machines/states.js';

/** Steps per interleaving, before the world goes quiet. */
export const STEPS = { min: 3, max: 12 };
/** The configs sessions are drawn from: the default, a word count for barge-in, no barge-in, instant barge-in, … */
export const CONFIGS: SessionConfigInput[] = [
  {},
  { bargeIn: { minWords: 2 } },
  { bargeIn: { enabled: false } },
  { bargeIn: { minSpeechMs: 0 } },
  // Backchannels are ignorable, and a short false-interruption window closes mid-utterance.
  { bargeIn: { ignorableWords: [BACKCHANNEL], falseInterruptionMs: 700 } },
  // Replies are guessed at short pauses (adaptive end of turn), committed or discarded.
  { turn: { speculate: 'on' } },
  // Unsure finals are re-prompted.
  { minConfidence: MIN_CONFIDENCE },
  // Declared actions: tool calls, executors' answers, confirmations and the emergency stop interleave with the dialog.
  { declaredActions: TEST_ACTIONS },
  {
    declaredActions: TEST_ACTIONS,
    bargeIn: { minSpeechMs: 0 },
    actions: { acceptTimeoutMs: 300, confirmTimeoutMs: 700 },
  },
  // `session.activation`: a wake window short enough to close mid-conversation, and a push-to-talk key.
  { activation: { mode: 'wake', windowMs: 1300 } },
  { activation: { mode: 'push' }, declaredActions: TEST_ACTIONS },
];

export { prng, type Random } from '../support/prng.js';
export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Messages of turns that are over: the bus is asynchronous, so they do arrive late in production. */
export function lateMessage(h: LiveHarness, random: Random) {
  const oldTurns = h.context().history.map((e) => e.turnId);
  if (oldTurns.length === 0) return;
  const turnId = pick(random, oldTurns);
  const common = { sessionId: 'live', turnId } as const;
  const message = pick(random, [
    { ...common, type: 'llm.clause', index: 0, text: 'stale clause.' },
    { ...common, type: 'llm.started', firstTokenMs: 1 },
    {
      ...common,
      type: 'tts.chunk',
      segmentIndex: 0,
      kind: 'reply',
      seq: 9,
      text: 'stale',
      sampleRateHz: 16_000,
      audio: new Uint8Array(640),
      final: true,
    },
    { ...common, type: 'tts.first_chunk', segmentIndex: 0, kind: 'reply', engine: 'x', latencyMs: 1 },
    { ...common, type: 'playback.started', kind: 'reply' },
    { ...common, type: 'playback.finished', segments: [] },
    { ...common, type: 'stt.final', text: 'stale words' },
    { ...common, type: 'vad.speech_end', speechMs: 10 },
  ] as const);
  h.bus.publish(message as never);
}

export async function randomStep(h: LiveHarness, random: Random, trace: string[]) {
  const roll = random();
  if (roll < 0.15) {
    const ms = pick(random, [1, 20, 120, 499, 501, 800, 1300, 2000]);
    trace.push(`advance ${ms}`);
    return h.advance(ms);
  }
  if (roll < 0.22) {
    trace.push('late message');
    lateMessage(h, random);
    return h.settle();
  }
  const set = h.context().config.declaredActions.length > 0 ? ALL_STIMULI : { stimuli };
  const options = proposals(h.session.actor.getSnapshot() as unknown as ModelSnapshot, set).filter(
    ({ stimulus }) => !stimulus.id.startsWith('after:'),
  );
  // END is rare so most interleavings exercise a living session.
  const chosen = pick(
    random,
    options.filter((o) => o.stimulus.id !== 'end' || random() < 0.05),
  );
  if (!chosen) return;
  trace.push(chosen.stimulus.id);
  await chosen.stimulus.drive(h);
}

/** The world goes quiet: the user stops talking and every stage completes what it was asked. */
export async function quiesce(h: LiveHarness): Promise<void> {
  if (h.session.actor.getSnapshot().status !== 'active') return;
  // A push-to-talk key still held is released (while held, the user's silence ends nothing).
  if (h.context().config.activation.mode === 'push')
    await h.publish({ type: 'control.listen', sessionId: 'live', turnId: '-', open: false });
  await h.speechEnd();
  for (let i = 0; i < 400; i++) {
    const { action, pendingFollowUp } = h.context();
    if (
      h.session.actor.getSnapshot().status !== 'active' ||
      (h.matches(DialogState.idle) && !action && !pendingFollowUp)
    )
      return;
    // The executor finishes what it was asked (a question left unanswered runs out on its own).
    if (action && action.status !== 'confirming')
      await h.publish({
        type: 'action.result',
        sessionId: 'live',
        turnId: action.turnId,
        actionId: action.actionId,
        result: 'done',
      });
    await h.sttFinal('');
    await h.llmFinish();
    for (const r of h.activeTts()) {
      r.channel.push(new Uint8Array(r.text === FILLER_TEXT ? 640 : 3200));
      r.channel.close();
    }
    await h.settle();
    const next = h.clock.nextDueMs();
    if (next !== undefined) await h.clock.advanceTo(next);
    h.checkInvariants();
  }
}

/** One interleaving: a random number of random steps with the invariants checked after each, then quiet. */
export async function randomInterleaving(h: LiveHarness, random: Random, trace: string[]): Promise<void> {
  const steps = STEPS.min + Math.floor(random() * (STEPS.max - STEPS.min + 1));
  for (let s = 0; s < steps; s++) {
    await randomStep(h, random, trace);
    h.checkInvariants();
  }
  await quiesce(h);
  h.checkInvariants();
}
