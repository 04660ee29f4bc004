/**
 * The echo closed loop's third phase (echo-loop.ts): the user speaks while the robot speaks, at the
 * moments a user does — a command or "stop" 0.3, 0.8, 1.5 or 3 s into a reply, during an action's spoken
 * outcome ("Arrived at the kitchen."), during the re-prompt after something not understood, and right
 * after a reply ends (its echo still in the room) — in flite's voices or in recordings of real people
 * (`../shared/speech/human`, see sim/human-speech.ts).
 *
 * Each case asks for the reply it talks over, waits for it to start playing (the speaker's first frame),
 * speaks at the chosen moment and reports what came of it, by ids and order only:
 *
 * - a command during a reply is heard when that reply stops (`playback.stopped` of its turn) after the
 *   user began; right after a reply, when a new utterance of the user's reaches a final transcript;
 * - "stop" is heard when the emergency stop fires (`control.estop`) after the user began.
 *
 * @example
 * ```ts
 * const result = await runEchoLoop({
 *   echoCancel: 'on',
 *   delayMs: 300,
 *   replies: 2,
 *   bargeIns: 0,
 *   overlaps: overlapCases({ voices: ['synthetic'] }),
 * });
 * result.overlaps.filter((o) => !o.heard); // the cases where the user was lost
 * ```
 */
import { loadHumanSpeech, readHumanClip, type HumanClip, type HumanSpeechCorpus } from './human-speech.js';
import type { BusMessage } from '../bus/messages.js';

/**
 * When the user speaks: ms into a reply, during an action's outcome, during a re-prompt, or right after a reply ends.
 */
export type OverlapMoment = { intoReplyMs: number } | 'follow-up' | 're-prompt' | 'after-reply';
export type OverlapUtterance = 'command' | 'stop';
export type OverlapVoice = 'synthetic' | 'human';

export interface OverlapCase {
  moment: OverlapMoment;
  utterance: OverlapUtterance;
  voice: OverlapVoice;
}

export interface OverlapOutcome extends OverlapCase {
  /**
   * `heard`, `lost`, or why the case could not be run (the reply ended before the moment, no re-prompt came, no
   * recordings).
   */
  result: 'heard' | 'lost' | 'reply-too-short' | 'no-reply' | 'no-recordings';
  heard: boolean;
  /** What the user said (text, or the recording's file). */
  said: string;
  /** The turn talked over. */
  replyTurnId?: string;
  /** What the recognizer made of the user's words, if anything. */
  transcript?: string;
  /** How sure it was of that (what the stop gate judged a lost "stop" on), and the utterance's voiced ms. */
  confidence?: number;
  voicedMs?: number;
  /** The user's utterance. */
  userTurnId?: string;
  /**
   * Which path stopped the robot on the user's utterance, if one did: on a "stop" the stop, on a command a false stop.
   */
  estoppedBy?: 'spotter' | 'phrase';
}

/** What the loop lends the phase: its clock, its messages, the user's mouth, and its waits. */
export interface LoopContext {
  now(): number;
  readonly seen: ReadonlyArray<BusMessage & { atMs: number }>;
  /** The user starts saying `samples` (client rate) now; returns when they end (ms). */
  speak(samples: Int16Array): number;
  runUntil(done: () => boolean, limitMs: number): Promise<void>;
  idle(): boolean;
  /** 16 kHz speech at the user's level and the client's rate. */
  atUserLevel(samples: Int16Array): Promise<Int16Array>;
  /** flite speaking `text` in `voice`, 16 kHz. */
  say(text: string, voice: string): Promise<Int16Array>;
  userSilentAt(atMs: number): boolean;
}

/**
 * The moments of the matrix: 0.3, 0.8, 1.5 and 3 s into a reply, an action's outcome, a re-prompt, right after a reply.
 */
export const OVERLAP_MOMENTS: readonly OverlapMoment[] = [
  { intoReplyMs: 300 },
  { intoReplyMs: 800 },
  { intoReplyMs: 1500 },
  { intoReplyMs: 3000 },
  'follow-up',
  're-prompt',
  'after-reply',
];

/** Every moment × utterance × voice asked for. */
export function overlapCases(options: {
  moments?: readonly OverlapMoment[];
  utterances?: readonly OverlapUtterance[];
  voices?: readonly OverlapVoice[];
}): OverlapCase[] {
  const cases: OverlapCase[] = [];
  for (const voice of options.voices ?? ['synthetic', 'human'])
    for (const moment of options.moments ?? OVERLAP_MOMENTS)
      for (const utterance of options.utterances ?? ['command', 'stop']) cases.push({ moment, utterance, voice });
  return cases;
}

export const momentName = (m: OverlapMoment) => (typeof m === 'string' ? m : `${m.intoReplyMs / 1000} s`);

/**
 * What asks for each reply: its longest answer (3.9 s in flite's kal16), a navigation (then its outcome), words outside
 * the grammar.
 */
const LONG_REPLY_COMMAND = 'what time is it';
const FOLLOW_UP_COMMAND = 'go to the kitchen';
const NOT_UNDERSTOOD = 'purple elephants dance on tuesday';
/** The synthetic user's commands over a reply (they need not be understood to stop it) and stop phrase. */
const SYNTHETIC_COMMANDS = ['turn left', 'go to the door', 'move forward two meters'];
const SYNTHETIC_VOICES = ['slt', 'rms', 'awb'];
/** The re-prompt and the outcome are short: the user speaks this far into them. */
const SHORT_REPLY_INTO_MS = 300;
/** Why 10 s: the longest reply asked for (3.9 s) with its turn's speech, hangover and answer around it. */
const TURN_LIMIT_MS = 10_000;
/** Why 30 s: the simulated robot's longest action (navigation) with margin. */
const ACTION_LIMIT_MS = 30_000;
/**
 * Why 2.5 s after the user's last sample: the VAD's hangover (600 ms), the transcript, the e-stop's check every 100 ms,
 * with margin.
 */
const VERDICT_AFTER_MS = 2500;
/** Why 1.2 s: as the loop's first phase, the VAD's hangover and room for a late false start. */
const QUIET_AFTER_MS = 1200;

interface UserLine {
  said: string;
  samples: Int16Array;
}

/** The next utterance of a kind in a voice: flite in turn, or the next recording of a real person. */
function createUserLines(context: LoopContext) {
  let corpus: HumanSpeechCorpus | undefined;
  const used = { command: 0, stop: 0 };
  const human = (kind: OverlapUtterance): HumanClip[] => {
    corpus ??= loadHumanSpeech();
    const words = (c: HumanClip) => c.transcript.split(' ').length;
    return kind === 'stop'
      ? corpus.clips.filter((c) => c.transcript === 'stop')
      : corpus.clips.filter(
          (c) => (c.category === '2_commands' || c.category === '3_sentences') && words(c) >= 2 && c.durationMs <= 3600,
        );
  };
  return async (kind: OverlapUtterance, voice: OverlapVoice): Promise<UserLine | undefined> => {
    const n = used[kind]++;
    if (voice === 'synthetic') {
      const text = kind === 'stop' ? 'stop' : SYNTHETIC_COMMANDS[n % SYNTHETIC_COMMANDS.length]!;
      return {
        said: text,
        samples: await context.atUserLevel(await context.say(text, SYNTHETIC_VOICES[n % SYNTHETIC_VOICES.length]!)),
      };
    }
    const clips = human(kind);
    if (!corpus?.available || clips.length === 0) return undefined;
    const clip = clips[n % clips.length]!;
    return { said: clip.file, samples: await context.atUserLevel(readHumanClip(corpus, clip).samples) };
  };
}

export async function runOverlaps(context: LoopContext, cases: readonly OverlapCase[]): Promise<OverlapOutcome[]> {
  const lines = createUserLines(context);
  const outcomes: OverlapOutcome[] = [];
  for (const c of cases) {
    const line = await lines(c.utterance, c.voice);
    if (!line) {
      outcomes.push({ ...c, result: 'no-recordings', heard: false, said: '' });
      continue;
    }
    const from = context.seen.length;
    outcomes.push(await runCase(context, c, line));
    await settle(context, from);
  }
  return outcomes;
}

const since = (context: LoopContext, from: number) => context.seen.slice(from);
const started = (m: BusMessage) => m.type === 'playback.started' && m.kind !== 'filler';

/** Asks for the reply the case talks over and waits for its first frame: its turn id, or why there is none. */
async function replyToTalkOver(
  context: LoopContext,
  c: OverlapCase,
): Promise<{ turnId: string; startedAtMs: number } | undefined> {
  const before = context.seen.length;
  const ask =
    c.moment === 'follow-up' ? FOLLOW_UP_COMMAND : c.moment === 're-prompt' ? NOT_UNDERSTOOD : LONG_REPLY_COMMAND;
  context.speak(await context.atUserLevel(await context.say(ask, 'slt')));
  if (c.moment === 're-prompt') {
    await context.runUntil(
      () => since(context, before).some((m) => m.type === 'session.notice' && m.code === 'not_understood'),
      TURN_LIMIT_MS,
    );
    if (!since(context, before).some((m) => m.type === 'session.notice' && m.code === 'not_understood'))
      return undefined;
  }
  // The outcome is a reply of its own (turn `f<n>`), after the command's.
  const wanted = (m: BusMessage) => started(m) && (c.moment !== 'follow-up' || m.turnId.startsWith('f'));
  await context.runUntil(
    () => since(context, before).some(wanted),
    c.moment === 'follow-up' ? ACTION_LIMIT_MS : TURN_LIMIT_MS,
  );
  const first = since(context, before).find(wanted);
  return first ? { turnId: first.turnId, startedAtMs: first.atMs } : undefined;
}

async function runCase(context: LoopContext, c: OverlapCase, line: UserLine): Promise<OverlapOutcome> {
  const reply = await replyToTalkOver(context, c);
  if (!reply) return { ...c, result: 'no-reply', heard: false, said: line.said };
  const ended = (from: number) =>
    since(context, from).some(
      (m) => (m.type === 'playback.finished' || m.type === 'playback.stopped') && m.turnId === reply.turnId,
    );
  const replyFrom = context.seen.findIndex((m) => started(m) && m.turnId === reply.turnId);
  if (c.moment === 'after-reply') {
    await context.runUntil(() => ended(replyFrom), TURN_LIMIT_MS);
  } else {
    const into = typeof c.moment === 'string' ? SHORT_REPLY_INTO_MS : c.moment.intoReplyMs;
    const at = reply.startedAtMs + into;
    await context.runUntil(() => context.now() >= at || ended(replyFrom), into + TURN_LIMIT_MS);
    if (ended(replyFrom))
      return { ...c, result: 'reply-too-short', heard: false, said: line.said, replyTurnId: reply.turnId };
  }
  const before = context.seen.length;
  const spokeAt = context.now();
  const endsAt = context.speak(line.samples);
  const heard = (): boolean => {
    const after = since(context, before);
    if (c.utterance === 'stop') return after.some((m) => m.type === 'control.estop');
    if (c.moment === 'after-reply')
      return after.some((m) => m.type === 'stt.final' && m.text.trim() !== '' && m.atMs >= spokeAt);
    return after.some((m) => m.type === 'playback.stopped' && m.turnId === reply.turnId);
  };
  await context.runUntil(
    () => heard() || context.now() > endsAt + VERDICT_AFTER_MS,
    endsAt - spokeAt + VERDICT_AFTER_MS + 1000,
  );
  const userTurn = since(context, before).find((m) => m.type === 'vad.speech_start')?.turnId;
  const final = since(context, before).find((m) => m.type === 'stt.final' && m.turnId === userTurn);
  const speechEnd = since(context, before).find((m) => m.type === 'vad.speech_end' && m.turnId === userTurn);
  const estop = since(context, before).find(
    (m) => m.type === 'control.estop' && (m.turnId === userTurn || m.turnId === '-'),
  );
  return {
    ...c,
    result: heard() ? 'heard' : 'lost',
    heard: heard(),
    said: line.said,
    replyTurnId: reply.turnId,
    ...(final && final.type === 'stt.final'
      ? { transcript: final.text, ...(final.confidence === undefined ? {} : { confidence: final.confidence }) }
      : {}),
    ...(speechEnd && speechEnd.type === 'vad.speech_end' ? { voicedMs: speechEnd.speechMs } : {}),
    ...(userTurn ? { userTurnId: userTurn } : {}),
    ...(estop && estop.type === 'control.estop' && (estop.source === 'spotter' || estop.source === 'phrase')
      ? { estoppedBy: estop.source }
      : {}),
  };
}

/**
 * The actions asked for since message `from` that have not ended. A cancel counts as an end here: the
 * loop's first phases run without an executor, where a cancelled request is never answered.
 */
function openActionsSince(context: LoopContext, from: number): number {
  const open = new Set<string>();
  for (const m of since(context, from)) {
    if (!('actionId' in m)) continue;
    if (m.type === 'action.request') open.add(m.actionId);
    else if (m.type !== 'action.accepted' && m.type !== 'action.feedback') open.delete(m.actionId);
  }
  return open.size;
}

/** The session back at rest: no reply, no action of this case's, and the room quiet, before the next case. */
async function settle(context: LoopContext, from: number): Promise<void> {
  const rest = () => context.idle() && openActionsSince(context, from) === 0;
  await context.runUntil(rest, ACTION_LIMIT_MS);
  const quietUntil = context.now() + QUIET_AFTER_MS;
  await context.runUntil(() => context.now() >= quietUntil, QUIET_AFTER_MS);
  await context.runUntil(rest, ACTION_LIMIT_MS);
}

/**
 * Barge-ins and stops heard over the cases run, synthetic and real voices apart, with the commands that fired the
 * e-stop instead, e.g. `synthetic: commands 12/14, stops 13/14 (commands e-stopped: 0.8 s by spotter); human: …`.
 */
export function overlapSummary(outcomes: readonly OverlapOutcome[]): string {
  const parts: string[] = [];
  for (const voice of ['synthetic', 'human'] as const) {
    const mine = outcomes.filter((o) => o.voice === voice);
    if (mine.length === 0) continue;
    if (mine.every((o) => o.result === 'no-recordings')) {
      parts.push(`${voice}: no recordings`);
      continue;
    }
    const tally = (u: OverlapUtterance) => {
      const run = mine.filter((o) => o.utterance === u && (o.result === 'heard' || o.result === 'lost'));
      return `${run.filter((o) => o.heard).length}/${run.length}`;
    };
    const falseStops = mine
      .filter((o) => o.utterance === 'command' && o.estoppedBy !== undefined)
      .map((o) => `${momentName(o.moment)} by ${o.estoppedBy}`);
    const lost = mine.filter((o) => o.result === 'lost').map((o) => `${o.utterance}@${momentName(o.moment)}`);
    const notRun = mine
      .filter((o) => o.result !== 'heard' && o.result !== 'lost')
      .map((o) => `${o.utterance}@${momentName(o.moment)}: ${o.result}`);
    parts.push(
      `${voice}: commands ${tally('command')}, stops ` +
        `${tally('stop')}` +
        `${falseStops.length ? ` (commands e-stopped: ${falseStops.join(', ')})` : ''}` +
        `${lost.length ? ` (lost ${lost.join(', ')})` : ''}` +
        `${notRun.length ? ` (not run ${notRun.join(', ')})` : ''}`,
    );
  }
  return parts.join('; ');
}
