/**
 * When microphone audio may open an utterance (`session.activation`), run inside the VAD actor so the
 * session chart is the same in every mode:
 *
 * - `always`: every utterance the VAD finds is the user's turn (no gate, no spotter);
 * - `wake`: closed until a wake phrase is spotted (offline keyword spotter on all microphone audio, its
 *   spottings verified on their audio: adapters/stt/phrase-verifier.ts), then
 *   open for `windowMs`, a window that starts again whenever the conversation goes on (the user's speech
 *   ends, the agent's reply ends) and never closes while either is talking;
 * - `push`: opened and closed by `control.listen` (a client's button, the page's Space key); while open
 *   the user's silence does not end the utterance, closing it does.
 *
 * In `wake` and `push`, `control.listen {open: true}` opens (in `wake`, for a window) and `{open: false}` closes
 * at once, ending an utterance in progress. Manual turn detection (`audio.commit`, the Realtime
 * `turn_detection: null`) is never gated: a commit is itself the user's decision to talk.
 *
 * The spotter hears every conditioned frame in `wake` and `push` (gate open or closed) and also listens
 * for the stop phrases (`session.estop.phrases`): a spotted one publishes `control.estop {source:
 * 'spotter'}`, so the emergency stop works while the gate is closed, when there are no transcripts.
 */
import type { Clock } from '../adapters/clock.js';
import { normalizePhrase, type KeywordSpotter, type KeywordStream } from '../adapters/stt/keyword-spotter.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';

export type ActivationMode = 'always' | 'wake' | 'push';

/** `session.activation`: the application's settings (the spotter's phrases and thresholds build the engine). */
export interface ActivationSettings {
  mode: ActivationMode;
  wakePhrases: readonly string[];
  wakeThreshold: number;
  /** A spotted wake phrase's second-stage confidence must reach this (0..1; adapters/stt/phrase-verifier.ts). */
  wakeConfidence: number;
  stopThreshold: number;
  /** A wake phrase must stand this far above the 300 ms before it (dB): said after a pause. */
  wakeLeadDb: number;
  /** The same for a stop phrase. */
  stopLeadDb: number;
  windowMs: number;
}

export const DEFAULT_ACTIVATION_OPTIONS: ActivationSettings = {
  /** Why always: a session that answers without a wake phrase is what every client expects until told otherwise. */
  mode: 'always',
  /** Why "hey robot": two words, four syllables, rare in talk near a robot; "hello robot" is a command of the bundled grammar. */
  wakePhrases: ['hey robot'],
  /** Why 1e-65: the search only proposes, the second stage decides; chosen with the lead and the confidence on the grammar bench's voices (docs/activation.md). */
  wakeThreshold: 1e-65,
  /** Why 0.4: with the lead, the most wake phrases of the grammar bench's voices kept with no false wake in their distractors (docs/activation.md). */
  wakeConfidence: 0.4,
  /** Why 1e-10: a false stop is the safe mistake, but lower ones stop the robot dozens of times an hour on ordinary talk (docs/activation.md). */
  stopThreshold: 1e-10,
  /** Why 3 dB: near misses ("are you a robot") run on from the words before them, a wake phrase said after a pause stands far above its silence. */
  wakeLeadDb: 3,
  /** Why 15 dB: most false stops are words inside running speech; a stop phrase shouted after a pause stands far above it (docs/activation.md). */
  stopLeadDb: 15,
  /** Why 8 s: time to hear the reply and answer it; the window restarts whenever the conversation goes on. */
  windowMs: 8000,
};

/** What the VAD actor runs on (`pipeline.activation`). */
export interface ActivationOptions {
  mode: ActivationMode;
  windowMs: number;
  /** Spotted phrases that are stop phrases (the rest are wake phrases). */
  stopPhrases: readonly string[];
}

/**
 * Why 60 s: a push-to-talk turn held longer is a client that forgot to release (as the manual buffer's
 * bound); the gate closes itself and the utterance ends.
 */
const MAX_PUSH_OPEN_MS = 60_000;

export interface GateHooks {
  /** The gate opened: start the segmenter afresh (for `push`, with the audio just before the key). */
  opened(): void;
  /** The gate closed: end an utterance in progress now. */
  closed(): void;
  /** Whether the VAD is inside an utterance (the window never closes under the user's voice). */
  speaking(): boolean;
}

export interface ActivationGate {
  readonly mode: ActivationMode;
  /** Whether microphone audio may open an utterance now. */
  readonly open: boolean;
  /** While open in `push`: the user's silence does not end the utterance. */
  readonly holdsEnd: boolean;
  /** Every conditioned frame at the spotter's rate, gate open or closed. */
  hear(frame: Uint8Array): void;
  /** The VAD's utterance ended (the window starts again). */
  speechEnded(): void;
  stop(): void;
}

export interface ActivationGateOptions {
  bus: MessageBus;
  clock: Clock;
  sessionId: string;
  options: ActivationOptions;
  spotter?: KeywordSpotter;
  hooks: GateHooks;
}

/** The gate of one session: `undefined` in `always` mode (nothing to gate). */
export function createActivationGate({ bus, clock, sessionId, options, spotter, hooks }: ActivationGateOptions): ActivationGate | undefined {
  const { mode } = options;
  if (mode === 'always') return undefined;
  const stopPhrases = new Set(options.stopPhrases.map(normalizePhrase));
  let open = false;
  let agentSpeaking = false;
  let timer: unknown;
  let stopped = false;
  const stream: KeywordStream | undefined = spotter?.createStream();

  const disarm = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  const arm = (ms: number) => {
    disarm();
    timer = clock.setTimeout(() => {
      timer = undefined;
      // The window never closes under the user's or the agent's voice; their end arms it again.
      if (mode === 'wake' && (hooks.speaking() || agentSpeaking)) return;
      bus.publish({ type: 'control.listen', sessionId, turnId: '-', open: false });
    }, ms);
  };
  const setOpen = (next: boolean) => {
    if (next) {
      arm(mode === 'push' ? MAX_PUSH_OPEN_MS : options.windowMs);
      if (open) return;
      open = true;
      hooks.opened();
      return;
    }
    disarm();
    if (!open) return;
    open = false;
    hooks.closed();
  };
  /** In `wake`, the conversation going on starts the window again. */
  const goesOn = () => {
    if (mode === 'wake' && open) arm(options.windowMs);
  };

  const onMessage = (message: BusMessage) => {
    if (stopped) return;
    if (message.type === 'control.listen') setOpen(message.open);
    else if (message.type === 'playback.started') {
      agentSpeaking = true;
      if (mode === 'wake' && open) disarm();
    } else if (message.type === 'playback.finished' || message.type === 'playback.stopped') {
      agentSpeaking = false;
      goesOn();
    }
  };
  const subs = (['control.listen', 'playback.started', 'playback.finished', 'playback.stopped'] as const).map((type) =>
    bus.subscribe(bus.subjects.forEvent(sessionId, type), onMessage),
  );

  return {
    mode,
    get open() {
      return open;
    },
    get holdsEnd() {
      return open && mode === 'push';
    },
    hear(frame) {
      if (!stream || stopped) return;
      for (const { phrase } of stream.push(frame)) {
        if (stopPhrases.has(phrase)) bus.publish({ type: 'control.estop', sessionId, turnId: '-', source: 'spotter', phrase });
        // A wake phrase in `push` is not listened for; one spotted while open starts the window again.
        else if (mode === 'wake') bus.publish({ type: 'control.listen', sessionId, turnId: '-', open: true, phrase });
      }
    },
    speechEnded: goesOn,
    stop() {
      stopped = true;
      disarm();
      for (const s of subs) s.unsubscribe();
      stream?.close();
    },
  };
}
