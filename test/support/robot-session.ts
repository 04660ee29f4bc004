/**
 * The product's session as `voice-agent run` starts it, on the real clock and the in-process bus, with the
 * reference robot serving its actions (slow: a navigation takes 8 s, still running when a "stop" comes),
 * a microphone paced in real time, and every message of the session seen with its arrival time. Used by
 * the closed-loop emergency-stop tests.
 */
import { serveActions } from '../../adapters/actions/executor.js';
import { createRobotSimulator } from '../../adapters/actions/robot-simulator.js';
import { createRecordingSink } from '../../adapters/audio/recording-sink.js';
import { systemClock } from '../../adapters/clock.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { startPacedMic } from '../../sim/estop-audio.js';
import type { AppConfig } from '../../runtime/config.js';
import { buildEngines } from '../../runtime/engine-pool.js';
import { startSession } from '../../runtime/session-host.js';

export async function startRobotSession(
  config: AppConfig,
  sessionId: string,
  onMessage: (m: BusMessage) => void = () => {},
) {
  const clock = systemClock;
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  const sink = createRecordingSink(clock, config.audio.outputRateHz);
  const engines = await pool.bind({ bus, sessionId, sink, sinkKind: 'file' });
  const executor = serveActions({ bus, clock, handlers: createRobotSimulator({ clock, speedMps: 0.1 }).handlers });
  const seen: Array<{ atMs: number; m: BusMessage }> = [];
  bus.subscribe(bus.subjects.forSession(sessionId), (m) => {
    seen.push({ atMs: performance.now(), m });
    onMessage(m);
  });
  const session = startSession({ sessionId, bus, clock, engines, ...pool.runtime });
  await session.ready();
  const mic = startPacedMic(config.audio.inputRateHz, (frame) => session.pushAudio(frame, config.audio.inputRateHz));
  return {
    bus,
    engines,
    sink,
    session,
    mic,
    seen,
    async close() {
      await mic.stop();
      await session.stop();
      await executor.close();
      engines.release();
      await bus.close();
    },
  };
}
