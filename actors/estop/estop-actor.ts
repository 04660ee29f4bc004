/**
 * Emergency-stop actor (one per session): watches every partial and final transcript, in any state of
 * the chart, and publishes `control.estop` the moment one ends with a stop phrase ("stop", "halt",
 * "emergency stop") that its stop gate (`stop-gate.ts`: its own confidence thresholds, lower than the
 * commands') takes for a stop. It skips the barge-in minimum, the commands' confidence gate and the LLM.
 * One stop per utterance, whichever heard it first: an utterance the microphone's stop spotter
 * (stop-spotter.ts) already stopped is not stopped again by its transcripts. It follows the replies'
 * playback so the gate knows which utterances began over the robot's own voice. With a local grammar
 * recognizer beside the session's own (`stopStt`, stop-transcripts.ts), its transcripts pass through a
 * gate of their own, the same way. Partials, its or (beside the grammar stack, where it decodes only at
 * the user's pauses) the session recognizer's, count only for an utterance begun over a reply. Elsewhere
 * the decode at each of the VAD's pauses is as prompt (the pause comes about 60 ms after the phrase), and
 * a grammar's partial, the best path so far, turns the first syllable of ordinary words into "stop"
 * ("smart mirror", at 0.55 on two reports): a stop is the last thing said, which only a pause shows.
 * Over a reply the robot's echo fills the user's pauses and delays them; there partials are the prompt
 * path.
 *
 * @example
 * ```ts
 * endsWithStopPhrase('please stop', ['stop', 'halt']); // 'stop'
 * endsWithStopPhrase('stop the music please', ['stop']); // undefined
 * ```
 */
import { fromCallback } from 'xstate';
import type { BusMessage } from '../../bus/messages.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from '../deps.js';
import { watchOverReply } from './over-reply.js';
import { createStopGate, type StopGateOptions } from './stop-gate.js';
import { listenForStops, type LocalTranscript } from './stop-transcripts.js';
import { DEFAULT_VAD_SEGMENTER_OPTIONS } from '../vad-segmenter.js';

export interface EstopActorInput extends StopGateOptions {
  sessionId: string;
}

/**
 * Why 64: utterances of one session in flight at once are a handful; what is kept per utterance only has to outlive
 * them.
 */
const MAX_UTTERANCES = 64;

export function createEstopActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<{ type: 'none' }, EstopActorInput>(({ input, system }) => {
    const deps = resolveDeps(source, system);
    const { bus } = deps;
    const { sessionId } = input;
    if (input.phrases.length === 0) return undefined;
    const gate = createStopGate(input);
    const stopped = new Set<string>();
    /** Each utterance's voice, from its `vad.speech_end` (which comes before its final). */
    const voiced = new Map<string, number>();
    const talk = watchOverReply(bus, sessionId);
    const onSpeechEnd = (message: BusMessage) => {
      if (message.type !== 'vad.speech_end') return;
      if (voiced.size >= MAX_UTTERANCES) voiced.clear();
      voiced.set(message.turnId, message.speechMs);
    };
    const remember = (turnId: string) => {
      if (stopped.size >= MAX_UTTERANCES) stopped.clear();
      stopped.add(turnId);
    };
    const onEstop = (message: BusMessage) => {
      if (message.type === 'control.estop' && message.turnId !== '-') remember(message.turnId);
    };
    /** A transcript through `through`, the gate of the recognizer that made it (each holds its own reports). */
    const judge = (through: ReturnType<typeof createStopGate>, transcript: LocalTranscript) => {
      const { turnId, final } = transcript;
      if (stopped.has(turnId)) return;
      const voicedMs = transcript.voicedMs ?? (final ? voiced.get(turnId) : undefined);
      const phrase = through.heard({ ...transcript, voicedMs, overReply: talk.overReply(turnId) });
      if (phrase === undefined) return;
      remember(turnId);
      bus.publish({ type: 'control.estop', sessionId, turnId, source: 'phrase', phrase });
    };
    // Beside a local recognizer that decodes each pause, the session recognizer's partials only over a reply too.
    const partialsOverReplyOnly = deps.stopStt !== undefined && deps.stopSttPausesOnly === true;
    const onTranscript = (message: BusMessage) => {
      if (message.type !== 'stt.partial' && message.type !== 'stt.final') return;
      if (message.type === 'stt.partial' && partialsOverReplyOnly && !talk.overReply(message.turnId)) return;
      judge(gate, { ...message, final: message.type === 'stt.final' });
    };
    // A local grammar decoder's transcripts, when the session has one (`stopStt`): through a gate of their own.
    const localGate = createStopGate(input);
    const prefixPaddingMs = deps.pipeline.vad.prefixPaddingMs ?? DEFAULT_VAD_SEGMENTER_OPTIONS.prefixPaddingMs;
    const fromLocal = (transcript: LocalTranscript) => {
      // Its partials only over a reply (why: this file's header).
      if (transcript.final || talk.overReply(transcript.turnId)) judge(localGate, transcript);
    };
    const local =
      deps.stopStt &&
      listenForStops({
        bus,
        sessionId,
        stt: deps.stopStt,
        prefixPaddingMs,
        pausesOnly: deps.stopSttPausesOnly ?? false,
        heard: fromLocal,
      });
    const subscriptions = [
      bus.subscribe(bus.subjects.forEvent(sessionId, 'vad.speech_end'), onSpeechEnd),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'stt.partial'), onTranscript),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'stt.final'), onTranscript),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'control.estop'), onEstop),
    ];
    return () => {
      talk.stop();
      local?.stop();
      subscriptions.forEach((s) => s.unsubscribe());
    };
  });
}
