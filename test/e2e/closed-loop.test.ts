/**
 * Offline closed loop, all real local engines: flite speaks robot commands, which go as 16 kHz microphone
 * frames in real time into a session running WebRTC VAD → pocketsphinx (JSGF grammar) → rule policy →
 * flite → output. Includes a phrase outside the grammar, which must be re-prompted and ask for no action,
 * and a barge-in: the user talks over a reply, the output stops and the history keeps only what was played.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { createRecordingSink } from '../../adapters/audio/recording-sink.js';
import { serveActions } from '../../adapters/actions/executor.js';
import { loadActionsFile } from '../../adapters/actions/load.js';
import { createRobotSimulator } from '../../adapters/actions/robot-simulator.js';
import { createRulePolicy, loadRulesFile } from '../../adapters/llm/rules.js';
import { DEFAULT_GRAMMAR_MLLR, loadConfig } from '../../runtime/config.js';
import { createPocketsphinxStt } from '../../adapters/stt/pocketsphinx.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { createFvadVad } from '../../adapters/vad/fvad.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { startSession } from '../../runtime/session-host.js';

const RATE = 16_000;
const FRAME_BYTES = 640;

async function speak(text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of createFliteTts().synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

describe('offline closed loop', () => {
  it(
    'hears commands, answers, asks for their actions, re-prompts a phrase outside the grammar, and ' +
      'stops at a barge-in keeping only what was heard',
    async () => {
      const clock = systemClock;
      const bus = createMessageBus(createMemoryTransport(), { clock });
      const sink = createRecordingSink(clock, RATE);
      const tts = createFliteTts();
      await tts.warmUp!();
      const stt = createPocketsphinxStt({
        grammarPath: 'examples/robot-commands.jsgf',
        mllrPath: DEFAULT_GRAMMAR_MLLR,
      });
      await stt.warmUp!();
      const rules = loadRulesFile('examples/robot-rules.json');
      // The reference robot, fast enough that each motion ends within a second.
      const robot = createRobotSimulator({ clock, speedMps: 10, turnDegPerS: 900 });
      const executor = serveActions({ bus, clock, handlers: robot.handlers });
      const session = startSession({
        sessionId: 'loop',
        bus,
        clock,
        // The application's default threshold, the rule policy's fallback as the re-prompt and the declared actions (as
        // `serve` does).
        config: {
          minConfidence: loadConfig().stt.minConfidence,
          notUnderstoodText: rules.fallback.reply,
          declaredActions: loadActionsFile('examples/robot-actions.json'),
        },
        engines: {
          vad: await createFvadVad({ sampleRateHz: RATE, frameMs: 20, mode: 2 }),
          stt,
          llm: createRulePolicy(rules),
          tts: [tts],
          sink,
        },
      });
      const seen: BusMessage[] = [];
      bus.subscribe(
        'va.loop.>',
        (m) => void (m.type !== 'audio.frame' && m.type !== 'vad.audio' && m.type !== 'tts.chunk' && seen.push(m)),
      );

      // The microphone: 20 ms frames in real time from a queue, silence when it is empty.
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
      const until = async (what: string, predicate: () => boolean, timeoutMs = 15_000) => {
        const deadline = clock.now() + timeoutMs;
        while (!predicate()) {
          if (clock.now() > deadline)
            throw new Error(`closed loop: timed out waiting for ${what}; state ${session.state()}`);
          await sleep(20);
        }
      };
      const said = (turnId: string) => session.history().some((h) => h.role === 'assistant' && h.turnId === turnId);

      const [move, joke, hello, kitchen] = await Promise.all(
        ['move forward two meters', 'tell me a joke', 'hello robot', 'go to the kitchen'].map(speak),
      );
      // 1. A command, answered in full, the robot's motion, and what it came to.
      say(move!);
      await until('the motion to be reported', () => said('f1'), 20_000);
      // 2. Not a command: the grammar decoder forces it into one, the confidence rejects it.
      say(joke!);
      await until('the re-prompt to finish', () => said('u2'), 20_000);
      const notUnderstood = seen.find((m) => m.type === 'session.notice' && m.code === 'not_understood');
      expect(notUnderstood?.turnId).toBe('u2');
      // 3. A greeting with a long answer; the user talks over it.
      say(hello!);
      await until('the greeting to be answered', () =>
        seen.some((m) => m.type === 'playback.started' && m.turnId === 'u3'),
      );
      await sleep(400);
      say(kitchen!);
      await until('the barge-in', () => seen.some((m) => m.type === 'session.notice' && m.code === 'reply_cancelled'));
      const cancelledAt = clock.now();
      await until('the arrival to be reported', () => said('f2'), 30_000);
      micOn = false;
      await mic;
      await executor.close();

      const history = session.history().map((h) => [h.role, h.text, h.interrupted]);
      expect(history.filter(([role]) => role === 'user').map(([, text]) => text)).toEqual([
        'move forward two meters',
        'hello robot',
        'go to the kitchen',
      ]);
      const assistant = session.history().filter((h) => h.role === 'assistant');
      expect(assistant[0]).toMatchObject({ text: 'Moving forward two meters.', interrupted: false });
      expect(assistant[1]).toMatchObject({ turnId: 'f1', text: 'Moved forward 2 meters.', interrupted: false });
      // The phrase outside the grammar got the re-prompt and is no user turn (the user entries above).
      expect(assistant[2]).toMatchObject({ turnId: 'u2', text: rules.fallback.reply, interrupted: false });
      expect(assistant.find((h) => h.turnId === 'u4')).toMatchObject({
        text: 'Going to the kitchen.',
        interrupted: false,
      });
      expect(assistant.at(-1)).toMatchObject({ turnId: 'f2', text: 'Arrived at the kitchen.' });
      // The interrupted greeting keeps only what was played (about a second of it): a strict prefix.
      const greeting = assistant.find((h) => h.turnId === 'u3');
      expect(greeting?.interrupted).toBe(true);
      expect(greeting!.text.length).toBeGreaterThan(0);
      expect('Hello! What can I do for you?'.startsWith(greeting!.text)).toBe(true);
      expect(greeting!.text.length).toBeLessThan('Hello! What can I do for you?'.length);
      // The rule policy's calls, as the session checks them against the declared actions.
      const calls = seen.flatMap((m) =>
        m.type === 'llm.tool_call' ? [[m.name, JSON.parse(m.arguments) as unknown]] : [],
      );
      expect(calls).toEqual([
        ['move', { direction: 'forward', meters: 'two' }],
        ['navigate', { place: 'kitchen' }],
      ]);
      // What the robot was asked for: checked, with the spoken number read as one; each ran to its result.
      const lifecycle = seen.flatMap((m) =>
        m.type.startsWith('action.') && m.type !== 'action.feedback' ? [m.type] : [],
      );
      expect(lifecycle).toEqual([
        'action.request',
        'action.accepted',
        'action.result',
        'action.request',
        'action.accepted',
        'action.result',
      ]);
      expect(seen.find((m) => m.type === 'action.request')).toMatchObject({
        name: 'move',
        arguments: { direction: 'forward', meters: 2 },
      });
      // Output stopped at the barge-in: no greeting audio plays after the cancel.
      const greetingFrames = sink.played.filter((p) => p.turnId === 'u3');
      expect(greetingFrames.length).toBeGreaterThan(0);
      expect(Math.max(...greetingFrames.map((p) => p.atMs))).toBeLessThan(cancelledAt);
      await session.stop();
    },
    60_000,
  );
});
