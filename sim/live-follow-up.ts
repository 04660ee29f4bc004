/**
 * The user over the robot's spoken outcome, in the virtual room of `--scenario live`: `trials` times, a
 * navigation ("go to the kitchen"), and "turn left" played into the room the moment the navigation ends,
 * as the robot starts saying "Arrived at the kitchen." (the recording's 0.3 s of leading silence puts the
 * first word ~0.2–0.4 s into the outcome). Heard: the user's words became a turn of their own
 * (`you: turn left`); cut: the outcome stopped for them. A motion command heard less surely is asked
 * about first ("Should I drive to the kitchen?"): the user says yes to the navigation, and no to the
 * turn, so each trial starts with the robot where the last left it, idle.
 *
 * @example
 * ```ts
 * const row = await talkOverFollowUps({
 *   room,
 *   seen,
 *   lastLineAt: () => lastLineAt,
 *   recordings,
 *   trials: 3,
 *   progress: console.error,
 * });
 * row.heard; // of row.trials
 * ```
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PulseRoom } from './pulse-room.js';

export const FOLLOW_UP_LINES = ['go to the kitchen', 'yes', 'turn left', 'no'] as const;

export interface FollowUpRow {
  trials: number;
  /** The user's "turn left" became a turn of its own. */
  heard: number;
  /** The outcome ("Arrived at the kitchen.") was cut for it. */
  cut: number;
}

/** Why 30 s: a command's turn takes ~4 s and a navigation up to 8 s; the rest is a stalled machine. */
const TURN_LIMIT_MS = 30_000;
/** Why 2 s: after the last line, long enough for a held command or a late answer to show before the next trial. */
const QUIET_MS = 2000;

async function until(done: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!done() && performance.now() < deadline) await sleep(50);
  return done();
}

/**
 * @param options.seen every line the live session printed so far, growing as it prints
 * @param options.recordings the WAV files of {@link FOLLOW_UP_LINES}, in order
 */
export async function talkOverFollowUps(options: {
  room: PulseRoom;
  seen: readonly string[];
  lastLineAt: () => number;
  recordings: readonly string[];
  trials: number;
  progress: (line: string) => void;
}): Promise<FollowUpRow> {
  const { room, seen } = options;
  const [go, yes, turn, no] = options.recordings;
  if (!go || !yes || !turn || !no)
    throw new Error(`talkOverFollowUps needs recordings of ${FOLLOW_UP_LINES.join(', ')}`);
  const row: FollowUpRow = { trials: 0, heard: 0, cut: 0 };
  const asked = (l: string) => l.startsWith('agent: Should I') && l.includes('kitchen');
  const askedToTurn = (l: string) => l.startsWith('agent: Should I turn');
  const quiet = () => until(() => performance.now() - options.lastLineAt() > QUIET_MS, TURN_LIMIT_MS);
  /**
   * The user's `words` were heard: the agent's answer, whose line comes when it has been said, a reply or more later.
   */
  const answered = async (words: string) => {
    await until(() => {
      const at = seen.lastIndexOf(`you: ${words}`);
      return at < 0 || seen.slice(at + 1).some((l) => l.startsWith('agent: '));
    }, TURN_LIMIT_MS);
    await quiet();
  };
  const arrived = (l: string) => l.startsWith('action: navigate') && l.endsWith(' succeeded');
  for (let trial = 0; trial < options.trials; trial++) {
    await quiet();
    const from = seen.length;
    const mine = () => seen.slice(from);
    await room.play(go);
    await until(() => mine().some((l) => asked(l) || arrived(l)), TURN_LIMIT_MS);
    if (mine().some(asked) && !mine().some(arrived)) {
      await room.play(yes);
      await until(() => mine().some(arrived), TURN_LIMIT_MS);
    }
    if (!mine().some(arrived)) {
      options.progress(`  over the outcome, trial ${trial + 1}: no navigation (${mine().join(' | ')})`);
      continue;
    }
    await room.play(turn);
    await quiet();
    await answered('turn left');
    if (mine().some(askedToTurn)) {
      await room.play(no);
      await quiet();
      await answered('no');
    }
    const lines = mine();
    row.trials++;
    if (lines.includes('you: turn left')) row.heard++;
    if (lines.some((l) => l.startsWith('agent: Arrived') && l.endsWith('(interrupted)'))) row.cut++;
    options.progress(
      `  over the outcome, trial ${trial + 1}: ${lines.filter((l) => !l.startsWith('action: ')).join(' | ')}`,
    );
  }
  return row;
}
