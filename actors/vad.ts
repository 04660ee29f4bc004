/**
 * VAD actor (one per session): reads `audio.frame`, classifies each frame with the VAD engine, and
 * publishes `vad.speech_start`, `vad.audio` (speech plus prefix padding) and `vad.speech_end`. It mints
 * the user turn ids (`u1`, `u2`, …) because it is the first to know an utterance exists.
 *
 * Microphone frames at another rate than the engine's are resampled here, at the input edge (Speex):
 * the resampler loads asynchronously, and the frames that arrive meanwhile wait in order. Then the
 * session's input conditioner, if any (echo canceller, high-pass, RNNoise, AGC), cleans them: the VAD
 * and the recognizer both hear the conditioned audio.
 *
 * Turn detection follows `control.configure`: `server_vad` (the default; its segmenter settings and the
 * engine's sensitivity can be changed) or `manual`, where audio is only buffered and each `audio.commit`
 * makes it one utterance (`audio.discard` drops it). In `server_vad`, `audio.commit` ends speech now.
 *
 * `session.activation` (`wake`, `push`) gates server-VAD mode: while the gate is closed, frames do not
 * reach the segmenter, so nothing opens an utterance; the keyword spotter (activation-spotter.ts) hears
 * them all. The gate starts closed; the session chart opens and closes it (`vad.gate`: its activation
 * region decides, on its own timers). Here only the audio work: a gate that opens starts the segmenter
 * afresh (in `push` with the frames just before the key), one that closes ends an utterance in progress.
 */
import { fromCallback } from 'xstate';
import { createFramer } from '../adapters/audio/framer.js';
import { pcmBytesFor } from '../adapters/audio/pcm.js';
import { createResampler, MIC_RESAMPLER_QUALITY, type Resampler } from '../adapters/audio/resample.js';
import type { BusMessage, TurnDetection } from '../bus/messages.js';
import { createActivationSpotter } from './activation-spotter.js';
import { createStopSpotter } from './stop-spotter.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from './deps.js';
import type { VadActorInput, VadCommand } from './inputs.js';
import { createVadSegmenter } from './vad-segmenter.js';

/** Why 60 s: a longer push-to-talk turn is a client that forgot to commit; the buffer is per-session memory. */
const MAX_MANUAL_SECONDS = 60;

export function createVadActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<VadCommand, VadActorInput>(({ input, receive, system }) => {
    const deps = resolveDeps(source, system);
    const { bus, vad, clock } = deps;
    const { sessionId } = input;
    const activation = deps.pipeline.activation ?? { mode: 'always', stopPhrases: [] };
    const spotter = deps.keywordSpotter ? createActivationSpotter({ bus, sessionId, options: activation, spotter: deps.keywordSpotter }) : undefined;
    let segmenterOptions = { ...deps.pipeline.vad, frameMs: vad.frameMs };
    let segmenter = createVadSegmenter(segmenterOptions);
    // The stop phrases on the microphone, in every mode (stop-spotter.ts); the utterance it names is the one in progress.
    const stops = deps.stopSpotter
      ? createStopSpotter({ bus, sessionId, spotter: deps.stopSpotter, utterance: () => (segmenter.speaking ? turnId : '-') })
      : undefined;
    let manual = false;
    /** Manual turn detection: audio since the last commit or discard, as engine-sized frames. */
    let manualBuffer: Uint8Array[] = [];
    let manualOverflowReported = false;
    const MAX_MANUAL_FRAMES = (MAX_MANUAL_SECONDS * 1000) / vad.frameMs;
    /** New segmenter settings wait for the utterance in progress to end. */
    let pendingSegmenter = false;
    let speechStartedAtMs = 0;
    const frameBytes = pcmBytesFor(vad.frameMs, vad.sampleRateHz);
    const framer = createFramer(frameBytes);
    let utterances = 0;
    let seq = 0;
    let turnId = '-';

    /** Why 50: one second of 20 ms frames, far more than the WASM resampler takes to load. */
    const MAX_WAITING_FRAMES = 50;
    let mic: { fromHz: number; resampler?: Resampler; waiting: Uint8Array[]; failed: boolean } | undefined;
    let stopped = false;

    const resampleFrom = (fromHz: number) => {
      mic?.resampler?.close();
      const state: NonNullable<typeof mic> = { fromHz, waiting: [], failed: false };
      mic = state;
      createResampler({ fromHz, toHz: vad.sampleRateHz, quality: MIC_RESAMPLER_QUALITY }).then(
        (resampler) => {
          if (stopped || mic !== state) return resampler.close();
          state.resampler = resampler;
          for (const audio of state.waiting.splice(0)) classify(resampler.process(audio));
        },
        (error: unknown) => {
          state.failed = true;
          state.waiting.length = 0;
          const reason = error instanceof Error ? error.message : String(error);
          bus.publish({
            type: 'session.error',
            sessionId,
            turnId: '-',
            code: 'bad_sample_rate',
            message: `audio.frame at ${fromHz} Hz cannot be resampled to the ${vad.sampleRateHz} Hz VAD "${vad.name}" needs (${reason}): send ${vad.sampleRateHz} Hz audio.`,
          });
        },
      );
    };

    const onFrame = (message: BusMessage) => {
      if (message.type !== 'audio.frame') return;
      if (message.sampleRateHz === vad.sampleRateHz) {
        if (mic) {
          // The device went back to the engine's rate: drop the resampler and its tail.
          mic.resampler?.close();
          mic = undefined;
          framer.reset();
        }
        return classify(message.audio);
      }
      if (mic?.fromHz !== message.sampleRateHz) {
        framer.reset();
        resampleFrom(message.sampleRateHz);
      }
      const state = mic!;
      if (state.failed) return;
      if (state.resampler) classify(state.resampler.process(message.audio));
      else if (state.waiting.length < MAX_WAITING_FRAMES) state.waiting.push(message.audio.slice());
    };

    const classify = (input: Uint8Array) => {
      const audio = deps.inputConditioner ? deps.inputConditioner.process(input, clock.now()) : input;
      // Input frames may be any length; the engine needs exact frames (50 times a second per microphone,
      // so the framer copies only the frames that straddle two chunks).
      const frames = framer.push(audio);
      if (spotter) for (const frame of frames) spotter.hear(frame);
      if (stops) for (const frame of frames) stops.hear(frame);
      if (manual) {
        if (manualBuffer.length + frames.length > MAX_MANUAL_FRAMES) return reportOverflow();
        for (const frame of frames) manualBuffer.push(frame.slice());
        return;
      }
      for (const frame of frames) {
        if (!gate.open && !segmenter.speaking) remember(frame);
        else segment(frame);
      }
    };

    /** Closed gate (`push`): the last `prefixPaddingMs` of frames, so a word begun just before the key is kept. */
    const recent: Uint8Array[] = [];
    const remember = (frame: Uint8Array) => {
      if (activation.mode !== 'push') return;
      recent.push(frame.slice());
      if (recent.length * vad.frameMs > (segmenterOptions.prefixPaddingMs ?? 200)) recent.shift();
    };

    const segment = (frame: Uint8Array) => {
      segmenter.hold = gate.holdsEnd;
      const events = segmenter.push(frame, vad.isSpeech(frame));
      for (const event of events) {
        const atMs = clock.now();
        if (event.kind === 'start') {
          turnId = `u${++utterances}`;
          seq = 0;
          speechStartedAtMs = atMs;
          bus.publish({ type: 'vad.speech_start', sessionId, turnId, atMs });
        } else if (event.kind === 'audio') {
          bus.publish({ type: 'vad.audio', sessionId, turnId, atMs, seq: seq++, sampleRateHz: vad.sampleRateHz, audio: event.audio });
        } else if (event.kind === 'pause') {
          bus.publish({ type: 'vad.pause', sessionId, turnId, atMs, silentMs: event.silentMs });
        } else if (event.kind === 'resume') {
          bus.publish({ type: 'vad.resume', sessionId, turnId, atMs });
        } else {
          bus.publish({ type: 'vad.speech_end', sessionId, turnId, atMs, speechMs: event.speechMs, silenceMs: event.silenceMs });
          if (pendingSegmenter) {
            pendingSegmenter = false;
            segmenter = createVadSegmenter(segmenterOptions);
          }
        }
      }
    };

    const reportOverflow = () => {
      if (manualOverflowReported) return;
      manualOverflowReported = true;
      const seconds = (MAX_MANUAL_FRAMES * vad.frameMs) / 1000;
      bus.publish({
        type: 'session.error',
        sessionId,
        turnId: '-',
        code: 'input_buffer_full',
        message: `more than ${seconds} s of audio without audio.commit: commit (or discard) the input buffer more often`,
      });
    };

    /** Manual mode: the buffered audio becomes one utterance. Server VAD: the utterance in progress ends now. */
    const commit = () => {
      const atMs = clock.now();
      if (manual) {
        const frames = manualBuffer;
        manualBuffer = [];
        // Less than a frame (20 ms) at the end is dropped: kept, it would begin the next utterance.
        framer.reset();
        manualOverflowReported = false;
        if (frames.length === 0) return;
        turnId = `u${++utterances}`;
        bus.publish({ type: 'vad.speech_start', sessionId, turnId, atMs });
        frames.forEach((audio, i) => bus.publish({ type: 'vad.audio', sessionId, turnId, atMs, seq: i, sampleRateHz: vad.sampleRateHz, audio }));
        bus.publish({ type: 'vad.speech_end', sessionId, turnId, atMs, speechMs: frames.length * vad.frameMs });
      } else if (segmenter.speaking) {
        const silenceMs = segmenter.silenceMs;
        segmenter.reset();
        bus.publish({ type: 'vad.speech_end', sessionId, turnId, atMs, speechMs: atMs - speechStartedAtMs, silenceMs });
      }
    };

    /** The gate as the chart last told it (`vad.gate`); in `always` nothing is gated. */
    const gate = { open: activation.mode === 'always', holdsEnd: false };
    const applyGate = ({ open, holdsEnd }: { open: boolean; holdsEnd: boolean }) => {
      if (activation.mode === 'always') return;
      const was = gate.open;
      gate.open = open;
      gate.holdsEnd = open && holdsEnd;
      if (open === was || manual) return;
      if (open) {
        // Opened: the segmenter starts afresh, in `push` with the audio just before the key.
        segmenter.reset();
        for (const frame of recent.splice(0)) segment(frame);
      } else {
        // Closed: an utterance in progress ends now.
        if (segmenter.speaking) commit();
        segmenter.reset();
      }
    };

    const configure = (detection: TurnDetection) => {
      if (detection.threshold !== undefined) vad.setThreshold?.(detection.threshold);
      const wasManual = manual;
      if (detection.mode === 'manual' && !wasManual) {
        // Leaving server VAD mid-utterance ends it (commit, while still in server-VAD mode), so the chart
        // is never left waiting for a speech end; the manual buffer starts empty, without a partial frame.
        commit();
        framer.reset();
      }
      manual = detection.mode === 'manual';
      if (!manual && wasManual) manualBuffer = [];
      const { hangoverMs, prefixPaddingMs } = detection;
      segmenterOptions = {
        ...segmenterOptions,
        ...(hangoverMs !== undefined ? { hangoverMs } : {}),
        ...(prefixPaddingMs !== undefined ? { prefixPaddingMs } : {}),
      };
      if (!segmenter.speaking) segmenter = createVadSegmenter(segmenterOptions);
      else pendingSegmenter = true;
    };

    const onControl = (message: BusMessage) => {
      if (message.type === 'vad.gate') applyGate(message);
      else if (message.type === 'control.configure' && message.turnDetection) configure(message.turnDetection);
      else if (message.type === 'audio.commit') commit();
      else if (message.type === 'audio.discard' && manual) {
        manualBuffer = [];
        framer.reset();
      }
    };

    receive((command) => {
      if (manual || !segmenter.speaking) return;
      if (command.type === 'end') return commit();
      // The rest of the utterance becomes a new turn; the STT carries its transcript over.
      const continues = turnId;
      turnId = `u${++utterances}`;
      seq = 0;
      bus.publish({ type: 'vad.speech_start', sessionId, turnId, continues });
    });

    const sub = bus.subscribe(bus.subjects.forEvent(sessionId, 'audio.frame'), onFrame);
    const controls = (['vad.gate', 'control.configure', 'audio.commit', 'audio.discard'] as const).map((type) =>
      bus.subscribe(bus.subjects.forEvent(sessionId, type), onControl),
    );
    return () => {
      stopped = true;
      spotter?.stop();
      stops?.stop();
      sub.unsubscribe();
      for (const c of controls) c.unsubscribe();
      mic?.resampler?.close();
    };
  });
}
