/**
 * The pocketsphinx keyphrase search as the stop path's {@link PhraseSpotter}: a stream of the process's stop
 * spotter per session. Where the echo step keeps its filter's output, it hears that (`filtered`: the user
 * over the robot, whole), and a second search hears the same samples as the filter left them before
 * speexdsp's residual suppressor (`filteredLinear`), its lead read on the audio as the step passed it on
 * (the echo there is comfort noise): either search's phrase is told. The residual suppressor carves the
 * bands it takes for echo out of a user's voice under a louder speaker (a "stop" 0.8 s into a reply, 10 dB
 * under it, scored 10^1.4 before it and 10^-14 after), while before it the echo left in lowers other
 * stops, and each search alone lost stops the other heard. Elsewhere it hears the VAD's frames, its lead
 * read on RNNoise's input where that ran (`levels`: a denoiser makes pauses of the noise).
 *
 * @example
 * ```ts
 * const spotters = [keyphraseSpotter(engines.stopSpotter)];
 * const stops = createStopSpotter({ bus, sessionId, sampleRateHz: 16_000, spotters, utterance: () => 'u3' });
 * ```
 */
import type { KeywordSpotter, KeywordStream, Spotting } from '../../adapters/spotter/index.js';
import type { FilteredLinear } from '../../adapters/audio/conditioned-block.js';
import type { PhraseSpotterFactory } from './phrase-spotter.js';

const NO_AUDIO = new Uint8Array(0);

export function keyphraseSpotter(spotter: KeywordSpotter): PhraseSpotterFactory {
  return ({ relaxed, onSpotted }) => {
    const stream = spotter.createStream({ relaxed });
    let closed = false;
    let heardSamples = 0;
    /** The search of the audio before the residual suppressor, while it comes; its times start where it began (ms). */
    let linearSearch: { stream: KeywordStream; fromMs: number } | undefined;
    const toSample = (ms: number) => Math.round((ms * spotter.sampleRateHz) / 1000);
    /** The linear search's phrase on the stream's timeline, if it found one. */
    const searchLinear = (linear: FilteredLinear | undefined, fromMs: number): Spotting | undefined => {
      if (!linear) {
        // The echo step stopped keeping it (switched off): a later search starts afresh.
        linearSearch?.stream.close();
        linearSearch = undefined;
        return undefined;
      }
      linearSearch ??= { stream: spotter.createStream({ relaxed }), fromMs };
      const [found] = linearSearch.stream.push(linear.audio, linear.levels);
      return found && { ...found, endMs: found.endMs + linearSearch.fromMs };
    };
    const push = (audio: Uint8Array, levels?: Uint8Array, linear?: FilteredLinear) => {
      const fromMs = (heardSamples * 1000) / spotter.sampleRateHz;
      heardSamples += audio.byteLength / 2;
      const [spotted] = stream.push(audio, levels);
      const spottedLinear = searchLinear(linear, fromMs);
      const best = spotted ?? spottedLinear;
      if (!best) return;
      onSpotted({
        phrase: best.phrase,
        startSample: toSample(best.endMs - best.durationMs),
        endSample: toSample(best.endMs),
        heardSamples,
      });
    };
    return {
      hear(block) {
        if (closed) return;
        if (block.filtered) return push(block.filtered, undefined, block.filteredLinear);
        if (block.levels) push(NO_AUDIO, block.levels);
        for (const frame of block.frames) push(frame);
      },
      close() {
        if (closed) return;
        closed = true;
        stream.close();
        linearSearch?.stream.close();
      },
    };
  };
}
