/**
 * Wake word, all real local engines: a session in `session.activation: wake` (WebRTC VAD, pocketsphinx with the robot
 * grammar, the rule policy, flite, and the pocketsphinx keyword spotter and its second stage at the default thresholds)
 * hears a recording made with flite, as 16 kHz microphone frames in real time. A command without the wake phrase is not
 * even an utterance; "stop" with the gate closed still publishes the emergency stop; "hey robot, turn left" opens
 * listening and the command is answered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createRecordingSink } from '../../adapters/audio/recording-sink.js';
import { systemClock } from '../../adapters/clock.js';
import { createRulePolicy, loadRulesFile } from '../../adapters/llm/rules.js';
import { createKeywordSpotter } from '../../adapters/spotter/spotter.js';
import { createPocketsphinxStt } from '../../adapters/stt/pocketsphinx.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { createFvadVad } from '../../adapters/vad/fvad.js';
import { DEFAULT_ACTIVATION_OPTIONS as ACTIVATION } from '../../actors/activation-settings.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { SESSION_DEFAULTS } from '../../machines/session-defaults.js';
import { splitSessionState } from '../../machines/states.js';
import { DEFAULT_GRAMMAR_MLLR, loadConfig } from '../../runtime/config.js';
import { startSession } from '../../runtime/session-host.js';
import { loadActionsFile } from '../../adapters/actions/load.js';

const RATE = 16_000;
const FRAME_BYTES = 640;

async function speak(text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of createFliteTts().synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

describe('wake word (real engines)', () => {
  it('answers a command only after the wake phrase, and "stop" stops with the gate closed', async () => {
    const clock = systemClock;
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const sink = createRecordingSink(clock, RATE);
    const tts = createFliteTts();
    await tts.warmUp!();
    const stt = createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf', mllrPath: DEFAULT_GRAMMAR_MLLR });
    await stt.warmUp!();
    const stops = SESSION_DEFAULTS.estop.phrases;
    const keywordSpotter = createKeywordSpotter({
      phrases: [
        ...ACTIVATION.wakePhrases.map((phrase) => ({
          phrase,
          threshold: ACTIVATION.wakeThreshold,
          minLeadDb: ACTIVATION.wakeLeadDb,
          minConfidence: ACTIVATION.wakeConfidence,
        })),
        ...stops.map((phrase) => ({ phrase, threshold: ACTIVATION.stopThreshold, minLeadDb: ACTIVATION.stopLeadDb })),
      ],
      mllrPath: DEFAULT_GRAMMAR_MLLR,
    });
    const rules = loadRulesFile('examples/robot-rules.json');
    const session = startSession({
      sessionId: 'wake',
      bus,
      clock,
      config: {
        minConfidence: loadConfig().stt.minConfidence,
        notUnderstoodText: rules.fallback.reply,
        declaredActions: loadActionsFile('examples/robot-actions.json'),
        activation: { mode: 'wake', windowMs: ACTIVATION.windowMs },
        estop: { phrases: [...stops] },
      },
      engines: {
        vad: await createFvadVad({ sampleRateHz: RATE, frameMs: 20, mode: 2 }),
        stt,
        llm: createRulePolicy(rules),
        tts: [tts],
        sink,
        keywordSpotter,
      },
    });
    const seen: BusMessage[] = [];
    bus.subscribe(
      'va.wake.>',
      (m) => void (m.type !== 'audio.frame' && m.type !== 'vad.audio' && m.type !== 'tts.chunk' && seen.push(m)),
    );

    const queue: Uint8Array[] = [];
    let micOn = true;
    const mic = (async () => {
      const start = clock.now();
      for (let i = 0; micOn; i++) {
        session.pushAudio(queue.shift() ?? new Uint8Array(FRAME_BYTES), RATE);
        await sleep(Math.max(0, start + (i + 1) * 20 - clock.now()));
      }
    })();
    const say = (pcm: Uint8Array) => {
      for (let i = 0; i < pcm.byteLength; i += FRAME_BYTES) {
        const frame = new Uint8Array(FRAME_BYTES);
        frame.set(pcm.subarray(i, i + FRAME_BYTES));
        queue.push(frame);
      }
    };
    const drained = () => queue.length === 0;
    const until = async (what: string, predicate: () => boolean, timeoutMs = 15_000) => {
      const deadline = clock.now() + timeoutMs;
      while (!predicate()) {
        if (clock.now() > deadline)
          throw new Error(`wake word: timed out waiting for ${what}; state ${session.state()}`);
        await sleep(20);
      }
    };
    const ofType = <T extends BusMessage['type']>(type: T) =>
      seen.filter((m): m is Extract<BusMessage, { type: T }> => m.type === type);

    const closedAtStart = splitSessionState(session.state()).activationPath;
    const [command, stop, woken] = await Promise.all(['turn left', 'stop', 'hey robot, turn left'].map(speak));
    // 1. A command without the wake phrase: not even an utterance.
    say(command!);
    await until('the command to be played', drained);
    await sleep(1500);
    expect(ofType('vad.speech_start')).toEqual([]);
    // 2. "stop" with the gate closed: the spotter's emergency stop, and still no utterance.
    say(stop!);
    await until('the emergency stop', () => ofType('control.estop').length > 0, 5000);
    expect(ofType('control.estop')[0]).toMatchObject({ source: 'spotter', phrase: 'stop' });
    expect(ofType('vad.speech_start')).toEqual([]);
    await until('"stop" to be played', drained);
    await sleep(1000);
    // 3. The wake phrase, then the command: answered.
    say(woken!);
    await until('the reply', () => ofType('playback.finished').length === 1, 20_000);
    micOn = false;
    await mic;
    expect(ofType('control.listen')[0]).toMatchObject({ open: true, phrase: 'hey robot' });
    // The command and its answer (the turn it asked for follows as an action entry and its outcome).
    expect(
      session
        .history()
        .filter((h) => h.role !== 'action')
        .slice(0, 2)
        .map((h) => [h.role, h.text]),
    ).toEqual([
      ['user', 'turn left'],
      ['assistant', 'Turning left.'],
    ]);
    expect(session.history().find((h) => h.role === 'action')?.action).toMatchObject({
      name: 'turn',
      arguments: { direction: 'left' },
    });
    // Observers saw the gate in `session.state`: closed until the wake phrase, then open for the window.
    expect(closedAtStart).toBe('closed');
    expect(ofType('session.state').map((m) => splitSessionState(m.value).activationPath)).toContain('open.window');
    await session.stop();
  }, 60_000);
});
