/**
 * `--scenario eot`: the adaptive end of turn, measured from the moment the user's audio actually goes
 * silent (the last voiced sample pushed, not the VAD's `speech_end`) to the first reply audio at the sink.
 *
 * - `commands`: the local stack as `serve` builds it (WebRTC VAD, pocketsphinx + robot grammar, rules,
 *   flite), flite-spoken commands, with the full hangover only (`turn.completePauseMs` 0) and adaptive.
 * - `pauses`: commands spoken with a 450 ms pause mid-sentence ("go to the … kitchen"): each must reach
 *   the rule policy whole (no turn cut at the pause).
 * - `open`: open questions to a slow LLM (a fake, clearly named: 300 ms to first token), a fake streaming
 *   STT and flite, without and with speculative replies; some with a mid-sentence pause, so guesses get
 *   discarded. Counts the audio frames of discarded guesses that reached the sink (must be 0).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../adapters/clock.js';
import type { AudioSink } from '../adapters/audio/sink.js';
import { createFakeLlm } from '../adapters/llm/testing/fake-llm.js';
import { createFakeStt } from '../adapters/stt/testing/fake-stt.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import { loadConfig } from '../runtime/config.js';
import { assembleSession, type AssembleSessionOptions, type SessionRuntime } from '../runtime/assemble-session.js';
import { buildEngines, type BoundEngines, type EnginePool } from '../runtime/engine-pool.js';
import { round, summarize, type Percentiles } from './stats.js';
import { DialogState } from '../machines/states.js';

const RATE_HZ = 16_000;
const FRAME_BYTES = 640;
/** Why |s| > 300: flite's leading/trailing samples are digital silence or a faint tail far below speech. */
const VOICED_LEVEL = 300;
/** Why 450 ms: a real hesitation, longer than the 200 ms short pause, shorter than the 600 ms hangover. */
const MID_PAUSE_MS = 450;

const COMMANDS = [
  'move forward two meters',
  'turn left',
  'stop',
  'go to the kitchen',
  'hello robot',
  'turn right',
  'go backward one meter',
];
const PAUSED_COMMANDS: Array<[string, string]> = [
  ['go to the', 'kitchen'],
  ['move forward', 'two meters'],
  ['go to the charging', 'station'],
];
const OPEN: Array<[string, string?]> = [
  ['what is the weather like today'],
  ['tell me a joke about robots'],
  ['what is the weather', 'in paris'],
  ['how far away is the moon'],
  ['can you help me find', 'my keys'],
  ['what time does the shop close'],
];

export interface EndOfTurnRow {
  scenario: 'eot';
  part: 'commands' | 'pauses' | 'open';
  mode: 'hangover' | 'adaptive' | 'speculative';
  utterances: number;
  /** Real silence → first reply audio frame at the sink. */
  firstAudioMs: Percentiles & { p95: number };
  /** Utterances whose user turn reached the policy as the whole sentence. */
  whole: number;
  guessesStarted: number;
  guessesCommitted: number;
  guessesDiscarded: number;
  /** Audio frames of discarded guesses that reached the sink: must be 0. */
  discardedFramesHeard: number;
}

const speak = async (text: string) => {
  const parts: Uint8Array[] = [];
  for await (const p of createFliteTts().synthesize({ text, signal: new AbortController().signal })) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
};
const lastVoicedByte = (pcm: Uint8Array) => {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let i = pcm.byteLength - 2; i >= 0; i -= 2) if (Math.abs(view.getInt16(i, true)) > VOICED_LEVEL) return i + 2;
  return 0;
};
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const firstVoicedByte = (pcm: Uint8Array) => {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let i = 0; i + 1 < pcm.byteLength; i += 2) if (Math.abs(view.getInt16(i, true)) > VOICED_LEVEL) return i;
  return pcm.byteLength;
};
/** Two phrases with exactly `pauseMs` of silence between the last voiced sample of one and the first of the other. */
const withPause = (a: Uint8Array, pause: Uint8Array, b: Uint8Array) =>
  concat(a.subarray(0, lastVoicedByte(a)), pause, b.subarray(firstVoicedByte(b) & ~1));

interface Utterance {
  audio: Uint8Array;
  text: string;
}

/**
 * The pool's engines bound once for every part run on one configuration: the pauses run on the VAD and
 * the input conditioner in the state the commands left them, as the recorded figures were measured.
 */
function boundOnce(pool: EnginePool): SessionRuntime & { releaseAll(): void } {
  let bound: Promise<BoundEngines> | undefined;
  return {
    runtime: pool.runtime,
    async bind(binding) {
      bound ??= pool.bind(binding);
      // Each part plays into a sink of its own; with a file sink the binding puts nothing in front of it.
      return { ...(await bound), sink: binding.sink, release: () => undefined };
    },
    releaseAll: () => void bound?.then((engines) => engines.release()),
  };
}

async function runPart(
  part: EndOfTurnRow['part'],
  mode: EndOfTurnRow['mode'],
  utterances: Utterance[],
  runtime: SessionRuntime,
  engines: AssembleSessionOptions['engines'],
  progress: (line: string) => void,
): Promise<EndOfTurnRow> {
  const bus = createMessageBus(createMemoryTransport(), { clock: systemClock });
  const writes: Array<{ atMs: number; turnId: string }> = [];
  let buffered: Array<{ endMs: number }> = [];
  const sink: AudioSink = {
    sampleRateHz: RATE_HZ,
    write(frame, meta) {
      const now = performance.now();
      writes.push({ atMs: now, turnId: meta.turnId });
      const last = buffered.at(-1)?.endMs ?? now;
      buffered.push({ endMs: Math.max(last, now) + (frame.byteLength / 2 / RATE_HZ) * 1000 });
    },
    clear() {
      const n = buffered.length;
      buffered = [];
      return n;
    },
    bufferedMs() {
      const now = performance.now();
      buffered = buffered.filter((b) => b.endMs > now);
      return buffered.length ? buffered.at(-1)!.endMs - now : 0;
    },
  };
  // Played into a sink of its own (no echo path): the runtime's engines, or the fakes `engines` makes of them.
  const { session, release } = await assembleSession(runtime, {
    sessionId: 'eot',
    bus,
    clock: systemClock,
    publishState: false,
    sink,
    sinkKind: 'file',
    ...(engines ? { engines } : {}),
  });
  const messages: BusMessage[] = [];
  bus.subscribe(`${bus.prefix}.eot.session.>`, (m) => messages.push(m));

  const start = performance.now();
  let frame = 0;
  const push = async (pcm: Uint8Array, onFrame?: (endByte: number) => void) => {
    for (let i = 0; i < pcm.byteLength; i += FRAME_BYTES) {
      const f = new Uint8Array(FRAME_BYTES);
      f.set(pcm.subarray(i, i + FRAME_BYTES));
      session.pushAudio(f, RATE_HZ);
      onFrame?.(i + FRAME_BYTES);
      frame++;
      await sleep(Math.max(0, start + frame * 20 - performance.now()));
    }
  };
  const silence = new Uint8Array(FRAME_BYTES);
  const latencies: number[] = [];
  let whole = 0;
  for (const [n, u] of utterances.entries()) {
    const voicedEnd = lastVoicedByte(u.audio);
    let silentAtMs = 0;
    // Counted before the utterance: with an early end the reply may start within its trailing silence.
    const heardBefore = writes.length;
    const historyBefore = messages.filter((m) => m.type === 'session.history' && m.role === 'user').length;
    await push(u.audio, (endByte) => {
      // The frame holding the last voiced sample: the user goes silent within it, at the sample's offset.
      if (silentAtMs === 0 && endByte >= voicedEnd)
        silentAtMs = performance.now() - ((endByte - voicedEnd) / 2 / RATE_HZ) * 1000;
    });

    // Silence until the reply has played and the session is idle again.
    const deadline = performance.now() + 15_000;
    do await push(silence);
    while ((!session.matches(DialogState.idle) || writes.length === heardBefore) && performance.now() < deadline);
    const first = writes[heardBefore];
    if (first) latencies.push(first.atMs - silentAtMs);
    const users = messages
      .filter(
        (m): m is Extract<BusMessage, { type: 'session.history' }> => m.type === 'session.history' && m.role === 'user',
      )
      .slice(historyBefore);
    if (users.length === 1 && users[0]!.text.toLowerCase().replace(/[^a-z ]/g, '') === u.text) whole++;
    if ((n + 1) % 5 === 0) progress(`    ${n + 1}/${utterances.length}`);
  }
  await session.stop();
  release();
  await bus.close();
  const notices = messages.filter(
    (m): m is Extract<BusMessage, { type: 'session.notice' }> => m.type === 'session.notice',
  );
  const discarded = new Set(notices.filter((m) => m.code === 'speculation_discarded').map((m) => m.turnId));
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    scenario: 'eot',
    part,
    mode,
    utterances: utterances.length,
    firstAudioMs: {
      ...summarize(latencies),
      p95: round(sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? NaN),
    },
    whole,
    guessesStarted: notices.filter((m) => m.code === 'speculation_started').length,
    guessesCommitted: notices.filter((m) => m.code === 'speculation_committed').length,
    guessesDiscarded: discarded.size,
    discardedFramesHeard: writes.filter((w) => discarded.has(w.turnId)).length,
  };
}

export async function runEndOfTurnScenario(
  options: { quick: boolean; parts?: ReadonlyArray<'commands' | 'open'> },
  progress: (line: string) => void,
): Promise<EndOfTurnRow[]> {
  const parts = options.parts ?? ['commands', 'open'];
  const reps = options.quick ? 1 : 3;
  const rows: EndOfTurnRow[] = [];
  const midPause = new Uint8Array(Math.round((MID_PAUSE_MS / 1000) * RATE_HZ) * 2);
  const commands: Utterance[] = [];
  for (let r = 0; r < reps; r++) for (const c of COMMANDS) commands.push({ audio: await speak(c), text: c });
  const paused: Utterance[] = [];
  for (let r = 0; r < reps; r++)
    for (const [a, b] of PAUSED_COMMANDS)
      paused.push({ audio: withPause(await speak(a), midPause, await speak(b)), text: `${a} ${b}` });

  for (const completePauseMs of parts.includes('commands') ? [0, 200] : []) {
    // The local stack exactly as `serve` builds it, but played into a sink of its own (no echo path).
    const config = loadConfig({ overrides: { session: { turn: { completePauseMs } } } });
    const pool = buildEngines(config, { clock: systemClock });
    await pool.warmUp();
    const runtime = boundOnce(pool);
    const mode = completePauseMs === 0 ? 'hangover' : 'adaptive';
    progress(`  commands, ${mode}: ${commands.length} utterances`);
    rows.push(await runPart('commands', mode, commands, runtime, undefined, progress));
    if (completePauseMs > 0) {
      progress(`  commands with a ${MID_PAUSE_MS} ms pause mid-sentence, ${mode}: ${paused.length} utterances`);
      rows.push(await runPart('pauses', mode, paused, runtime, undefined, progress));
    }
    runtime.releaseAll();
  }

  const open: Utterance[] = [];
  for (let r = 0; r < reps; r++) {
    for (const [a, b] of OPEN)
      open.push({
        audio: b ? withPause(await speak(a), midPause, await speak(b)) : await speak(a),
        text: b ? `${a} ${b}` : a,
      });
  }
  for (const speculate of parts.includes('open') ? (['off', 'on'] as const) : []) {
    const texts = open.map((u) => u.text);
    const tts = createFliteTts();
    await tts.warmUp!();
    const config = loadConfig({ overrides: { session: { turn: { speculate } } } });
    const pool = buildEngines(config, { clock: systemClock });
    await pool.warmUp();
    const engines = (bound: BoundEngines) => ({
      ...bound,
      // Fakes, clearly named: a streaming STT that knows the script (50 ms of audio per word, so each pause's
      // partial holds what was said) and an LLM 300 ms from its first token, the slow remote model.
      stt: createFakeStt({ clock: systemClock, transcripts: texts, msPerWord: 50 }),
      llm: createFakeLlm({
        clock: systemClock,
        reply: 'Let me think about that. Here is what I found.',
        firstTokenDelayMs: 300,
        tokenIntervalMs: 20,
      }),
      tts: [tts],
    });
    const mode = speculate === 'on' ? 'speculative' : 'hangover';
    progress(`  open questions to a slow LLM (300 ms to first token), ${mode}: ${open.length} utterances`);
    rows.push(await runPart('open', mode, open, pool, engines, progress));
  }
  return rows;
}

export function printEndOfTurn(rows: EndOfTurnRow[]): void {
  console.log('\nend of turn: real silence → first reply audio (ms)');
  console.log(
    'part      mode         n   p50     p95     whole  guesses started/committed/discarded  discarded frames heard',
  );
  for (const r of rows) {
    console.log(
      `${r.part.padEnd(9)} ${r.mode.padEnd(12)} ${String(r.utterances).padEnd(3)} ` +
        `${String(r.firstAudioMs.p50).padEnd(7)} ${String(r.firstAudioMs.p95).padEnd(7)} ` +
        `${`${r.whole}/${r.utterances}`.padEnd(6)} ` +
        `${`${r.guessesStarted}/${r.guessesCommitted}/${r.guessesDiscarded}`.padEnd(36)} ${r.discardedFramesHeard}`,
    );
  }
}
