/**
 * One stream of the keyword spotter (spotter.ts): the keyphrase search over a session's audio, the
 * search's frames tied to the stream's, each spotting judged once it has settled, its lead measured and,
 * for a verified phrase, its audio checked by the second stage (phrase-verifier.ts).
 */
import { copyToSamples, createSampleJoiner } from '../audio/pcm.js';
import type { Binding } from './binding.js';
import { streamHistory, type StreamHistory } from './history.js';
import type { KeywordStream, Spotting } from './stream-types.js';
import type { PhraseVerifier } from './phrase-verifier.js';
import { hasVoicedMs } from './voicing.js';
import { SPEECH_ACTIVE_DBFS } from '../audio/levels.js';
import { SPOTTER_TUNING, valuesOf } from './tuning.js';

const {
  RESTART_AFTER_MS,
  FORCE_RESTART_MS,
  SETTLE_MS,
  MAX_SETTLE_MS,
  PAUSE_BEFORE_RESTART_MS,
  VERIFY_BEFORE_PAUSE_FRAMES,
  VERIFY_BEFORE_MAX_FRAMES,
  VOICING_BEFORE_FRAMES,
  UNKNOWN_START_FRAMES,
  PARK_AFTER_MS,
  PARK_LEAD_IN_MS,
} = valuesOf(SPOTTER_TUNING.stream);
/**
 * Why 64: spottings set aside in one search (under the threshold, or rejected) are a handful a second, and a search
 * lasts seconds (at most 120 s: a bound, not a budget).
 */
const MAX_UNDER = 64;
/** A frame below speech's level (so a restart never cuts a phrase being said), as a sample amplitude. */
const QUIET_LEVEL = 32_768 * 10 ** (SPEECH_ACTIVE_DBFS / 20);

/**
 * Why the search's frame numbers need tying to the stream's: Debian's pocketsphinx numbers a keyphrase
 * search's frames on across utterances and streams of a decoder. A spotting shows in the hypothesis
 * `-kws_delay` frames after its end (`SpotterShared.delayFrames`).
 */
/** pocketsphinx reports a spotting's margin less this constant (`KWS_MAX` in kws_search.c). */
const KWS_MAX = 1500;
/** pocketsphinx's feature frames (`-frate 100`). */
const FRAME_MS = 10;
/**
 * And where it ends: at the search's end, and 100 ms after; the more confident is kept. Why two: at a low
 * margin the search's end is off by up to a tenth of a second either way, and a command said at once
 * after the phrase ("hey robot, move backward") then ends the stretch inside "robot" or inside "move";
 * the grammar, forced to end there, lost six eSpeak RP wake phrases at one end and Scottish ones at the
 * other (wake bench, tuning voices).
 */
const VERIFY_AFTER_FRAMES = [0, 10];

/** What every stream of a spotter shares. */
export interface SpotterShared {
  lib: Binding;
  sampleRateHz: number;
  /** How long a spotting settles before it is judged (ms; absent: {@link SETTLE_MS}). */
  settleMs?: number | undefined;
  /** The search's `-kws_delay` (frames). */
  delayFrames: number;
  decoder(): unknown;
  release(ps: unknown): void;
  /** A second stage of its own for a stream, for the phrases with `minConfidence` (pooled; undefined: none has one). */
  takeVerifier(): PhraseVerifier | undefined;
  /** A stream's second stage back to the pool, when it closes. */
  releaseVerifier(verifier: PhraseVerifier): void;
  minLead: ReadonlyMap<string, number>;
  minConfidence: ReadonlyMap<string, number>;
  /** Voiced audio a spotting's stretch must hold (ms; absent: not checked): voicing.ts. */
  minVoicedMs?: number | undefined;
  log10PerUnit(ps: unknown): number;
  /** The phrases with a `relaxedThreshold`: their two thresholds as powers of ten (the search runs at the lower). */
  floors: ReadonlyMap<string, { strict: number; relaxed: number }>;
}

/**
 * The spottings in the search's hypothesis; `toStream` turns the search's frame numbers into the stream's.
 */
function spottingsOf(
  shared: SpotterShared,
  ps: unknown,
  history: StreamHistory,
  toStream: number,
  atAudioMs: number,
): Spotting[] {
  const { lib } = shared;
  const found: Array<Spotting & { carried?: string }> = [];
  // ps_seg_next frees the iterator after the last segment.
  for (let seg = lib.segIter(ps, [0]); seg; seg = lib.segNext(seg)) {
    const margin = lib.segProb(seg, [0], [0], [0]) + KWS_MAX;
    const [sf, ef] = [[0], [0]];
    lib.segFrames(seg, sf, ef);
    const start = sf[0]! <= ef[0]! ? sf[0]! : ef[0]! - UNKNOWN_START_FRAMES;
    const phrase = (lib.segWord(seg) ?? '').trim();
    found.push({
      phrase,
      log10Margin: Math.round(margin * shared.log10PerUnit(ps) * 10) / 10,
      durationMs: (ef[0]! - start) * FRAME_MS,
      leadDb: history.lead(start + toStream, ef[0]! + toStream).db,
      endMs: (ef[0]! + toStream) * FRAME_MS,
      atAudioMs,
      ...(sf[0]! > ef[0]! ? { carried: `${phrase} ${sf[0]}` } : {}),
    });
  }
  // One path carried across a restart shows as a run of spottings with the same start, one per end (up to
  // 45 in one real recording), each a second-stage check of a second of audio: the best stands for them.
  const best = new Map<string, number>();
  for (const x of found) if (x.carried) best.set(x.carried, Math.max(best.get(x.carried) ?? -Infinity, x.log10Margin));
  const kept = new Set<string>();
  return found.flatMap(({ carried, ...x }) => {
    if (carried === undefined) return [x];
    if (kept.has(carried) || x.log10Margin < best.get(carried)!) return [];
    kept.add(carried);
    return [x];
  });
}

/** A verdict that passes its phrase's checks before one that does not, then the more confident. */
function rank(
  shared: Pick<SpotterShared, 'minConfidence'> & Partial<Pick<SpotterShared, 'minLead'>>,
  x: Spotting,
): number {
  const passes =
    x.leadDb >= (shared.minLead?.get(x.phrase) ?? -Infinity) &&
    x.confidence! >= (shared.minConfidence.get(x.phrase) ?? 0);
  return (passes ? 2 : 0) + x.confidence!;
}

/**
 * The spotting with its second stage's confidence, for a verified phrase: the stretch from the pause
 * before it, verified ending at each of {@link VERIFY_AFTER_FRAMES}, the most confident verdict kept (and
 * its lead, where that verdict's grammar placed the first word).
 */
export function verifiedSpotting(
  shared: { verifier(): PhraseVerifier | undefined; reportedEndMs?: number } & Pick<SpotterShared, 'minConfidence'> &
    Partial<Pick<SpotterShared, 'minLead'>>,
  history: StreamHistory,
  spotting: Spotting,
): Spotting {
  const verifier = shared.verifier();
  if (!verifier || !shared.minConfidence.has(spotting.phrase)) return spotting;
  const ef = spotting.endMs / FRAME_MS;
  const sf = ef - spotting.durationMs / FRAME_MS;
  // Never from before the end of a phrase the stream reported: that audio was that phrase, and a later
  // spotting verified over it would be the same phrase reported twice.
  const from = Math.max(
    sf - VERIFY_BEFORE_MAX_FRAMES,
    Math.min(sf, history.lead(sf, ef).pauseEnd) - VERIFY_BEFORE_PAUSE_FRAMES,
    (shared.reportedEndMs ?? -Infinity) / FRAME_MS,
  );
  // A verified phrase that ends with the spotted one ("hey computer" for "computer") is checked on the same
  // stretch too: the search proposes the shorter, better-scoring path, and "hey" then fills the 300 ms
  // its lead compares with.
  const phrases = [
    spotting.phrase,
    ...[...shared.minConfidence.keys()].filter((p) => p.endsWith(` ${spotting.phrase}`)),
  ];
  let best: Spotting | undefined;
  for (const phrase of phrases)
    for (const after of VERIFY_AFTER_FRAMES) {
      const audio = history.audio(from, ef + after);
      if (audio.length === 0) continue;
      const { confidence, evidence, words } = verifier.verify(phrase, audio);
      // The lead where the grammar decoder says the phrase began: the search, at a low margin, often aligns
      // "hey robot" to "robot" alone, and its "hey" then fills the 300 ms the lead compares with.
      const leadDb = words ? history.lead(from + words.sf, from + words.ef).db : spotting.leadDb;
      const verdict = { ...spotting, phrase, leadDb, confidence, evidence };
      if (best === undefined || rank(shared, verdict) > rank(shared, best)) best = verdict;
    }
  return best ?? { ...spotting, confidence: 0 };
}

/** What a stream keeps between the stretches of up to 20 ms it hears. */
interface StreamState {
  closed: boolean;
  /** Audio the stream has heard (ms). */
  audioMs: number;
  /** Audio the current search has heard (ms). */
  uttMs: number;
  /**
   * The stream's frame where the current search began: with no silence removal, one search frame per 10 ms
   * after it.
   */
  startFrame: number;
  /** What turns the search's frame numbers into the stream's: found at its first spotting (`undefined` until then). */
  toStream: number | undefined;
  /** With `report: false`: the spottings since the last drain. */
  readonly kept: Spotting[];
  /**
   * Spottings shown under the threshold of the moment since the search began, and those judged because
   * the threshold fell under them (the user's `vad.speech_start` relaxing it over a reply), not because
   * they rose: the hypothesis lists them until the next restart, and a spotting the search later moves or
   * raises overlaps its first self.
   */
  readonly under: Spotting[];
  readonly judgedLate: Spotting[];
  /** Spottings judged and rejected since the search began, as they showed: not judged again. */
  readonly rejected: Spotting[];
  /** Quiet audio heard since the last sound (ms): a rejected spotting's restart waits for a pause. */
  quietMs: number;
  /** Quiet heard in a row (ms), whatever the search is doing: when to park. */
  quietRunMs: number;
  /**
   * Parked: the microphone has been quiet for `PARK_AFTER_MS` with nothing spotted pending, and the search
   * hears nothing until a frame above quiet (the frames still go to the history, for the lead). The quiet
   * frames since, up to `PARK_LEAD_IN_MS`, are kept for the fresh search to hear first.
   */
  parked: boolean;
  leadIn: Int16Array[];
  leadInMs: number;
}

/** What a stream's spottings are checked with: its phrases' checks and its own second stage. */
interface StreamChecks extends Pick<SpotterShared, 'minConfidence' | 'minLead'> {
  verifier(): PhraseVerifier | undefined;
  /** Where the last phrase the stream reported ended (ms). */
  reportedEndMs: number;
}

/** One open stream: what it shares with the spotter's others, its own search, history and checks, its state. */
interface Stream {
  readonly shared: SpotterShared;
  /** Whether spottings are reported as they are judged (else kept for `drain`). */
  readonly report: boolean;
  readonly relaxed: (() => boolean) | undefined;
  readonly ps: unknown;
  readonly history: StreamHistory;
  readonly checks: StreamChecks;
  readonly settleMs: number;
  /**
   * Whether a fresh search after rejected spottings waits for a pause (`PAUSE_BEFORE_RESTART_MS`): where
   * a second stage decides, the search's threshold is low on purpose and proposes other phrases on the
   * first syllables of the one being said. Where the threshold decides alone (the stop phrases), few
   * are proposed, and each restart is one less chance for a rejected one to come back better aligned:
   * on the real recordings waiting there gave 1 more stop in 135 and 3 more false stops in 700.
   */
  readonly restartAtPause: boolean;
  readonly state: StreamState;
}

function initialState(): StreamState {
  return {
    closed: false,
    audioMs: 0,
    uttMs: 0,
    startFrame: 0,
    toStream: undefined,
    kept: [],
    under: [],
    judgedLate: [],
    rejected: [],
    quietMs: 0,
    quietRunMs: 0,
    parked: false,
    leadIn: [],
    leadInMs: 0,
  };
}

/** A stream of the spotter's search over one session's audio (`report: false`: its spottings kept for `drain`). */
export function openStream(shared: SpotterShared, report: boolean, relaxed?: () => boolean): KeywordStream {
  const { lib, sampleRateHz } = shared;
  const ps = shared.decoder();
  /** This stream's second stage, taken on its first check. */
  let verifier: PhraseVerifier | undefined;
  const checks: StreamChecks = {
    minConfidence: shared.minConfidence,
    minLead: shared.minLead,
    verifier: () => (verifier ??= shared.takeVerifier()),
    reportedEndMs: -Infinity,
  };
  lib.startUtt(ps);
  const history = streamHistory(sampleRateHz, shared.minConfidence.size > 0 || shared.minVoicedMs !== undefined);
  const stream: Stream = {
    shared,
    report,
    relaxed,
    ps,
    history,
    checks,
    settleMs: shared.settleMs ?? SETTLE_MS,
    restartAtPause: shared.minConfidence.size > 0,
    state: initialState(),
  };
  const { state } = stream;
  // A sample split across two pushes is joined.
  const joiner = createSampleJoiner();
  const levelsJoiner = createSampleJoiner();
  return {
    push(audio, levels) {
      if (state.closed) return [];
      // Before the searched audio: a denoiser's output lags its input by its own frame, and the lead needs the
      // levels up to the phrase's end.
      if (levels && levels.byteLength > 0) history.levels(copyToSamples(levelsJoiner.push(levels)));
      if (audio.byteLength === 0) return [];
      const samples = copyToSamples(joiner.push(audio));
      const n = samples.length;
      // 20 ms at a time: a spotting is judged by its age, so the hypothesis is looked at every 20 ms.
      const step = sampleRateHz / 50;
      const found: Spotting[] = [];
      for (let at = 0; at < n; at += step) found.push(...hear(stream, samples.subarray(at, Math.min(n, at + step))));
      return found;
    },
    drain() {
      if (state.closed) return [];
      const current = lib.getHyp(ps, [0]) ? spottingsNow(stream) : [];
      const found = [...state.kept.splice(0), ...checked(stream, current)];
      restart(stream);
      return found;
    },
    close() {
      if (state.closed) return;
      state.closed = true;
      lib.endUtt(ps);
      shared.release(ps);
      if (verifier) shared.releaseVerifier(verifier);
    },
  };
}

/** The stream hears `samples` (up to 20 ms): the spottings it reports now. */
function hear(stream: Stream, samples: Int16Array): Spotting[] {
  const { state } = stream;
  const ms = (samples.length / stream.shared.sampleRateHz) * 1000;
  const quietFrame = rms(samples) < QUIET_LEVEL;
  state.quietRunMs = quietFrame ? state.quietRunMs + ms : 0;
  if (state.parked && quietFrame) {
    hearParked(stream, samples, ms);
    return [];
  }
  if (state.parked) unpark(stream);
  searchHears(stream, samples, ms);
  const pauseAfterRejected = state.rejected.length > 0 && state.quietMs >= PAUSE_BEFORE_RESTART_MS;
  if (stream.shared.lib.getHyp(stream.ps, [0])) return judge(stream, pauseAfterRejected);
  if (restartsUnshown(state, pauseAfterRejected)) restart(stream);
  if (parks(stream)) state.parked = true;
  return [];
}

/** Parked, a quiet frame: to the history, and to the lead-in (up to `PARK_LEAD_IN_MS`) the search hears first. */
function hearParked(stream: Stream, samples: Int16Array, ms: number): void {
  const { state } = stream;
  const msOf = (frame: Int16Array) => (frame.length / stream.shared.sampleRateHz) * 1000;
  stream.history.push(samples);
  state.audioMs += ms;
  state.leadIn.push(samples);
  state.leadInMs += ms;
  while (state.leadInMs - msOf(state.leadIn[0]!) >= PARK_LEAD_IN_MS) state.leadInMs -= msOf(state.leadIn.shift()!);
}

/** A sound while parked: a fresh search from the quiet before it, as a restart at a pause would start one. */
function unpark(stream: Stream): void {
  const { state, ps } = stream;
  state.parked = false;
  restart(stream);
  state.startFrame -= Math.round(state.leadInMs / FRAME_MS);
  for (const quiet of state.leadIn) stream.shared.lib.processRaw(ps, quiet, quiet.length, 0, 0);
  state.uttMs += state.leadInMs;
  state.leadIn = [];
  state.leadInMs = 0;
}

/** The search and the history hear `samples`; the stream's clocks and its quiet since the last sound advance. */
function searchHears(stream: Stream, samples: Int16Array, ms: number): void {
  const { state } = stream;
  stream.shared.lib.processRaw(stream.ps, samples, samples.length, 0, 0);
  stream.history.push(samples);
  state.audioMs += ms;
  state.uttMs += ms;
  // Measured only where a restart waits for quiet: the stop phrases' search, in every session, pays for
  // it only past `RESTART_AFTER_MS`.
  const measured = stream.restartAtPause || state.uttMs >= RESTART_AFTER_MS;
  state.quietMs = measured && rms(samples) < QUIET_LEVEL ? state.quietMs + ms : 0;
}

/** With nothing shown: whether a fresh search starts (after a pause that followed rejections, or a long one). */
function restartsUnshown(state: StreamState, pauseAfterRejected: boolean): boolean {
  const searchedLong = state.uttMs >= FORCE_RESTART_MS || (state.uttMs >= RESTART_AFTER_MS && state.quietMs > 0);
  return pauseAfterRejected || searchedLong;
}

/** Nothing shown, nothing set aside, and quiet long enough: the search rests until a sound. */
function parks(stream: Stream): boolean {
  const { state } = stream;
  const nothingAside = [state.rejected, state.under, state.judgedLate].every((list) => list.length === 0);
  return state.quietRunMs >= PARK_AFTER_MS && stream.report && nothingAside;
}

/** The search shows spottings: once they have settled, those that pass (with `report: false`, kept for `drain`). */
function judge(stream: Stream, pauseAfterRejected: boolean): Spotting[] {
  const { state } = stream;
  const age = (x: Spotting) => state.audioMs - x.endMs;
  const all = spottingsNow(stream).filter((x) => !isRejected(state, x));
  const shown = all.filter((x) => !overlaps(state.judgedLate, x));
  // Under the threshold of the moment (a phrase searched at its relaxed one, the stream not relaxed):
  // not a spotting yet; the search goes on, and may still raise it above.
  const found = shown.filter((x) => x.log10Margin >= floorOf(stream, x.phrase));
  const newlyUnder = (x: Spotting) => x.log10Margin < floorOf(stream, x.phrase) && !overlaps(state.under, x);
  if (state.under.length < MAX_UNDER) state.under.push(...shown.filter(newlyUnder));
  if (found.length === 0) {
    const waitedLong = all.some((x) => age(x) >= MAX_SETTLE_MS) || state.uttMs >= FORCE_RESTART_MS;
    if (pauseAfterRejected || waitedLong) restart(stream);
    return [];
  }
  // A spotting is judged once it has settled: the search merges the overlapping spottings of a phrase
  // into the best one, whose alignment (and lead) is the phrase's; the first to cross the threshold
  // may be aligned anywhere. Unless one has waited long, wait while any may still grow.
  if (found.some((x) => age(x) < stream.settleMs) && !found.some((x) => age(x) >= MAX_SETTLE_MS)) return [];
  // A fresh search after the spottings (kept or not): its hypothesis lists every phrase spotted in the
  // utterance. Not after spottings the threshold fell under: they ended a while ago, and a fresh
  // search now forgets what is being said (over the robot's voice, the user's "stop",
  // 280 ms in, never spotted); they are set aside until the next restart instead.
  const passNowUnder = state.under.filter((u) => u.log10Margin >= floorOf(stream, u.phrase));
  const late = found.every((x) => overlaps(passNowUnder, x));
  return stream.report ? reportPassed(stream, found, late) : keepForDrain(stream, found, late);
}

/** With `report: false`: settled spottings checked and kept for `drain`. */
function keepForDrain(stream: Stream, found: Spotting[], late: boolean): Spotting[] {
  if (late) stream.state.judgedLate.push(...found);
  else restart(stream);
  stream.state.kept.push(...checked(stream, found));
  return [];
}

/** Settled spottings judged: those that pass, best first. */
function reportPassed(stream: Stream, found: Spotting[], late: boolean): Spotting[] {
  const { state, shared, checks } = stream;
  // An unverified phrase's lead first: it costs nothing, the second stage a decode (a verified one's
  // lead is measured where the second stage aligns it). Best first: "stop" may also pass as "halt",
  // and the phrase that explains the audio best is the one to name.
  const leadFirst = found.filter((x) => shared.minConfidence.has(x.phrase) || leadPasses(shared, x));
  const passed = checked(stream, leadFirst)
    .filter((x) => passes(shared, x))
    .sort((a, b) => b.log10Margin - a.log10Margin);
  for (const x of passed) checks.reportedEndMs = Math.max(checks.reportedEndMs, x.endMs);
  // A fresh search after a phrase that passed; after rejected ones, at the next pause.
  if (late) state.judgedLate.push(...found);
  else if (passed.length > 0 || !stream.restartAtPause || state.rejected.length >= MAX_UNDER) restart(stream);
  else state.rejected.push(...found);
  return passed;
}

/** A fresh search: what the last one showed and set aside is forgotten. */
function restart(stream: Stream): void {
  const { state, ps } = stream;
  stream.shared.lib.endUtt(ps);
  stream.shared.lib.startUtt(ps);
  state.startFrame = stream.history.frames;
  state.toStream = undefined;
  state.uttMs = 0;
  state.under.length = 0;
  state.judgedLate.length = 0;
  state.rejected.length = 0;
}

/** The spottings in the search's hypothesis now, in the stream's frames (tied to them at the first). */
function spottingsNow(stream: Stream): Spotting[] {
  const { shared, ps, history, state } = stream;
  state.toStream ??= state.startFrame - searchFramesBehind(shared.lib, ps, shared.delayFrames);
  return spottingsOf(shared, ps, history, state.toStream, state.audioMs);
}

/** The voiced ones of `spottings`, each with its second stage's verdict where its phrase has one. */
function checked(stream: Stream, spottings: Spotting[]): Spotting[] {
  return spottings.filter((x) => voiced(stream, x)).map((x) => verifiedSpotting(stream.checks, stream.history, x));
}

/** Noise aligned as a phrase has no vowel in it (voicing.ts). */
function voiced(stream: Stream, x: Spotting): boolean {
  const { minVoicedMs, sampleRateHz } = stream.shared;
  if (minVoicedMs === undefined) return true;
  const ef = x.endMs / FRAME_MS;
  // From a little before the aligned start: the search's alignment may be off by a few frames.
  const audio = stream.history.audio(ef - x.durationMs / FRAME_MS - VOICING_BEFORE_FRAMES, ef);
  return hasVoicedMs(audio, sampleRateHz, minVoicedMs);
}

function sameSpotting(a: Spotting, b: Spotting): boolean {
  const sameStretch = a.endMs === b.endMs && a.durationMs === b.durationMs;
  return a.phrase === b.phrase && sameStretch && a.log10Margin === b.log10Margin;
}

function isRejected(state: StreamState, x: Spotting): boolean {
  return state.rejected.some((r) => sameSpotting(r, x));
}

function overlaps(list: Spotting[], x: Spotting): boolean {
  const start = x.endMs - x.durationMs;
  return list.some((j) => j.phrase === x.phrase && j.endMs - j.durationMs < x.endMs && start < j.endMs);
}

/** The margin a phrase's spotting must reach now: its relaxed threshold while the stream is relaxed. */
function floorOf(stream: Stream, phrase: string): number {
  const floor = stream.shared.floors.get(phrase);
  return floor === undefined ? -Infinity : stream.relaxed?.() ? floor.relaxed : floor.strict;
}

function leadPasses(shared: SpotterShared, x: Spotting): boolean {
  return x.leadDb >= (shared.minLead.get(x.phrase) ?? -Infinity);
}

function passes(shared: SpotterShared, x: Spotting): boolean {
  return leadPasses(shared, x) && (x.confidence ?? 1) >= (shared.minConfidence.get(x.phrase) ?? 0);
}

/**
 * How far the search's frame numbers run ahead of its own count of frames heard since it began, read at
 * the first look that shows a spotting: the hypothesis shows one from the frame after its end + delay.
 */
function searchFramesBehind(lib: Binding, ps: unknown, delayFrames: number): number {
  let lastEnd = -Infinity;
  for (let seg = lib.segIter(ps, [0]); seg; seg = lib.segNext(seg)) {
    const [sf, ef] = [[0], [0]];
    lib.segFrames(seg, sf, ef);
    lastEnd = Math.max(lastEnd, ef[0]!);
  }
  return lastEnd + delayFrames + 1 - lib.nFrames(ps);
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}
