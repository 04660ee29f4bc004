/**
 * The keyword spotter's stream of one session (`session.activation` `wake` and `push`), run by the VAD
 * actor on every conditioned microphone frame, gate open or closed: a spotted stop phrase
 * (`session.estop.phrases`) publishes `control.estop {source: 'spotter'}`, so the emergency stop works
 * while the gate is closed, when there are no transcripts; in `wake`, a spotted wake phrase (verified on
 * its audio: adapters/spotter/phrase-verifier.ts) publishes `control.listen {open: true, phrase}`.
 *
 * Only audio work: whether the gate is open, and for how long, is the session chart's
 * (`machines/activation.region.ts`), which tells the VAD actor with `vad.gate`.
 */
import { normalizePhrase, type KeywordSpotter, type KeywordStream } from '../adapters/spotter/index.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { ActivationMode } from './activation-settings.js';

export {
  ACTIVATION_MODES,
  DEFAULT_ACTIVATION_OPTIONS,
  type ActivationMode,
  type ActivationSettings,
} from './activation-settings.js';

/** What the VAD actor runs on (`pipeline.activation`; the session host derives it from the chart's config). */
export interface ActivationOptions {
  mode: ActivationMode;
  /** Spotted phrases that are stop phrases (the rest are wake phrases). */
  stopPhrases: readonly string[];
}

export interface ActivationSpotter {
  /** Every conditioned frame at the spotter's rate, gate open or closed. */
  hear(frame: Uint8Array): void;
  stop(): void;
}

export interface ActivationSpotterOptions {
  bus: MessageBus;
  sessionId: string;
  options: ActivationOptions;
  spotter: KeywordSpotter;
}

/** The spotter stream of one session: `undefined` in `always` mode (nothing is spotted). */
export function createActivationSpotter({
  bus,
  sessionId,
  options,
  spotter,
}: ActivationSpotterOptions): ActivationSpotter | undefined {
  const { mode } = options;
  if (mode === 'always') return undefined;
  const stopPhrases = new Set(options.stopPhrases.map(normalizePhrase));
  const stream: KeywordStream = spotter.createStream();
  let stopped = false;
  return {
    hear(frame) {
      if (stopped) return;
      for (const { phrase } of stream.push(frame)) {
        if (stopPhrases.has(phrase))
          bus.publish({ type: 'control.estop', sessionId, turnId: '-', source: 'spotter', phrase });
        // A wake phrase in `push` is not listened for; one spotted while open starts the window again (the chart's).
        else if (mode === 'wake') bus.publish({ type: 'control.listen', sessionId, turnId: '-', open: true, phrase });
      }
    },
    stop() {
      stopped = true;
      stream.close();
    },
  };
}
