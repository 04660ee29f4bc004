/**
 * The reference robot in-process (`actions.simulate`): on an in-process bus nothing else can execute a
 * `controller` action, so the simulator does, for every session of the process. Over NATS it is not
 * started: a real controller, or `voice-agent robot-sim --nats URL`, attaches to the bus instead, and two
 * executors would both move for one command.
 *
 * @example
 * ```ts
 * const robot = startSimulatedRobot({ config, bus, clock, declared: pool.runtime.config.declaredActions });
 * // … at shutdown, before the bus closes
 * await robot?.close();
 * ```
 */
import type { ActionDeclaration } from '../adapters/actions/declaration.js';
import { serveActions, type ActionHandler, type ActionServer } from '../adapters/actions/executor.js';
import { createRobotSimulator } from '../adapters/actions/robot-simulator.js';
import type { Clock } from '../adapters/clock.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';

export interface SimulatedRobotOptions {
  config: Pick<AppConfig, 'actions'>;
  bus: MessageBus;
  clock: Clock;
  /** The declared actions: the simulator serves those it has a handler for and that run on a controller. */
  declared: readonly ActionDeclaration[];
  log?: Logger;
}

/** Starts the simulator when `actions.simulate` is on and the bus is in-process; else `undefined`. */
export function startSimulatedRobot({
  config,
  bus,
  clock,
  declared,
  log,
}: SimulatedRobotOptions): ActionServer | undefined {
  if (!config.actions.simulate) return undefined;
  if (bus.transport.kind !== 'memory') {
    log?.info('actions.simulate applies to an in-process bus only: on ' + 'NATS, attach a controller', {
      example: 'voice-agent robot-sim --nats <url>',
    });
    return undefined;
  }
  const robot = createRobotSimulator({ clock });
  const all: Readonly<Record<string, ActionHandler>> = robot.handlers;
  const names = declared.filter((a) => a.runsOn === 'controller' && Object.hasOwn(all, a.name)).map((a) => a.name);
  if (names.length === 0) return undefined;
  log?.info('simulated robot executes the controller actions', { actions: names });
  return serveActions({
    bus,
    clock,
    runsOn: 'controller',
    handlers: Object.fromEntries(names.map((n) => [n, all[n]!])),
  });
}
