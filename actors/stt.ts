/**
 * STT actor (one per session): opens an engine stream per utterance announced by the VAD, feeds it the
 * utterance's `vad.audio`, and publishes `stt.partial` / `stt.final` (or `stt.error`) with the
 * utterance's turn id. The session may `cancel` an utterance it dropped, which aborts that stream.
 */
import { fromCallback } from 'xstate';
import type { BusMessage } from '../bus/messages.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from './deps.js';
import type { SttActorInput, SttCommand } from './inputs.js';

interface Utterance {
  controller: AbortController;
  stream: ReturnType<SessionActorDeps['stt']['createStream']> | undefined;
  /** Speech ended; the final is on its way. Kept until then so cancel and stop can still abort it. */
  ended: boolean;
}

/** An engine's `speechAfterMs`, when it gave a usable one (the bus takes a finite, non-negative number only). */
const speechAfter = (ms: number | undefined) =>
  ms !== undefined && Number.isFinite(ms) && ms >= 0 ? { speechAfterMs: ms } : {};
/** An engine's `lastWordSpeechShare`, when it gave one in 0..1. */
const lastWordShare = (share: number | undefined) =>
  share !== undefined && share >= 0 && share <= 1 ? { lastWordSpeechShare: share } : {};

export function createSttActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<SttCommand, SttActorInput>(({ input, receive, system }) => {
    const deps = resolveDeps(source, system);
    const { bus, stt } = deps;
    const { sessionId } = input;
    const utterances = new Map<string, Utterance>();
    let stopped = false;

    const publishError = (turnId: string, error: unknown) => {
      if (stopped) return;
      bus.publish({
        type: 'stt.error',
        sessionId,
        turnId,
        message: `STT "${stt.name}" failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    };

    // `auto`: no hint, the engine detects the language.
    const hint = deps.pipeline.sttLanguage ?? deps.pipeline.language;
    const open = (turnId: string, sampleRateHz: number, u: Utterance) => {
      try {
        u.stream = stt.createStream({
          sampleRateHz,
          // The session's microphone: an engine's adaptation to the speaker stays with this session.
          channel: sessionId,
          ...(hint && hint !== 'auto' ? { language: hint } : {}),
          signal: u.controller.signal,
          onPartial: (text, confidence, detail) => {
            if (stopped || u.controller.signal.aborted) return;
            const complete = deps.turnCompletion?.isComplete(text);
            bus.publish({
              type: 'stt.partial',
              sessionId,
              turnId,
              text,
              ...(complete !== undefined ? { complete } : {}),
              ...(confidence !== undefined ? { confidence } : {}),
              ...speechAfter(detail?.speechAfterMs),
            });
          },
        });
      } catch (error) {
        u.controller.abort();
        publishError(turnId, error);
      }
    };

    const onMessage = (message: BusMessage) => {
      if (message.type === 'vad.speech_start') {
        utterances.set(message.turnId, { controller: new AbortController(), stream: undefined, ended: false });
      } else if (message.type === 'vad.audio') {
        const u = utterances.get(message.turnId);
        if (!u || u.ended || u.controller.signal.aborted) return;
        if (!u.stream) open(message.turnId, message.sampleRateHz, u);
        u.stream?.push(message.audio);
      } else if (message.type === 'vad.pause') {
        // The user paused: the session asks whether what was said so far is a whole command.
        const u = utterances.get(message.turnId);
        if (u && !u.ended && !u.controller.signal.aborted) u.stream?.flushPartial?.();
      } else if (message.type === 'vad.speech_end') {
        const turnId = message.turnId;
        const u = utterances.get(turnId);
        if (!u || u.ended) return;
        u.ended = true;
        if (u.controller.signal.aborted || !u.stream) {
          utterances.delete(turnId);
          if (!u.controller.signal.aborted) bus.publish({ type: 'stt.final', sessionId, turnId, text: '' });
          return;
        }
        u.stream.finish().then(
          ({ text, confidence, language, speechAfterMs, lastWordSpeechShare }) => {
            if (utterances.get(turnId) === u) utterances.delete(turnId);
            if (stopped || u.controller.signal.aborted) return;
            bus.publish({
              type: 'stt.final',
              sessionId,
              turnId,
              text: text.trim(),
              // Clamped: an engine's score is not the bus's to reject (the schema allows 0..1 only).
              ...(confidence !== undefined && Number.isFinite(confidence)
                ? { confidence: Math.min(1, Math.max(0, confidence)) }
                : {}),
              ...(language ? { language } : {}),
              ...speechAfter(speechAfterMs),
              ...lastWordShare(lastWordSpeechShare),
            });
          },
          (error) => {
            if (utterances.get(turnId) === u) utterances.delete(turnId);
            if (!u.controller.signal.aborted) publishError(turnId, error);
          },
        );
      }
    };

    receive((command) => {
      if (command.type !== 'cancel') return;
      utterances.get(command.turnId)?.controller.abort();
      utterances.delete(command.turnId);
    });

    // One subscription for all VAD events keeps start, audio and end in publish order on every transport.
    const sub = bus.subscribe(bus.subjects.forStage(sessionId, 'vad'), onMessage);
    return () => {
      stopped = true;
      sub.unsubscribe();
      for (const u of utterances.values()) u.controller.abort();
      utterances.clear();
    };
  });
}
