/**
 * The echo matrix: echo cancellation in rooms a robot meets, cell by cell, through the acoustic closed
 * loop of `sim/echo-loop.ts` (the local stack hearing its own replies through a simulated room
 * while a user gives commands and talks over it).
 *
 * Cells vary one thing at a time around a base room (300 ms delay, RT60 400 ms, the speaker as loud as
 * the user at the microphone, a device on the bus at 16 kHz), then combine the hardest: the delay (40,
 * 120, 300, 600 ms, and one that jumps between 300 ms and 1.4 s from reply to reply), the reverberation
 * (RT60 200, 400, 600 ms: a noise impulse response decaying exponentially, `echo-path.ts`), the speaker's
 * level over the user's (-6, 0, +10 dB), the client (bus at 16 and 24 kHz, a Realtime client at 24 kHz
 * with `noise_reduction: far_field`).
 *
 * Per cell: false barge-ins over `replies` replies (target 0), real barge-ins that stopped the reply
 * (target ≥ 95 %), ERLE after convergence of the linear filter and speexdsp's residual suppressor (the
 * agent alone speaking into the same room, open loop, blocks 3 s or more after the echo path last
 * changed; target ≥ 25 dB), and the input conditioner's CPU per 20 ms frame (µs; one session).
 *
 * Run: `node --import tsx bench/echo-matrix.ts [--quick] [--cells 4,11] [--tail-ms 300] [--canceller webrtc]
 * [--overlaps synthetic,human] [--no-erle] [--label after] [--json bench/results/echo-matrix.json [--append]]`
 * (`--tail-ms`: `audio.echoTailMs` for the cells, default the configuration's; `--canceller builtin|webrtc`:
 * `audio.echoCanceller`, default the configuration's; `--overlaps`: a third phase where the user speaks while the robot
 * speaks — 0.3, 0.8, 1.5, 3 s into replies, during an action's outcome, a re-prompt, right after a reply — in those
 * voices, see sim/echo-overlap.ts). `--label before` compares with another tree: the same script run in a checkout of
 * it with this file, the loop and the room copied in; the Realtime cells there force `audio.echoCancel: on`, for a
 * server with no per-session switch.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tapEchoReference } from '../adapters/echo/index.js';
import { createInputConditioner, type EchoCancellerKind } from '../adapters/audio/input-conditioner.js';
import { createRecordingSink } from '../adapters/audio/recording-sink.js';
import { createResampler } from '../adapters/audio/resample.js';
import { createEchoPath, playedFrom } from '../sim/echo-path.js';
import { ManualClock } from '../adapters/testing/manual-clock.js';
import { CONFIG_DEFAULTS } from '../runtime/config/defaults.js';
import { runEchoLoop } from '../sim/echo-loop.js';
import { overlapCases, overlapSummary, type OverlapOutcome, type OverlapVoice } from '../sim/echo-overlap.js';
import { localVoices, speak } from './speech-corpus.js';
import { round } from './stats.js';
import { CELL_TAIL_TAP_MS, cellName, JUMP_DELAYS_MS, loopOptions, type EchoCell } from '../sim/echo-cell.js';

const FRAME_MS = 20;
/**
 * Why 1 s into each reply's echo: the time the filter takes to converge again, or a jumped delay to be found (the echo
 * suppressor holds the echo meanwhile).
 */
const CONVERGED_AFTER_MS = 1000;
/** Why 5 s: the first reply teaches the filter the room. */
const SETTLED_AFTER_MS = 5000;
/**
 * Why 2.5 s between the open loop's replies: a jumping delay (to 1.4 s, RT60 up to 600 ms) changes only once the last
 * reply's echo has died.
 */
const PAUSE_SAMPLES = 40_000;
/** The open loop's room changes after this long with nothing played: 1.4 s of delay and 600 ms of reverberation. */
const CHANGE_AFTER_SILENT_MS = 2100;

export interface EchoMatrixRow extends EchoCell {
  scenario: 'echo-matrix';
  label: string;
  replies: number;
  falseBargeIns: number;
  falseSpeechStarts: number;
  bargeInsStopped: number;
  bargeInsAttempted: number;
  /** ERLE 1 s or more into each reply's echo (after the first 5 s). */
  erleDb: number;
  /** ERLE over all the echo after the first 5 s (reply starts and delay jumps included). */
  erleOverallDb: number;
  conditionerMicrosPerFrame: number;
  delayMoves?: number;
  estimatedDelayMs?: number;
  /** The user speaking while the robot speaks (`--overlaps`): every case with what came of it. */
  overlaps?: OverlapOutcome[];
}

const BASE: EchoCell = { delay: 300, rt60Ms: 400, speakerOverUserDb: 0, client: 'bus-16k' };

/** The cells: one dimension at a time around the base room, then the hardest combinations. */
export function echoCells(): EchoCell[] {
  const cells: EchoCell[] = [];
  const add = (c: Partial<EchoCell>) => {
    const cell = { ...BASE, ...c };
    if (!cells.some((x) => JSON.stringify(x) === JSON.stringify(cell))) cells.push(cell);
  };
  for (const delay of [40, 120, 300, 600, 'jump'] as const) add({ delay });
  for (const rt60Ms of [200, 600]) add({ rt60Ms });
  for (const speakerOverUserDb of [-6, 10]) add({ speakerOverUserDb });
  for (const client of ['bus-24k', 'realtime-24k'] as const) add({ client });
  for (const client of ['bus-16k', 'bus-24k', 'realtime-24k'] as const)
    add({ delay: 'jump', rt60Ms: 600, speakerOverUserDb: 10, client });
  add({ delay: 40, rt60Ms: 200, speakerOverUserDb: -6, client: 'realtime-24k' });
  // A Realtime client whose microphone hears the reply 100 ms later, reflections to ~300 ms.
  add({ delay: 100, rt60Ms: 300, speakerOverUserDb: 0, client: 'realtime-24k' });
  return cells;
}

let agentSpeech: Int16Array | undefined;
/** The agent's replies (flite kal16, 16 kHz) with 2.5 s pauses between them, `seconds` long. */
async function agent(seconds: number): Promise<Int16Array> {
  if (agentSpeech && agentSpeech.length >= seconds * 16_000) return agentSpeech;
  const replies = [
    'Hello! What can I do for you?',
    'Moving forward two meters.',
    'Going to the kitchen.',
    'It is a quarter past ten.',
    'Going to the charging station.',
  ];
  const kal = localVoices().voices[0]!;
  const parts: Int16Array[] = [];
  let total = 0;
  for (let i = 0; total < seconds * 16_000; i++) {
    const reply = await speak(kal, replies[i % replies.length]!);
    parts.push(reply, new Int16Array(PAUSE_SAMPLES));
    total += reply.length + PAUSE_SAMPLES;
  }
  agentSpeech = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    agentSpeech.set(p, at);
    at += p.length;
  }
  return agentSpeech;
}

/**
 * ERLE (dB) of the echo step's linear filter and residual suppressor in the cell's room, open loop: the
 * agent alone, its replies played through a tapped sink at the client's rate, the microphone resampled
 * to 16 kHz as the session's input edge does; blocks where the microphone holds echo after the first 5 s:
 * `overall`, all of them; `settled`, those 1 s or more into a reply's echo (the filter re-converged, a
 * jumped delay found). A jumping delay changes between replies, once the last one's echo has died.
 */
export async function openLoopErle(
  cell: EchoCell,
  seconds: number,
  tailMs: number = CONFIG_DEFAULTS.audio.echoTailMs,
  canceller: EchoCancellerKind = CONFIG_DEFAULTS.audio.echoCanceller,
): Promise<{ settled: number; overall: number }> {
  const rate = cell.client === 'bus-16k' ? 16_000 : 24_000;
  const frame = (rate * FRAME_MS) / 1000;
  const speech16 = await agent(seconds);
  const up = rate === 16_000 ? undefined : await createResampler({ fromHz: 16_000, toHz: rate });
  const down = rate === 16_000 ? undefined : await createResampler({ fromHz: rate, toHz: 16_000 });
  const bytes = up
    ? Buffer.concat([up.process(new Uint8Array(speech16.buffer)), up.flush()])
    : Buffer.from(speech16.buffer);
  const speech = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  const clock = new ManualClock();
  const device = createRecordingSink(clock, rate);
  const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: 16_000 });
  const conditioner = await createInputConditioner({
    sampleRateHz: 16_000,
    echo: { reference, tailMs, residualSuppression: true, canceller },
  });
  const delays = cell.delay === 'jump' ? JUMP_DELAYS_MS : [cell.delay];
  const rooms = delays.map((delayMs) =>
    createEchoPath({
      sampleRateHz: rate,
      delayMs,
      gainDb: -6,
      reverbMs: cell.rt60Ms,
      tailTapMs: CELL_TAIL_TAP_MS,
      seed: 7,
    }),
  );
  const played = playedFrom(device);
  let written = 0;
  let roomIndex = 0;
  let wasSilentMs = 0;
  let micEnergy = 0;
  let outEnergy = 0;
  let allMic = 0;
  let allOut = 0;
  let wasPlaying = false;
  let replyStartMs: number | undefined;
  const pendingMic: Int16Array[] = [];
  for (let now = FRAME_MS; now <= (speech.length / rate) * 1000; now += FRAME_MS) {
    while (device.bufferedMs() < 200 && written < speech.length) {
      const chunk = new Int16Array(frame);
      chunk.set(speech.subarray(written, written + frame));
      sink.write(new Uint8Array(chunk.buffer), { turnId: 't', seq: written / frame });
      written += frame;
    }
    await clock.advanceTo(now);
    // A jumping delay moves while the agent is silent (a pause of more than a second between replies).
    // Sample indices are whole: (now / 1000) × 24 000 is not always, and a fractional index reads silence.
    const at = Math.round((now * rate) / 1000);
    const playing = played(at - frame, frame).some((x) => x !== 0);
    wasSilentMs = playing ? 0 : wasSilentMs + FRAME_MS;
    if (wasSilentMs === CHANGE_AFTER_SILENT_MS && rooms.length > 1) {
      roomIndex = (roomIndex + 1) % rooms.length;
    }
    const echo = rooms[roomIndex]!.render(played, at - frame, frame);
    let mic: Int16Array = Int16Array.from(echo, (x) => Math.max(-32768, Math.min(32767, Math.round(x))));
    if (down) {
      const b = down.process(new Uint8Array(mic.buffer));
      mic = new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1).slice();
    }
    const { audio: outBytes } = conditioner.process(new Uint8Array(mic.buffer, mic.byteOffset, mic.byteLength), now);
    // The echo step keeps a block or more undecided (echo/release.ts): each block out is paired with the
    // microphone's block of the same samples.
    pendingMic.push(mic);
    const out = new Int16Array(outBytes.buffer, outBytes.byteOffset, outBytes.byteLength >> 1);
    const paired = pendingMic.splice(0, Math.floor(out.length / mic.length));
    if (paired.length !== 1) continue;
    mic = paired[0]!;
    // A reply's echo starts `delay` after the reply does: the filter's convergence, and a jump's detection, take its
    // first second.
    if (playing && wasPlaying === false) replyStartMs = now + delays[roomIndex]!;
    wasPlaying = playing;
    if (now < SETTLED_AFTER_MS) continue;
    const settled = replyStartMs !== undefined && now - replyStartMs >= CONVERGED_AFTER_MS;
    const e = mic.reduce((n, v) => n + v * v, 0);
    if (e / mic.length < 10) continue;
    const o = out.reduce((n, v) => n + v * v, 0);
    allMic += e;
    allOut += o;
    if (!settled) continue;
    micEnergy += e;
    outEnergy += o;
  }
  conditioner.close();
  up?.close();
  down?.close();
  const erle = (mic: number, out: number) => round(10 * Math.log10((mic + 1) / (out + 1)), 1);
  return { settled: erle(micEnergy, outEnergy), overall: erle(allMic, allOut) };
}

export async function runEchoMatrix(
  options: {
    quick: boolean;
    label: string;
    cells?: EchoCell[];
    tailMs?: number;
    canceller?: EchoCancellerKind;
    overlaps?: readonly OverlapVoice[];
    skipErle?: boolean;
  },
  progress: (line: string) => void,
): Promise<EchoMatrixRow[]> {
  const rows: EchoMatrixRow[] = [];
  const replies = options.quick ? 8 : 20;
  const bargeIns = options.quick ? 4 : 10;
  for (const cell of options.cells ?? echoCells()) {
    const overlaps = options.overlaps ? overlapCases({ voices: options.overlaps }) : undefined;
    const result = await runEchoLoop({
      ...loopOptions(cell, replies, bargeIns, options.label === 'before', options.tailMs, options.canceller),
      ...(overlaps ? { overlaps } : {}),
    });
    const erle = options.skipErle
      ? { settled: NaN, overall: NaN }
      : await openLoopErle(cell, options.quick ? 20 : 40, options.tailMs, options.canceller);
    const row: EchoMatrixRow = {
      scenario: 'echo-matrix',
      label: options.label,
      ...cell,
      replies: result.replies,
      falseBargeIns: result.falseBargeIns,
      falseSpeechStarts: result.falseSpeechStarts,
      bargeInsStopped: result.bargeInsStopped,
      bargeInsAttempted: result.bargeInsAttempted,
      erleDb: erle.settled,
      erleOverallDb: erle.overall,
      conditionerMicrosPerFrame: round(result.conditionerMicrosPerFrame ?? 0, 0),
      ...(result.echoDelay
        ? { delayMoves: result.echoDelay.moves, estimatedDelayMs: round(result.echoDelay.estimatedMs ?? 0, 1) }
        : {}),
      ...(overlaps ? { overlaps: result.overlaps } : {}),
    };
    rows.push(row);
    progress(
      `  ${cellName(cell)}: ${row.falseBargeIns} false / ${row.replies}, ` +
        `${row.bargeInsStopped}/${row.bargeInsAttempted} stopped, ERLE ${row.erleDb} / ${row.erleOverallDb} dB, ` +
        `${row.conditionerMicrosPerFrame} µs/frame` +
        (row.overlaps ? `; over the robot: ${overlapSummary(row.overlaps)}` : ''),
    );
  }
  return rows;
}

export function printEchoMatrix(rows: EchoMatrixRow[]): void {
  console.log(
    '\n| room (delay, RT60, speaker over user, client) | label | false barge-ins / replies | real barge-ins ' +
      'stopped | ERLE dB (settled / overall) | µs / frame |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${cellName(r)} | ${r.label} | ${r.falseBargeIns} / ${r.replies} | ` +
        `${r.bargeInsStopped}/${r.bargeInsAttempted} | ${r.erleDb} / ${r.erleOverallDb} | ` +
        `${r.conditionerMicrosPerFrame} |`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const only = arg('--cells');
  const cells = only ? only.split(',').map((i) => echoCells()[Number(i)]!) : undefined;
  const tailMs = arg('--tail-ms');
  const canceller = arg('--canceller');
  if (canceller !== undefined && canceller !== 'builtin' && canceller !== 'webrtc')
    throw new Error(`--canceller is builtin or webrtc, not ${canceller}`);
  const overlapVoices = arg('--overlaps');
  const rows = await runEchoMatrix(
    {
      quick: process.argv.includes('--quick'),
      label: arg('--label') ?? canceller ?? 'after',
      ...(cells ? { cells } : {}),
      ...(tailMs ? { tailMs: Number(tailMs) } : {}),
      ...(canceller ? { canceller } : {}),
      ...(overlapVoices ? { overlaps: overlapVoices.split(',') as OverlapVoice[] } : {}),
      skipErle: process.argv.includes('--no-erle'),
    },
    (l) => console.error(l),
  );
  printEchoMatrix(rows);
  const json = arg('--json');
  // `--append`: after the rows already in the file (another canceller's run, say).
  const before: EchoMatrixRow[] =
    json && process.argv.includes('--append') && existsSync(json)
      ? (JSON.parse(readFileSync(json, 'utf8')) as EchoMatrixRow[])
      : [];
  if (json) writeFileSync(json, JSON.stringify([...before, ...rows], null, 2));
}
