/**
 * A pocketsphinx engine's pool of decoder sets (a grammar or LM decoder, its phone loop, and with an MLLR
 * transform the grammar decoder without it) and each channel's cepstral means. Making a set loads three
 * models (~0.5 s, ~83 MB), so sets are made once and reused by every channel of the engine.
 *
 * @example
 * ```ts
 * const pool = createDecoderPool(lib, pocketsphinxSetup({ grammarPath }));
 * const set = pool.take('session-1'); // the channel's means restored
 * // … decode …
 * pool.give(set, 'session-1'); // its means saved, the set idle again
 * ```
 */
import { initDecoder, initDecoderOffThread, type Binding } from './pocketsphinx-binding.js';
import type { PocketsphinxSetup } from './pocketsphinx-setup.js';
import { cmnAccess, createChannelMeans, type CmnAccess } from './cepstral-mean.js';
import { SttBusyError } from './types.js';

/**
 * A pooled grammar (or LM) decoder, when confidence is on its phone loop, and with an MLLR transform the
 * grammar decoder without it (`plain`), which decodes the utterance again when the adapted search reaches
 * no sentence.
 */
export interface DecoderSet {
  /** The live cepstral mean of `ps`, `loop` and `plain`, in that order (undefined: absent or not reachable). */
  cmn: Array<CmnAccess | undefined>;
  ps: unknown;
  loop?: unknown;
  plain?: unknown;
  /** The channel that last decoded with these decoders: it gets them back first (see `take`). */
  lastChannel?: string | undefined;
}

export interface DecoderPool {
  /**
   * An idle set, the one `channel` last used first, with the channel's means; made when none is idle,
   * unless `ifIdle` (work that may be shed): then {@link SttBusyError}.
   */
  take(channel: string | undefined, ifIdle?: boolean): DecoderSet;
  /** As `take`, but undefined rather than a set made when none is idle ({@link SttBusyError} still, for `ifIdle`). */
  takeIdle(channel: string | undefined, ifIdle?: boolean): DecoderSet | undefined;
  /** A new set for `channel`, made off the calling thread (its decoders at once, on koffi's threads). */
  makeOffThread(channel: string | undefined): Promise<DecoderSet>;
  /** A set back, its means kept as the channel's. */
  give(set: DecoderSet, channel: string | undefined): void;
  /** One set made now (the first utterance does not wait for it). */
  warmUp(): void;
  /** `streams` sets ready, each made in a macrotask of its own. */
  prepare(streams: number): Promise<void>;
}

export function createDecoderPool(lib: Binding, setup: PocketsphinxSetup): DecoderPool {
  const idle: DecoderSet[] = [];
  /**
   * Idle sets a stream that may be shed (`ifIdle`) leaves for utterances: 1 in a pool prepared for several sessions.
   */
  const kept = { forUtterances: 0 };
  const assemble = (ps: unknown, loop: unknown, plain: unknown): DecoderSet => {
    const made = { ps, ...(loop ? { loop } : {}), ...(plain ? { plain } : {}) };
    return { ...made, cmn: [ps, loop, plain].map((d) => (d === undefined ? undefined : cmnAccess(lib, d))) };
  };
  const make = () =>
    assemble(
      initDecoder(lib, setup.argv),
      setup.loopArgv && initDecoder(lib, setup.loopArgv),
      setup.plainArgv && initDecoder(lib, setup.plainArgv),
    );
  const makeOffThread = async () => {
    const offThread = (argv: string[] | undefined) =>
      argv ? initDecoderOffThread(lib, argv) : Promise.resolve(undefined);
    const [ps, loop, plain] = await Promise.all([
      offThread(setup.argv),
      offThread(setup.loopArgv),
      offThread(setup.plainArgv),
    ]);
    return assemble(ps, loop, plain);
  };
  /**
   * Each channel's cepstral means (one per decoder of {@link DecoderSet.cmn}; cepstral-mean.ts). Why per
   * channel: the decoders are pooled across sessions, and a command's transcript and confidence depended
   * on what other users had said (the same "stop" scored 0.79 four times in a row, then 0.53 after one
   * "move forward two meters"). Resetting every utterance to the model's prior made it deterministic but
   * lost the adaptation to the speaker: eSpeak's West Midlands English got 29 of 52 commands instead of 45.
   * The front end's noise estimate is carried from one utterance to the next as well, across channels:
   * starting it afresh every utterance (`ps_start_stream`) made 5–7 of the corpus's 448 commands stop the
   * robot, and sphinxbase exports no way to keep one per channel.
   */
  const means = createChannelMeans();
  /**
   * Idle decoders, the ones `channel` last used first. Why: the front end's noise estimate stays in the
   * decoder (above), so which of two idle decoders an utterance got could change its transcript: a
   * session's utterances and its stop check's slices overlap, and the load on the machine decided the
   * order they came back in (a command's confidence moved from 0.89 to 0.95 after another channel's
   * noise; a real exercise bike's noise became "stop" once in many runs, under load).
   */
  const idleFor = (channel: string | undefined, ifIdle: boolean): DecoderSet | undefined => {
    if (ifIdle && idle.length <= kept.forUtterances) throw new SttBusyError('every pocketsphinx decoder is busy');
    const own = channel === undefined ? -1 : idle.findIndex((d) => d.lastChannel === channel);
    return own >= 0 ? idle.splice(own, 1)[0] : idle.pop();
  };
  const adopt = (set: DecoderSet, channel: string | undefined) => {
    set.lastChannel = channel;
    if (channel !== undefined) means.restore(set.cmn, channel);
    return set;
  };
  const takeIdle = (channel: string | undefined, ifIdle = false) => {
    const pooled = idleFor(channel, ifIdle);
    return pooled && adopt(pooled, channel);
  };
  return {
    take(channel, ifIdle = false) {
      // Making a decoder set holds its thread ~0.5 s (three models loaded) and adds ~83 MB: work that
      // may be shed is, rather than wait for it.
      const pooled = takeIdle(channel, ifIdle);
      if (!pooled && ifIdle) throw new SttBusyError('every pocketsphinx decoder is busy');
      return pooled ?? adopt(make(), channel);
    },
    takeIdle,
    makeOffThread: async (channel) => adopt(await makeOffThread(), channel),
    give(set, channel) {
      if (channel !== undefined) means.save(set.cmn, channel);
      idle.push(set);
    },
    warmUp() {
      if (idle.length === 0) idle.push(make());
    },
    async prepare(streams) {
      // Beyond one session's two (its utterance, its pause's decode), the last idle set is an utterance's:
      // a pause's decode holding it made the next utterance build one, holding every session's loop.
      kept.forUtterances = streams > 2 ? 1 : 0;
      // One at a time, each in a macrotask of its own: a server warming up still answers /healthz.
      for (let made = 0; idle.length < streams; made++) {
        if (made > 0) await new Promise((resolve) => setImmediate(resolve));
        idle.push(make());
      }
    },
  };
}
