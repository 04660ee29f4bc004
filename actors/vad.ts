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
 *
 * Where each frame goes and what each message changes is decided by a pure step function (vad-state.ts);
 * this actor is its shell: resampling, conditioning, framing, the spotters, the engine and the bus.
 */
import { fromCallback } from 'xstate';
import { createFramer } from '../adapters/audio/framer.js';
import { pcmBytesFor } from '../adapters/audio/pcm.js';
import { createResampler, MIC_RESAMPLER_QUALITY, type Resampler } from '../adapters/audio/resample.js';
import type { BusMessage, MessageOf } from '../bus/messages.js';
import { createActivationSpotter } from './activation-spotter.js';
import { createLearnedListener, createStopSpotter, keyphraseSpotter } from './estop/index.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from './deps.js';
import type { VadActorInput, VadCommand } from './inputs.js';
import { currentUtterance, initialVad, stepVad, type VadEffect, type VadInput } from './vad-state.js';

/** Why 50: one second of 20 ms frames, far more than the WASM resampler takes to load. */
const MAX_WAITING_FRAMES = 50;

export function createVadActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<VadCommand, VadActorInput>(({ input, receive, system }) => {
    const vad = runVad(resolveDeps(source, system), input.sessionId);
    receive((command) => vad.feed(command));
    return () => vad.stop();
  });
}

/** One session's VAD: the step function's state, fed by the microphone and the control messages. */
function runVad(deps: SessionActorDeps, sessionId: string) {
  const { bus, vad, clock } = deps;
  const activation = deps.pipeline.activation ?? { mode: 'always', stopPhrases: [] };
  const state = initialVad({ frameMs: vad.frameMs, activationMode: activation.mode, segmenter: deps.pipeline.vad });
  const spotter = deps.keywordSpotter
    ? createActivationSpotter({ bus, sessionId, options: activation, spotter: deps.keywordSpotter })
    : undefined;
  // The learned heads, on every block in every mode (estop/learned-spotter.ts): stops, wake phrases, yes and no.
  const learned = deps.learned
    ? createLearnedListener({
        bus,
        sessionId,
        ...deps.learned,
        mode: activation.mode,
        utterance: () => currentUtterance(state),
      })
    : undefined;
  // The stop phrases on the microphone, in every mode (estop/stop-spotter.ts); the utterance it names is the one in
  // progress.
  const spotters = [
    ...(deps.stopSpotter ? [keyphraseSpotter(deps.stopSpotter)] : []),
    ...(learned ? [learned.stopSpotter] : []),
  ];
  const stops =
    spotters.length > 0
      ? createStopSpotter({
          bus,
          sessionId,
          sampleRateHz: deps.stopSpotter?.sampleRateHz ?? learned!.sampleRateHz,
          spotters,
          utterance: () => currentUtterance(state),
          ...(deps.onOwnVoiceStop ? { onOwnVoice: deps.onOwnVoiceStop } : {}),
        })
      : undefined;
  const framer = createFramer(pcmBytesFor(vad.frameMs, vad.sampleRateHz));
  const publish = publisherFor(deps, sessionId);

  const feed = (event: VadInput) => {
    for (const effect of stepVad(state, event, clock.now()).effects) {
      if (effect.type === 'classify')
        feed({ type: 'classified', frames: effect.frames, voiced: effect.frames.map((frame) => vad.isSpeech(frame)) });
      else if (effect.type === 'reset_framer') framer.reset();
      else if (effect.type === 'set_threshold') vad.setThreshold?.(effect.threshold);
      else publish(effect);
    }
  };

  const hear = (input: Uint8Array) => {
    const block = deps.inputConditioner ? deps.inputConditioner.process(input, clock.now()) : { audio: input };
    // Input frames may be any length; the engine needs exact frames (50 times a second per microphone,
    // so the framer copies only the frames that straddle two chunks).
    const frames = framer.push(block.audio);
    if (spotter) for (const frame of frames) spotter.hear(frame);
    // The stop spotter and the learned heads hear the whole block: what the conditioner kept for it, or the frames.
    const heard = { ...block, frames };
    stops?.hear(heard);
    learned?.hear(heard);
    feed({ type: 'frames', frames });
  };
  const mic = createMicInput(deps, sessionId, hear, () => framer.reset());

  const onControl = (message: BusMessage) => {
    if (message.type === 'vad.gate') feed({ type: 'gate', open: message.open, holdsEnd: message.holdsEnd });
    else if (message.type === 'control.configure' && message.turnDetection)
      feed({ type: 'configure', detection: message.turnDetection });
    else if (message.type === 'audio.commit') feed({ type: 'commit' });
    else if (message.type === 'audio.discard') feed({ type: 'discard' });
  };
  const subs = [
    bus.subscribe(bus.subjects.forEvent(sessionId, 'audio.frame'), (message) => {
      if (message.type === 'audio.frame') mic.push(message);
    }),
    ...(['vad.gate', 'control.configure', 'audio.commit', 'audio.discard'] as const).map((type) =>
      bus.subscribe(bus.subjects.forEvent(sessionId, type), onControl),
    ),
  ];
  return {
    feed,
    stop() {
      mic.close();
      spotter?.stop();
      stops?.stop();
      learned?.stop();
      for (const sub of subs) sub.unsubscribe();
    },
  };
}

/** The `vad.*` messages and errors a step asks for. */
function publisherFor({ bus, vad }: SessionActorDeps, sessionId: string) {
  return (effect: Exclude<VadEffect, { type: 'classify' | 'reset_framer' | 'set_threshold' }>) => {
    switch (effect.type) {
      case 'speech_start':
        return bus.publish({ type: 'vad.speech_start', sessionId, turnId: effect.turnId, atMs: effect.atMs });
      case 'continued':
        return bus.publish({ type: 'vad.speech_start', sessionId, turnId: effect.turnId, continues: effect.continues });
      case 'audio': {
        const { turnId, atMs, seq, audio } = effect;
        return bus.publish({ type: 'vad.audio', sessionId, turnId, atMs, seq, sampleRateHz: vad.sampleRateHz, audio });
      }
      case 'pause':
        return bus.publish({
          type: 'vad.pause',
          sessionId,
          turnId: effect.turnId,
          atMs: effect.atMs,
          silentMs: effect.silentMs,
        });
      case 'resume':
        return bus.publish({ type: 'vad.resume', sessionId, turnId: effect.turnId, atMs: effect.atMs });
      case 'speech_end': {
        const { turnId, atMs, speechMs, silenceMs } = effect;
        return bus.publish({
          type: 'vad.speech_end',
          sessionId,
          turnId,
          atMs,
          speechMs,
          ...(silenceMs === undefined ? {} : { silenceMs }),
        });
      }
      case 'buffer_full':
        return bus.publish({
          type: 'session.error',
          sessionId,
          turnId: '-',
          code: 'input_buffer_full',
          message:
            `more than ${effect.seconds} s of audio without audio.commit: commit (or discard) the input buffer ` +
            `more often`,
        });
    }
  };
}

/**
 * Microphone audio at the engine's rate: frames at another rate go through a resampler, and wait in order
 * while it loads. `onRateChange`: the stream changed rate, so a partial frame of the old one is dropped.
 */
function createMicInput(
  deps: SessionActorDeps,
  sessionId: string,
  onAudio: (audio: Uint8Array) => void,
  onRateChange: () => void,
) {
  const { bus, vad } = deps;
  let mic: { fromHz: number; resampler?: Resampler; waiting: Uint8Array[]; failed: boolean } | undefined;
  let closed = false;

  const resampleFrom = (fromHz: number) => {
    mic?.resampler?.close();
    const current: NonNullable<typeof mic> = { fromHz, waiting: [], failed: false };
    mic = current;
    createResampler({ fromHz, toHz: vad.sampleRateHz, quality: MIC_RESAMPLER_QUALITY }).then(
      (resampler) => {
        if (closed || mic !== current) return resampler.close();
        current.resampler = resampler;
        for (const audio of current.waiting.splice(0)) onAudio(resampler.process(audio));
      },
      (error: unknown) => {
        current.failed = true;
        current.waiting.length = 0;
        const reason = error instanceof Error ? error.message : String(error);
        bus.publish({
          type: 'session.error',
          sessionId,
          turnId: '-',
          code: 'bad_sample_rate',
          message:
            `audio.frame at ${fromHz} Hz cannot be resampled to the ${vad.sampleRateHz} Hz VAD "${vad.name}" needs ` +
            `(${reason}): send ${vad.sampleRateHz} Hz audio.`,
        });
      },
    );
  };

  return {
    push(message: MessageOf<'audio.frame'>) {
      if (message.sampleRateHz === vad.sampleRateHz) {
        if (mic) {
          // The device went back to the engine's rate: drop the resampler and its tail.
          mic.resampler?.close();
          mic = undefined;
          onRateChange();
        }
        return onAudio(message.audio);
      }
      if (mic?.fromHz !== message.sampleRateHz) {
        onRateChange();
        resampleFrom(message.sampleRateHz);
      }
      const current = mic!;
      if (current.failed) return;
      if (current.resampler) onAudio(current.resampler.process(message.audio));
      else if (current.waiting.length < MAX_WAITING_FRAMES) current.waiting.push(message.audio.slice());
    },
    close() {
      closed = true;
      mic?.resampler?.close();
    },
  };
}
