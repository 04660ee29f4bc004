/** A typed command through a whole session on the rule policy: the robot command goes out as an intent. */
import { describe, expect, it } from 'vitest';
import { createRulePolicy, loadRulesFile } from '../../adapters/llm/rules.js';
import { createFakeStt, createFakeTts, createFakeVad, createPacedSink, ManualClock } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { startSession } from '../../server/session-host.js';

describe('intents', () => {
  it('publishes va.<session>.intent.move for "move forward two meters" and speaks the reply', async () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const session = startSession({
      sessionId: 'robot-1',
      bus,
      clock,
      engines: {
        vad: createFakeVad(),
        stt: createFakeStt({ clock, transcripts: [] }),
        llm: createRulePolicy(loadRulesFile('examples/robot-rules.json')),
        tts: [createFakeTts({ clock, sampleRateHz: 16_000, latencyMs: 20, msPerWord: 100 })],
        sink: createPacedSink({ clock, sampleRateHz: 16_000 }),
      },
    });
    const intents: BusMessage[] = [];
    // What a robot controller subscribes to: every session's move commands.
    bus.subscribe('va.*.intent.move', (m) => void intents.push(m));
    session.sendText('Move forward two meters');
    await clock.advance(2000);
    expect(intents).toMatchObject([{ type: 'intent.move', sessionId: 'robot-1', turnId: 't1', args: { direction: 'forward', meters: 'two' } }]);
    expect(session.history().map((h) => h.text)).toEqual(['Move forward two meters', 'Moving forward two meters.']);
    await session.stop();
  });
});
