/**
 * Model-based test: `xstate/graph` walks the real session chart (every reachable abstract state and
 * every event a stage can produce there), and every edge found is driven on a live actor system —
 * session host, stage actors, in-process bus, controlled fakes, simulated clock — along a path cover
 * (`path-cover.ts`: walks that go on from where the last edge left the session, rather than one replay
 * from the start per edge), checking after every step that the live session is where the chart says
 * and that the invariants hold. Coverage is measured on the live run from XState's inspection stream,
 * not from the plan.
 */
import { createEmptyActor } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { resolveSessionConfig, type SessionConfigInput } from '../../machines/config.js';
import type { SessionEvent } from '../../machines/events.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { stateValueToString } from '../../runtime/state-value.js';
import { chartInventory, createCoverage, createLiveHarness, type Coverage } from '../support/live-session.js';
import { ACTION_CONFIG, ACTION_STIMULI } from './action-stimuli.js';
import { coverEdges, type Edge, type Graph, type WalkModel, type WalkStep } from './path-cover.js';
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
const CONFIG: SessionConfigInput = {
  bargeIn: { minWords: 2, ignorableWords: [BACKCHANNEL] },
  turn: { speculate: 'on' },
  minConfidence: MIN_CONFIDENCE,
};

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
  {
    name: 'actions without barge-in',
    config: { ...ACTION_CONFIG, bargeIn: { ...ACTION_CONFIG.bargeIn, enabled: false } },
    set: ACTION_STIMULI,
  },
  // `session.activation`: the gate in the way of the dialog, a wake window and a push-to-talk key.
  { name: 'activation wake', config: WAKE_CONFIG, set: ACTIVATION_STIMULI },
  { name: 'activation push', config: PUSH_CONFIG, set: ACTIVATION_STIMULI },
];
/**
 * Why a bound: the invariants reread a session's whole message log after every step, so a walk's cost
 * grows with the square of its length; a walk this long heads for its end and the next starts afresh.
 */
const MAX_WALK_STEPS = 200;
/** One planning step: a stimulus and the chart events it causes, applied in order. */
type StimulusEvent = { type: 'stimulus'; stimulus: string; events: SessionEvent[] };

/**
 * One chart event, followed by what the live actors do at once in answer, as the live system would: a stopped TTS actor
 * reports the text of a reply a barge-in cut, a stopped playback actor reports (nothing heard, as far as the model
 * knows) for every reply the event cancelled, the VAD told to end an utterance ends it (so does the VAD whose gate
 * closes on it), and the TTS actor of a new spoken reply (a SAY, a resumed reply) requests its first segment.
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
    next = sessionMachine.transition(
      next,
      { ...base, type: 'playback.stopped', turnId, segments: [], framesCleared: 0 },
      scope,
    ) as never;
  }
  // The VAD told to end the utterance (adaptive end of turn) does so at once.
  const ending = (x: unknown) => JSON.stringify((x as ModelSnapshot).value).includes('"ending"');
  if (ending(next) && !ending(snapshot) && after().userTurnId !== null) {
    next = sessionMachine.transition(
      next,
      { ...base, type: 'vad.speech_end', turnId: after().userTurnId!, speechMs: 100 },
      scope,
    ) as never;
  }
  // The gate closed on the VAD's utterance (a release, the push bound): the VAD ends it at once.
  const wasOpen = activationStateOf(snapshot as unknown as ModelSnapshot).startsWith('open');
  const isOpen = activationStateOf(next as unknown as ModelSnapshot).startsWith('open');
  if (wasOpen && !isOpen && after().vadTurnId !== null && (next as unknown as ModelSnapshot).status === 'active') {
    next = sessionMachine.transition(
      next,
      { ...base, type: 'vad.speech_end', turnId: after().vadTurnId!, speechMs: 100 },
      scope,
    ) as never;
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
  transition: (snapshot: never, event: StimulusEvent, scope: never) =>
    event.events.reduce<never>((s, e) => step(s, e, scope), snapshot),
} as unknown as Parameters<
  typeof getAdjacencyMap<ReturnType<typeof sessionMachine.getInitialSnapshot>, StimulusEvent, unknown>
>[0];

/** The walk's graph: every abstract state the chart reaches under the walk's stimuli, and its edges. */
function planGraph(walk: Walk): Graph {
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
  const graph = new Map<string, Edge[]>();
  for (const [from, { transitions }] of Object.entries(adjacency)) {
    const edges = Object.values(transitions).map(({ event, state }) => ({
      from,
      stimulus: event.stimulus,
      to: abstractKey(state as unknown as ModelSnapshot),
    }));
    graph.set(from, edges);
  }
  return graph;
}

/** A walk's stimulus by id, the delays' as they stand in `snapshot`. */
function stimulusById(set: StimulusSet, snapshot: ModelSnapshot, id: string): Stimulus | undefined {
  return id.startsWith('after:')
    ? delayStimuli(snapshot, set).find((s) => s.id === id)
    : set.stimuli.find((s) => s.id === id);
}

/** The chart stepped snapshot by snapshot, as the path cover plans a walk (with the scope `xstate/graph` gives it). */
function walkModel(walk: Walk): WalkModel<ModelSnapshot> {
  const self = createEmptyActor();
  const scope = {
    self,
    logger: console.log,
    id: '',
    sessionId: 'plan',
    defer() {},
    system: self.system,
    stopChild() {},
    emit() {},
    actionExecutor() {},
  } as never;
  const initial = sessionMachine.getInitialSnapshot(scope, {
    sessionId: 'live',
    config: resolveSessionConfig(walk.config),
  }) as unknown as ModelSnapshot;
  return {
    initial,
    key: abstractKey,
    // Time passes on the live clock in a delay and while a reply plays to its end.
    timed: (stimulus) => stimulus.startsWith('after:') || stimulus === 'finishPlayback',
    next(snapshot, stimulus) {
      if (snapshot.status !== 'active') return undefined;
      const events = stimulusById(walk.set, snapshot, stimulus)?.propose(snapshot);
      if (!events) return undefined;
      return (Array.isArray(events) ? events : [events]).reduce<never>(
        (s, e) => step(s, e, scope),
        snapshot as never,
      ) as ModelSnapshot;
    },
  };
}

/** Drives one walk of the path cover on a fresh live session, checking the state and invariants after every step. */
async function driveWalk(walk: Walk, steps: WalkStep[], coverage: Coverage): Promise<void> {
  const h = await createLiveHarness({ config: walk.config, coverage });
  for (const [i, step] of steps.entries()) {
    const stimulus = stimulusById(walk.set, h.session.actor.getSnapshot() as unknown as ModelSnapshot, step.stimulus);
    if (!stimulus) throw new Error(`step ${i}: stimulus ${step.stimulus} not available in ${h.state()}`);
    await stimulus.drive(h);
    h.checkInvariants();
    const live = abstractKey(h.session.actor.getSnapshot() as unknown as ModelSnapshot);
    if (live !== step.expected) {
      throw new Error(
        `step ${i} (${step.stimulus}): chart says ${step.expected}, live session is ${live}\npath: ` +
          `${steps.map((s) => s.stimulus).join(' → ')}`,
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
      const graph = planGraph(walk);
      // Planning is synchronous (tens of seconds on a loaded machine), so the walks are planned one at a
      // time between driving them (50 ms the longest), with a macrotask after each: vitest's runner gives
      // up on a worker that does not answer for 60 s.
      let walkCount = 0;
      let stepCount = 0;
      for (const steps of coverEdges(graph, walkModel(walk), MAX_WALK_STEPS)) {
        walkCount++;
        stepCount += steps.length;
        if (!process.env.MODEL_PLAN_ONLY) await driveWalk(walk, steps, coverage);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const edges = [...graph.values()].reduce((n, list) => n + list.length, 0);
      console.log(
        `${walk.name} walk: ${graph.size} states, ${edges} chart edges, covered by ${walkCount} walks of ` +
          `${stepCount} steps`,
      );
    }, 600_000);
  }

  it.skipIf(Boolean(process.env.MODEL_PLAN_ONLY))('covers every state and transition of the chart', () => {
    const inventory = chartInventory();
    const statesCovered = [...inventory.states].filter((s) => coverage.states.has(s));
    const transitionsCovered = [...inventory.transitions].filter((t) => coverage.transitions.has(t));
    console.log(
      `model coverage: states ${statesCovered.length}/${inventory.states.size}, transitions ` +
        `${transitionsCovered.length}/${inventory.transitions.size}`,
    );
    expect([...inventory.states].filter((s) => !coverage.states.has(s))).toEqual([]);
    expect([...inventory.transitions].filter((t) => !coverage.transitions.has(t))).toEqual([]);
  });
});
