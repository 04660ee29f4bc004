/**
 * Model-based test: `xstate/graph` walks the real session chart (every reachable abstract state and
 * every event a stage can produce there), and each edge found is driven on a live actor system —
 * session host, stage actors, in-process bus, controlled fakes, simulated clock — checking after every
 * step that the live session is where the chart says and that the invariants hold. Coverage is measured
 * on the live run from XState's inspection stream, not from the plan.
 */
import { getAdjacencyMap } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { resolveSessionConfig, type SessionConfigInput } from '../../machines/config.js';
import type { SessionEvent } from '../../machines/events.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { stateValueToString } from '../../server/state-value.js';
import { chartInventory, createCoverage, createLiveHarness, type Coverage } from '../support/live-session.js';
import { ACTION_CONFIG, ACTION_STIMULI } from './action-stimuli.js';
import { ACTIVATION_STIMULI, PUSH_CONFIG, WAKE_CONFIG } from './activation-stimuli.js';
import {
  abstractKey,
  activationStateOf,
  BACKCHANNEL,
  MIN_CONFIDENCE,
  proposals,
  stimuli,
  delayStimuli,
  type ModelSnapshot,
  type Stimulus,
  type StimulusSet,
} from './stimuli.js';

// minWords 2 makes both outcomes of the word check reachable; the default timeouts are all distinct;
// speculation on makes the guessed-reply paths reachable;
// a backchannel makes the ignorable-utterance paths reachable.
const CONFIG: SessionConfigInput = { bargeIn: { minWords: 2, ignorableWords: [BACKCHANNEL] }, turn: { speculate: 'on' }, minConfidence: MIN_CONFIDENCE };

/** A walk: a config and what may happen in it. The dialog walk has no actions; the actions walk has them. */
interface Walk {
  name: string;
  config: SessionConfigInput;
  set: StimulusSet;
}
const WALKS: Walk[] = [
  { name: 'dialog', config: CONFIG, set: { stimuli } },
  { name: 'actions', config: ACTION_CONFIG, set: ACTION_STIMULI },
  // Without barge-in a reply replaced while the user talks lets the user's speech run on unheard.
  { name: 'actions without barge-in', config: { ...ACTION_CONFIG, bargeIn: { ...ACTION_CONFIG.bargeIn, enabled: false } }, set: ACTION_STIMULI },
  // `session.activation`: the gate in the way of the dialog, a wake window and a push-to-talk key.
  { name: 'activation wake', config: WAKE_CONFIG, set: ACTIVATION_STIMULI },
  { name: 'activation push', config: PUSH_CONFIG, set: ACTIVATION_STIMULI },
];
/** One planning step: a stimulus and the chart events it causes, applied in order. */
type StimulusEvent = { type: 'stimulus'; stimulus: string; events: SessionEvent[] };

/**
 * One chart event, followed by what the live actors do at once in answer, as the live system would:
 * a stopped TTS actor reports the text of a reply a barge-in cut, a stopped playback actor reports (nothing
 * heard, as far as the model knows) for every reply the event cancelled, the VAD told to end an utterance ends it (so does
 * the VAD whose gate closes on it), and the TTS actor of a new spoken reply (a SAY, a resumed reply) requests its first segment.
 */
function step(snapshot: never, event: SessionEvent, scope: never): never {
  const before = (snapshot as unknown as ModelSnapshot).context;
  let next = sessionMachine.transition(snapshot, event, scope) as never;
  const after = () => (next as unknown as ModelSnapshot).context;
  const base = { sessionId: 'live', atMs: 0 } as const;
  // A reply cut by a barge-in: its stopped TTS actor reports the text it had (a SAY's, or the LLM's clauses
  // once they reached TTS), before playback reports what was heard.
  const cut = after().interrupted;
  if (cut !== null && cut.turnId !== before.interrupted?.turnId) {
    const state = stateValueToString((snapshot as unknown as ModelSnapshot).value as never);
    const hadText = before.replyKind === 'say' || /^processing\.reply\.(synthesizing|buffering)|^speaking/.test(state);
    next = sessionMachine.transition(
      next,
      { ...base, type: 'tts.stopped', turnId: cut.turnId, texts: hadText ? ['Okay then,', 'here it is.'] : [] },
      scope,
    ) as never;
  }
  for (const turnId of after().pendingHeard.filter((t) => !before.pendingHeard.includes(t))) {
    next = sessionMachine.transition(next, { ...base, type: 'playback.stopped', turnId, segments: [], framesCleared: 0 }, scope) as never;
  }
  // The VAD told to end the utterance (adaptive end of turn) does so at once.
  const ending = (x: unknown) => JSON.stringify((x as ModelSnapshot).value).includes('"ending"');
  if (ending(next) && !ending(snapshot) && after().userTurnId !== null) {
    next = sessionMachine.transition(next, { ...base, type: 'vad.speech_end', turnId: after().userTurnId!, speechMs: 100 }, scope) as never;
  }
  // The gate closed on the VAD's utterance (a release, the push bound): the VAD ends it at once.
  const wasOpen = activationStateOf(snapshot as unknown as ModelSnapshot).startsWith('open');
  const isOpen = activationStateOf(next as unknown as ModelSnapshot).startsWith('open');
  if (wasOpen && !isOpen && after().vadTurnId !== null && (next as unknown as ModelSnapshot).status === 'active') {
    next = sessionMachine.transition(next, { ...base, type: 'vad.speech_end', turnId: after().vadTurnId!, speechMs: 100 }, scope) as never;
  }
  const { replyTurnId, replyKind } = after();
  if (replyKind === 'say' && replyTurnId !== null && replyTurnId !== before.replyTurnId) {
    next = sessionMachine.transition(
      next,
      { ...base, type: 'tts.requested', turnId: replyTurnId, segmentIndex: 0, kind: 'say', engine: 'tts-a' },
      scope,
    ) as never;
  }
  return next;
}

/** The chart as the walk sees it: a transition applies a stimulus's events one after another. */
const modelLogic = {
  ...sessionMachine,
  getInitialSnapshot: sessionMachine.getInitialSnapshot.bind(sessionMachine),
  transition: (snapshot: never, event: StimulusEvent, scope: never) => event.events.reduce<never>((s, e) => step(s, e, scope), snapshot),
} as unknown as Parameters<typeof getAdjacencyMap<ReturnType<typeof sessionMachine.getInitialSnapshot>, StimulusEvent, unknown>>[0];

interface Step {
  stimulus: string;
  expectedKey: string;
}

function planEdges(walk: Walk): Step[][] {
  const adjacency = getAdjacencyMap(modelLogic, {
    input: { sessionId: 'live', config: resolveSessionConfig(walk.config) },
    events: (snapshot) =>
      proposals(snapshot as unknown as ModelSnapshot, walk.set).map(({ stimulus, events }): StimulusEvent => ({
        type: 'stimulus',
        stimulus: stimulus.id,
        events,
      })),
    serializeState: (snapshot) => abstractKey(snapshot as unknown as ModelSnapshot),
    serializeEvent: (event) => event.stimulus,
    limit: 100_000,
  }) as unknown as Record<string, { transitions: Record<string, { event: StimulusEvent; state: unknown }> }>;
  // Shortest stimulus path to every abstract state, then one path per edge out of it.
  const initialKey = Object.keys(adjacency)[0]!;
  const pathTo = new Map<string, Step[]>([[initialKey, []]]);
  const queue = [initialKey];
  while (queue.length > 0) {
    const key = queue.shift()!;
    for (const { event, state } of Object.values(adjacency[key]!.transitions)) {
      const next = abstractKey(state as unknown as ModelSnapshot);
      if (pathTo.has(next)) continue;
      pathTo.set(next, [...pathTo.get(key)!, { stimulus: event.stimulus, expectedKey: next }]);
      queue.push(next);
    }
  }
  const edges: Step[][] = [];
  for (const [key, { transitions }] of Object.entries(adjacency)) {
    for (const { event, state } of Object.values(transitions)) {
      edges.push([...pathTo.get(key)!, { stimulus: event.stimulus, expectedKey: abstractKey(state as unknown as ModelSnapshot) }]);
    }
  }
  return edges;
}

async function driveEdge(walk: Walk, steps: Step[], coverage: Coverage): Promise<void> {
  const h = await createLiveHarness({ config: walk.config, coverage });
  for (const [i, step] of steps.entries()) {
    const snapshot = h.session.actor.getSnapshot() as unknown as ModelSnapshot;
    const stimulus: Stimulus | undefined = [...walk.set.stimuli, ...delayStimuli(snapshot, walk.set)].find((s) => s.id === step.stimulus);
    if (!stimulus) throw new Error(`step ${i}: stimulus ${step.stimulus} not available in ${h.state()}`);
    await stimulus.drive(h);
    h.checkInvariants();
    const live = abstractKey(h.session.actor.getSnapshot() as unknown as ModelSnapshot);
    if (live !== step.expectedKey) {
      throw new Error(
        `step ${i} (${step.stimulus}): chart says ${step.expectedKey}, live session is ${live}\npath: ${steps.map((s) => s.stimulus).join(' → ')}`,
      );
    }
  }
  await h.end();
  h.checkInvariants();
}

describe('session chart, model-based', () => {
  const coverage = createCoverage();
  for (const walk of WALKS) {
    it(`drives every edge of the ${walk.name} walk on a live actor system`, async () => {
      const edges = planEdges(walk);
      console.log(`${walk.name} walk: ${edges.length} chart edges`);
      if (process.env.MODEL_PLAN_ONLY) return;
      for (const edge of edges) await driveEdge(walk, edge, coverage);
    }, 600_000);
  }

  it.skipIf(Boolean(process.env.MODEL_PLAN_ONLY))('covers every state and transition of the chart', () => {
    const inventory = chartInventory();
    const statesCovered = [...inventory.states].filter((s) => coverage.states.has(s));
    const transitionsCovered = [...inventory.transitions].filter((t) => coverage.transitions.has(t));
    console.log(
      `model coverage: states ${statesCovered.length}/${inventory.states.size}, transitions ${transitionsCovered.length}/${inventory.transitions.size}`,
    );
    expect([...inventory.states].filter((s) => !coverage.states.has(s))).toEqual([]);
    expect([...inventory.transitions].filter((t) => !coverage.transitions.has(t))).toEqual([]);
  });
});
