/**
 * Hosts sessions on NATS for devices in other processes: a robot publishes its microphone on
 * `<prefix>.<session>.audio.frame`, plays `<prefix>.<session>.audio.out` and flushes its speaker on
 * `<prefix>.<session>.audio.clear`; any process steers a session with `user.text`, `control.say`,
 * `control.stop`, `control.end` and watches `session.*` and `intent.*`. Engines come from the
 * configuration (local, OpenAI-compatible, or `remote` workers on the same NATS server).
 *
 * @example
 * ```ts
 * const host = await serveSessions({ config: loadConfig({ env: process.env }), nats: 'nats://127.0.0.1:4222', sessionIds: ['robot-1'] });
 * // … later
 * await host.stop();
 * ```
 */
import { createBusSink } from '../adapters/audio/bus-sink.js';
import { systemClock } from '../adapters/clock.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import { connectNatsTransport } from '../bus/nats-transport.js';
import { sessionOptionsFrom, type AppConfig } from './config.js';
import { buildSessionEngines } from './engines.js';
import { startSession, type SessionHandle } from './session-host.js';

export interface ServeOptions {
  config: AppConfig;
  /** NATS server URL(s), comma separated. */
  nats: string;
  sessionIds: string[];
  prefix?: string;
  log?: (line: string) => void;
}

export interface SessionServer {
  readonly bus: MessageBus;
  readonly sessions: readonly SessionHandle[];
  /** Ends every session (END), then drains the NATS connection. */
  stop(): Promise<void>;
}

export async function serveSessions(options: ServeOptions): Promise<SessionServer> {
  const { config } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = systemClock;
  const transport = await connectNatsTransport({ servers: options.nats, name: 'voice-agent-serve' });
  const bus = createMessageBus(transport, { clock, prefix: options.prefix ?? config.nats.prefix });
  const sessions: SessionHandle[] = [];
  try {
    for (const sessionId of options.sessionIds) {
      const sink = createBusSink({ bus, clock, sessionId, sampleRateHz: config.audio.outputRateHz });
      const engines = await buildSessionEngines(config, { bus, clock, sessionId, sink });
      const session = startSession({ sessionId, bus, clock, engines, ...sessionOptionsFrom(config) });
      sessions.push(session);
      await session.ready();
      log(
        `session ${sessionId}: microphone → ${bus.prefix}.${sessionId}.audio.frame (s16le mono, ${config.audio.inputRateHz} Hz), ` +
          `speaker ← ${bus.prefix}.${sessionId}.audio.out / audio.clear (${config.audio.outputRateHz} Hz)`,
      );
    }
  } catch (error) {
    for (const s of sessions) await s.stop();
    await bus.close();
    throw error;
  }
  log(`serving ${sessions.length} session(s) on ${options.nats}; steer with ${bus.prefix}.<session>.user.text|control.say|control.stop|control.end`);
  return {
    bus,
    sessions,
    async stop() {
      for (const s of sessions) await s.stop();
      await bus.close();
    },
  };
}
