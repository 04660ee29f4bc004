/**
 * A pocketsphinx decoder's live cepstral mean (CMN), and a store of one mean per channel. pocketsphinx moves
 * the mean toward each stretch of audio a decoder decodes, so a decoder shared by several sessions carries
 * one session's voice into the next one's transcripts and verdicts. Each channel (a session's microphone)
 * keeps its own: a new channel starts from the model's prior, and its audio adapts only it.
 *
 * @example
 * ```ts
 * const means = createChannelMeans();
 * const cmn = [cmnAccess(lib, decoder)];
 * means.restore(cmn, 'session-1'); // the prior, the first time
 * // … decode session-1's audio …
 * means.save(cmn, 'session-1');
 * ```
 */
import koffi from 'koffi';

/** The native calls a mean is read and written with (pocketsphinx.ts's binding has them). */
export interface CmnBinding {
  getFeat: (ps: unknown) => unknown;
  cmnLiveGet: (cmn: unknown, vec: Float32Array) => void;
  cmnLiveSet: (cmn: unknown, vec: Float32Array) => void;
}

/**
 * A decoder's live cepstral mean, read and written with `cmn_live_get/set` on `feat_t.cmn_struct`, which
 * the library exports no getter for.
 */
export interface CmnAccess {
  /** The model's prior (`-cmninit`), as the decoder started. */
  initial: Float32Array;
  get(): Float32Array;
  set(mean: Float32Array): void;
}

/**
 * The mean of `ps`, or undefined where it cannot be reached safely. The offset (88) is the field's in
 * sphinxbase 5prealpha on 64-bit Linux (Debian's `libsphinxbase3`); the struct's neighbouring fields are
 * checked first (cepstrum size 13, one stream, CMN on, no AGC), and anything else leaves the mean alone
 * rather than write to the wrong place.
 */
export function cmnAccess(lib: CmnBinding, ps: unknown): CmnAccess | undefined {
  const feat = lib.getFeat(ps);
  if (!feat || koffi.sizeof('void *') !== 8) return undefined;
  const ints = koffi.decode(feat, 'int32_t', 20) as number[];
  const [cepsize, streams, cmnType, agcType] = [ints[4], ints[5], ints[17], ints[19]];
  if (cepsize !== 13 || streams !== 1 || cmnType === 0 || agcType !== 0) return undefined;
  const cmn = koffi.decode(feat, 88, 'void *') as unknown;
  if (!cmn) return undefined;
  const get = () => {
    const mean = new Float32Array(cepsize);
    lib.cmnLiveGet(cmn, mean);
    return mean;
  };
  return { initial: get(), get, set: (mean) => lib.cmnLiveSet(cmn, mean) };
}

/** Why 1024: far more live sessions than a process serves; 13 floats per decoder each. */
const MAX_CHANNELS = 1024;

/** One mean per channel for a set of decoders (by position in the list given), least recently heard forgotten first. */
export function createChannelMeans(maxChannels = MAX_CHANNELS) {
  const channels = new Map<string, Array<Float32Array | undefined>>();
  return {
    /** Sets each decoder's mean to the channel's (the decoder's prior for a channel not heard yet). */
    restore(decoders: ReadonlyArray<CmnAccess | undefined>, channel: string): void {
      const saved = channels.get(channel);
      decoders.forEach((c, i) => c?.set(saved?.[i] ?? c.initial));
    },
    /** Keeps each decoder's mean as the channel's, after decoding its audio. */
    save(decoders: ReadonlyArray<CmnAccess | undefined>, channel: string): void {
      channels.delete(channel);
      channels.set(
        channel,
        decoders.map((c) => c?.get()),
      );
      if (channels.size > maxChannels) channels.delete(channels.keys().next().value!);
    },
  };
}
