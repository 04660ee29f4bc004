/**
 * A scripted session, recorded: the live harness (real host, chart, actors, bus on controlled fakes and
 * a ManualClock) goes through a no-input timeout, a spoken question whose LLM is slow (the filler and the
 * `llmFirstToken` delay), a reply played to its end, then a typed question whose reply the user talks
 * over (barge-in after `minInterruption`) without saying a word — a false interruption, so the cut reply
 * resumes as `r1` — and END, which cuts that. Used by the recorder, replay and export tests.
 */
import type { SessionConfigInput } from '../../machines/config.js';
import {
  createSessionRecorder,
  type RecordStore,
  type SessionRecorder,
  type SessionRecorderOptions,
} from '../../server/records/index.js';
import { createLiveHarness, type LiveHarness } from './live-session.js';
import { DialogState } from '../../machines/states.js';

export interface RecordedScript {
  h: LiveHarness;
  recorder: SessionRecorder;
  recordingId: string;
  /** Microphone frames pushed, in order (what `record.audio` must give back). */
  microphoneBytes: number;
}

/** Pushes the remaining audio of every open TTS request and ends it, until playback has nothing left. */
async function finishSpeaking(h: LiveHarness) {
  await h.llmFinish();
  for (let i = 0; i < 8 && h.activeTts().length > 0; i++) await h.ttsAudio(300, true);
  for (let i = 0; i < 20 && !h.matches(DialogState.idle); i++) await h.advanceUntilChange(60_000);
  if (!h.matches(DialogState.idle)) throw new Error(`the reply did not finish: ${h.state()}`);
}

export async function recordScriptedSession(
  store: RecordStore,
  options: { config?: SessionConfigInput; recorder?: Omit<SessionRecorderOptions, 'bus' | 'clock'> } = {},
): Promise<RecordedScript> {
  let recorder: SessionRecorder | undefined;
  const h = await createLiveHarness({
    config: options.config ?? {},
    attach: ({ bus, clock }) => (recorder = createSessionRecorder(store, { bus, clock, ...options.recorder })).attach,
  });
  let microphoneBytes = 0;
  h.bus.subscribe(h.bus.subjects.forEvent('live', 'audio.frame'), (m) => {
    if (m.type === 'audio.frame') microphoneBytes += m.audio.byteLength;
  });

  await h.advance(8000); // no input: the chart's own noInput delay fires
  await h.speechStart();
  await h.sttPartial('hello');
  await h.speechEnd();
  await h.sttFinal('hello robot');
  await h.advance(1200); // the LLM is slow: llmFirstToken fires, a filler is asked for
  await h.llmToken(' Okay then, here it is.');
  await h.ttsAudio(20, false); // the filler's audio
  await finishSpeaking(h);
  await h.text('what is up');
  await h.llmToken(' Sure thing, here you go.');
  await h.ttsAudio(800, false);
  await h.advance(100); // playing
  await h.speechStart(); // the user talks over the reply …
  await h.advance(600); // … past minInterruption: barge-in
  await h.speechEnd();
  await h.sttFinal('');
  await h.advance(100);
  await h.end();
  recorder!.close('end');
  return { h, recorder: recorder!, recordingId: recorder!.recordingId!, microphoneBytes };
}
