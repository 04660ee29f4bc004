/**
 * `voice-agent robot-sim --nats URL [--prefix va] [--session ID|*]`: the reference robot
 * (adapters/actions/robot-simulator.ts) as a robot controller on NATS. It executes the `controller`
 * actions `move`, `turn`, `navigate` and `stop` that sessions ask for on `<prefix>.<session>.action.request`,
 * prints one line per step of each action's lifecycle on stdout, and stops on Ctrl-C (SIGINT) or SIGTERM:
 * an action still running then fails ("the executor stopped"), so no session waits for it.
 *
 * @example
 * ```sh
 * voice-agent serve --nats nats://127.0.0.1:4222 &
 * voice-agent robot-sim --nats nats://127.0.0.1:4222
 * # s1 a1 request navigate {"place":"kitchen"} (turn u2)
 * # s1 a1 accepted
 * # s1 a1 feedback {"action":"navigate","progress":0.07,"pose":{"x":0.21,"y":0.14,"headingDeg":56.3}}
 * # s1 a1 result {"place":"kitchen","pose":{"x":3,"y":2,"headingDeg":56.3,"place":"kitchen"}}
 * ```
 */
import { serveActions, type ActionServer } from '../../adapters/actions/executor.js';
import { createRobotSimulator } from '../../adapters/actions/robot-simulator.js';
import { systemClock } from '../../adapters/clock.js';
import type { BusMessage, MessageBus, Subscription } from '../../bus/index.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { assertToken } from '../../bus/subjects.js';
import { loadConfig } from '../../runtime/config.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

export interface RobotSimOptions {
  /** NATS server URL(s), comma separated. */
  nats: string;
  prefix: string;
  /** One session, or `*` for every session on the bus. */
  sessionId: string;
  /** One line per lifecycle step (default: stdout). */
  write?: (line: string) => void;
}

export interface RobotSim {
  readonly bus: MessageBus;
  readonly server: ActionServer;
  /** Fails what still runs, closes the connection. */
  stop(): Promise<void>;
}

/** One line for an action message: `<session> <action> <step> <detail>`. */
export function describeActionMessage(message: BusMessage, handled: (name: string) => boolean): string | undefined {
  if (!message.type.startsWith('action.') || !('actionId' in message)) return undefined;
  const head = `${message.sessionId} ${message.actionId} ${message.type.slice('action.'.length)}`;
  switch (message.type) {
    case 'action.request':
      return `${head} ${message.name} ${JSON.stringify(message.arguments)} (turn ${message.turnId})${
        message.runsOn !== 'controller'
          ? ` — runs on the ${message.runsOn}, not here`
          : handled(message.name)
            ? ''
            : ' — not a robot action, left to another controller'
      }`;
    case 'action.feedback':
      return `${head} ${JSON.stringify(message.feedback)}`;
    case 'action.result':
      return `${head} ${JSON.stringify(message.result)}`;
    case 'action.failed':
      return `${head} ${message.error}`;
    case 'action.rejected':
    case 'action.cancel':
      return `${head} (${message.reason})`;
    default:
      return head;
  }
}

/** Connects to NATS and serves the simulated robot until `stop()`. */
export async function startRobotSim(options: RobotSimOptions): Promise<RobotSim> {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const clock = systemClock;
  const transport = await connectNatsTransport({ servers: options.nats, name: `voice-agent-robot-sim-${process.pid}` });
  const bus = createMessageBus(transport, { clock, prefix: options.prefix });
  const robot = createRobotSimulator({ clock });
  const handled = (name: string) => Object.hasOwn(robot.handlers, name);
  const subject =
    options.sessionId === '*'
      ? bus.subjects.allSessions('action', '*')
      : bus.subjects.forStage(options.sessionId, 'action');
  const log: Subscription = bus.subscribe(subject, (message) => {
    const line = describeActionMessage(message, handled);
    if (line) write(line);
  });
  const server = serveActions({
    bus,
    clock,
    handlers: robot.handlers,
    sessionId: options.sessionId,
    runsOn: 'controller',
  });
  await bus.flush();
  const where = options.sessionId === '*' ? 'every session' : `session ${options.sessionId}`;
  write(
    `robot-sim: serving ${Object.keys(robot.handlers).join(', ')} for ${where} on ${options.nats} (${subject}); ` +
      `Ctrl-C stops`,
  );
  let stopping: Promise<void> | undefined;
  return {
    bus,
    server,
    stop() {
      stopping ??= (async () => {
        await server.close();
        log.unsubscribe();
        await bus.close();
        write('robot-sim: stopped');
      })();
      return stopping;
    },
  };
}

export async function runRobotSimCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, {
    nats: { type: 'string' },
    prefix: { type: 'string' },
    session: { type: 'string' },
    ...CONFIG_OPTION,
  });
  const overrides = {
    nats: { ...(values.nats ? { servers: values.nats } : {}), ...(values.prefix ? { prefix: values.prefix } : {}) },
  };
  const config = loadConfig({ env: process.env, overrides, ...(values.config ? { file: values.config } : {}) });
  const nats = config.nats.servers;
  if (!nats)
    throw new UsageError(
      'the simulated robot is a controller on NATS: give --nats URL or set nats.servers (VA_NATS__SERVERS)',
    );
  const sessionId = values.session ?? '*';
  if (sessionId !== '*') {
    try {
      assertToken('--session', sessionId);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const sim = await startRobotSim({ nats, prefix: config.nats.prefix, sessionId });
  await new Promise<void>((resolve) => {
    const stop = () => void sim.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
