/**
 * `--scenario echo`: the echo canceller, measured three ways.
 *
 * - **ERLE** (echo return loss enhancement, dB = microphone energy over the conditioner's output while
 *   only the agent speaks): the agent's replies (flite) played through the session's echo reference
 *   tap into a simulated room (`sim/echo-path.ts`: -6 dB, 150 ms reverberant tail,
 *   40/80/120 ms delay) and back into the input conditioner; after the first 5 s of the agent's speech
 *   (converged) and in its first 2 s (learning); for the linear filter alone and with speexdsp's residual
 *   echo suppressor. (The echo suppressor after them replaces what is left by comfort noise, so its
 *   ERLE is the echo-to-room-noise ratio; its effect shows in the closed loop. What the table shows of
 *   it is when it would stop being half duplex behind each canceller: the user can interrupt from then on.)
 * - **CPU per session**: µs of CPU time (user + system) the conditioner takes per 20 ms microphone frame
 *   while the agent speaks, per configuration (and so the share of one core a session takes).
 * - **false barge-ins**: the acoustic closed loop of the CI test (`sim/echo-loop.ts`) with echo
 *   cancellation off and on: replies the agent cut short by its own echo, and real barge-ins that stopped it.
 *
 * Each is measured for both cancellers (`audio.echoCanceller`): the built-in stack, and WebRTC's audio
 * processing (`webrtc`: its AEC with its non-linear processor, which silences what it takes for echo, so
 * its ERLE is not limited by a comfort-noise floor as the built-in echo suppressor's is).
 */
import { createInputConditioner, type EchoCancelOptions } from '../adapters/audio/input-conditioner.js';
import { createRecordingSink } from '../adapters/audio/recording-sink.js';
import { tapEchoReference, createEchoSuppressor } from '../adapters/echo/index.js';
import { createEchoPath, playedFrom } from '../sim/echo-path.js';
import { ManualClock } from '../adapters/testing/manual-clock.js';
import { runEchoLoop } from '../sim/echo-loop.js';
import { localVoices, speak } from './speech-corpus.js';
import { round } from './stats.js';

const RATE = 16_000;
const FRAME = 320;
const FRAME_MS = 20;
const DELAYS_MS = [40, 80, 120];
/** What the rule policy answers: the agent's own voice. */
const REPLIES = [
  'Hello! What can I do for you?',
  'Turning left.',
  'Moving forward two meters.',
  'Going to the kitchen.',
  'Stopping.',
  'Going to the charging station.',
  'It is a quarter past ten.',
];
/** Why 5 s: the canceller has converged by then in every room here; the first seconds are reported on their own. */
const CONVERGED_AFTER_MS = 5000;
const LEARNING_MS = 2000;
const CPU_PASSES = 3;

export interface EchoRow {
  scenario: 'echo';
  kind: 'erle' | 'cpu' | 'closed-loop';
  config: string;
  delayMs?: number;
  erleDb?: number;
  learningErleDb?: number;
  /** How long after the agent starts speaking the echo suppressor lets the user interrupt (half duplex before). */
  halfDuplexMs?: number;
  microsPerFrame?: number;
  falseBargeIns?: number;
  replies?: number;
  bargeInsStopped?: number;
  bargeInsAttempted?: number;
}

type Variant = {
  name: string;
  echo?: Omit<EchoCancelOptions, 'reference'>;
  highPassHz?: number;
  agc?: boolean;
  noiseSuppression?: boolean;
};

const ERLE_VARIANTS: Variant[] = [
  { name: 'linear filter', echo: { tailMs: 250 } },
  { name: '+ residual suppression', echo: { tailMs: 250, residualSuppression: true } },
  { name: 'WebRTC AEC (delay agnostic, extended filter, NLP)', echo: { tailMs: 250, canceller: 'webrtc' } },
];

const CPU_VARIANTS: Variant[] = [
  { name: 'high-pass alone', highPassHz: 100 },
  { name: 'AGC alone', agc: true },
  { name: 'RNNoise alone', noiseSuppression: true },
  { name: 'linear filter, 128 ms tail', echo: { tailMs: 128 } },
  { name: 'linear filter, 250 ms tail', echo: { tailMs: 250 } },
  { name: 'linear filter, 500 ms tail', echo: { tailMs: 500 } },
  { name: 'linear filter + residual suppression, 250 ms', echo: { tailMs: 250, residualSuppression: true } },
  { name: '+ echo suppressor', echo: { tailMs: 250, residualSuppression: true, suppression: true } },
  {
    name: 'default (250 ms, ' + 'residual + echo ' + 'suppression, high-pass)',
    echo: { tailMs: 250, residualSuppression: true, suppression: true },
    highPassHz: 100,
  },
  {
    name: 'default + RNNoise',
    echo: { tailMs: 250, residualSuppression: true, suppression: true },
    highPassHz: 100,
    noiseSuppression: true,
  },
  { name: 'WebRTC AEC (with the envelope delay estimator)', echo: { tailMs: 250, canceller: 'webrtc' } },
  { name: 'WebRTC AEC + high-pass', echo: { tailMs: 250, canceller: 'webrtc' }, highPassHz: 100 },
];

/** The agent's replies back to back with 300 ms pauses, as 16 kHz samples. */
async function agentSpeech(seconds: number): Promise<Int16Array> {
  const kal = localVoices().voices[0]!;
  const parts: Int16Array[] = [];
  let total = 0;
  for (let i = 0; total < seconds * RATE; i++) {
    const reply = await speak(kal, REPLIES[i % REPLIES.length]!);
    parts.push(reply, new Int16Array((RATE * 300) / 1000));
    total += reply.length + (RATE * 300) / 1000;
  }
  const out = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Plays `speech` through a tapped sink into the room and the conditioner on the simulated clock;
 * returns per-frame microphone and output energies (and the conditioner's time per frame).
 */
async function playThroughRoom(
  speech: Int16Array,
  variant: Variant,
  delayMs: number,
  observe?: (mic: Int16Array, reference: Int16Array, out: Int16Array, atMs: number) => void,
) {
  const clock = new ManualClock();
  const device = createRecordingSink(clock, RATE);
  const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: RATE });
  const conditioner = await createInputConditioner({
    sampleRateHz: RATE,
    ...(variant.echo ? { echo: { reference, ...variant.echo } } : {}),
    highPassHz: variant.highPassHz ?? 0,
    agc: variant.agc ?? false,
    noiseSuppression: variant.noiseSuppression ?? false,
  });
  const room = createEchoPath({ sampleRateHz: RATE, delayMs, gainDb: -6, reverbMs: 150, seed: 7 });
  const played = playedFrom(device);
  const frames: Array<{ atMs: number; mic: number; out: number; micros: number }> = [];
  let written = 0;
  for (let now = FRAME_MS; now <= (speech.length / RATE) * 1000; now += FRAME_MS) {
    // The playback actor keeps 200 ms written ahead of the device.
    while (device.bufferedMs() < 200 && written < speech.length) {
      const frame = new Int16Array(FRAME);
      frame.set(speech.subarray(written, written + FRAME));
      sink.write(new Uint8Array(frame.buffer), { turnId: 't', seq: written / FRAME });
      written += FRAME;
    }
    await clock.advanceTo(now);
    const echo = room.render(played, (now - FRAME_MS) * (RATE / 1000), FRAME);
    const mic = Int16Array.from(echo, (x) => Math.max(-32768, Math.min(32767, Math.round(x))));
    // CPU time, not wall time: on a shared machine another process may hold the core mid-call.
    const started = process.cpuUsage();
    const { audio: out } = conditioner.process(new Uint8Array(mic.buffer), now);
    const used = process.cpuUsage(started);
    const micros = used.user + used.system;
    const outSamples = new Int16Array(out.buffer, out.byteOffset, out.byteLength >> 1);
    if (observe) {
      const played = new Int16Array(FRAME);
      reference.read((now - FRAME_MS) * (RATE / 1000), played);
      observe(mic, played, outSamples.slice(), now);
    }
    frames.push({ atMs: now, mic: energy(mic), out: energy(outSamples), micros });
  }
  conditioner.close();
  return frames;
}

const energy = (x: Int16Array) => x.reduce((n, v) => n + v * v, 0);
/** ERLE over the frames that hold echo (the microphone above digital silence). */
const erle = (frames: Array<{ mic: number; out: number }>) => {
  const withEcho = frames.filter((f) => f.mic > FRAME);
  const mic = withEcho.reduce((n, f) => n + f.mic, 0);
  const out = withEcho.reduce((n, f) => n + f.out, 0);
  return round(10 * Math.log10((mic + 1) / (out + 1)), 1);
};

/** `kinds`: which measures to take (default all). */
export async function runEchoScenario(
  options: { quick: boolean; kinds?: ReadonlyArray<EchoRow['kind']> },
  progress: (line: string) => void,
): Promise<EchoRow[]> {
  const rows: EchoRow[] = [];
  const kinds = new Set(options.kinds ?? ['erle', 'cpu', 'closed-loop']);
  const speech = await agentSpeech(options.quick ? 12 : 30);
  for (const delayMs of kinds.has('erle') ? DELAYS_MS : []) {
    for (const variant of ERLE_VARIANTS) {
      // The echo suppressor watching this canceller's output: when would it let the user interrupt?
      const suppressor = createEchoSuppressor({ sampleRateHz: RATE, blockSamples: FRAME, tailMs: 250 });
      let convergedAtMs: number | undefined;
      const frames = await playThroughRoom(speech, variant, delayMs, (mic, reference, out, atMs) => {
        suppressor.process(mic, reference, out);
        if (convergedAtMs === undefined && suppressor.converged()) convergedAtMs = atMs;
      });
      rows.push({
        scenario: 'echo',
        kind: 'erle',
        config: variant.name,
        delayMs,
        erleDb: erle(frames.filter((f) => f.atMs > CONVERGED_AFTER_MS)),
        learningErleDb: erle(frames.filter((f) => f.atMs <= LEARNING_MS)),
        ...(convergedAtMs === undefined ? {} : { halfDuplexMs: convergedAtMs }),
      });
    }
    progress(`  ERLE at ${delayMs} ms`);
  }
  for (const variant of kinds.has('cpu') ? CPU_VARIANTS : []) {
    const means: number[] = [];
    // Best of three passes: on a shared machine other processes only ever add to the cost.
    for (let pass = 0; pass < CPU_PASSES; pass++) {
      const frames = await playThroughRoom(speech, variant, 80);
      // The first second warms up the JIT; the rest is the steady cost.
      const steady = frames.filter((f) => f.atMs > 1000).map((f) => f.micros);
      means.push(steady.reduce((a, b) => a + b, 0) / steady.length);
    }
    rows.push({ scenario: 'echo', kind: 'cpu', config: variant.name, microsPerFrame: round(Math.min(...means), 1) });
  }
  if (kinds.has('cpu')) progress('  CPU per frame');
  const loops: Array<{
    config: string;
    echoCancel: 'off' | 'on';
    delayMs: number;
    audio?: Record<string, unknown>;
    echoGainDb?: number;
  }> = [
    { config: 'echo cancellation off', echoCancel: 'off', delayMs: 80 },
    ...DELAYS_MS.map((delayMs) => ({ config: 'echo cancellation on (default)', echoCancel: 'on' as const, delayMs })),
    { config: 'on, without the echo suppressor', echoCancel: 'on', delayMs: 120, audio: { echoSuppression: false } },
    // Other rooms: no echo at all (a headset), a faint one, one as loud as the agent's own signal, a louder one.
    ...[-90, -30, 0, 6].map((echoGainDb) => ({
      config: `on, echo at ${echoGainDb} dB`,
      echoCancel: 'on' as const,
      delayMs: 80,
      echoGainDb,
    })),
    ...DELAYS_MS.map((delayMs) => ({
      config: 'on, WebRTC canceller',
      echoCancel: 'on' as const,
      delayMs,
      audio: { echoCanceller: 'webrtc' },
    })),
    ...[-90, 0, 6].map((echoGainDb) => ({
      config: `on, WebRTC canceller, echo at ${echoGainDb} dB`,
      echoCancel: 'on' as const,
      delayMs: 80,
      echoGainDb,
      audio: { echoCanceller: 'webrtc' },
    })),
  ];
  for (const { config, echoCancel, delayMs, audio, echoGainDb } of kinds.has('closed-loop') ? loops : []) {
    const result = await runEchoLoop({
      echoCancel,
      delayMs,
      replies: options.quick ? 8 : 20,
      bargeIns: options.quick ? 2 : 5,
      ...(audio ? { audio } : {}),
      ...(echoGainDb !== undefined ? { echoGainDb } : {}),
    });
    rows.push({
      scenario: 'echo',
      kind: 'closed-loop',
      config,
      delayMs,
      falseBargeIns: result.falseBargeIns,
      replies: result.replies,
      bargeInsStopped: result.bargeInsStopped,
      bargeInsAttempted: result.bargeInsAttempted,
    });
    progress(`  closed loop, ${config}, ${delayMs} ms`);
  }
  return rows;
}

export function printEcho(rows: EchoRow[]): void {
  const erleRows = rows.filter((r) => r.kind === 'erle');
  if (erleRows.length > 0) {
    console.log(
      '\nERLE, dB (the agent alone speaking into a -6 dB room with a 150 ms tail; target ≥ 20 once converged)\n',
    );
    console.log('| configuration | delay ms | first 2 s | after 5 s | barge-in possible after (echo suppressor) |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of erleRows) {
      const halfDuplex = r.halfDuplexMs === undefined ? 'never' : `${round(r.halfDuplexMs / 1000, 1)} s`;
      console.log(
        `| ${r.config} | ${r.delayMs} | ${r.learningErleDb} | ` +
          `${r.erleDb}${(r.erleDb ?? 0) >= 20 ? ' PASS' : ' MISS'} | ${halfDuplex} |`,
      );
    }
  }
  const cpuRows = rows.filter((r) => r.kind === 'cpu');
  if (cpuRows.length > 0) {
    console.log(
      '\nCPU per session while the agent speaks (µs of CPU time per 20 ms microphone frame, best of 3 passes)\n',
    );
    console.log('| configuration | µs / frame | % of one core |');
    console.log('| --- | --- | --- |');
    for (const r of cpuRows)
      console.log(
        `| ${r.config} | ${r.microsPerFrame} | ${round(((r.microsPerFrame ?? 0) / (FRAME_MS * 1000)) * 100, 2)} |`,
      );
  }
  const loopRows = rows.filter((r) => r.kind === 'closed-loop');
  if (loopRows.length > 0) {
    console.log(
      '\nClosed loop: the agent hears its own replies (-6 dB unless said, 150 ms tail) while a user gives ' +
        'commands, then talks over it\n',
    );
    console.log('| configuration | delay ms | replies | false barge-ins | real barge-ins that stopped the reply |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of loopRows)
      console.log(
        `| ${r.config} | ${r.delayMs} | ${r.replies} | ${r.falseBargeIns} | ` +
          `${r.bargeInsStopped}/${r.bargeInsAttempted} |`,
      );
  }
}
