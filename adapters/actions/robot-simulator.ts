/**
 * The reference robot: handlers for the robot grammar's actions (`move`, `turn`, `navigate`, `stop`)
 * that take as long as a small indoor robot would, report progress and position every
 * {@link ROBOT_DEFAULTS.feedbackEveryMs}, and stop at once when cancelled, saying where. Each session
 * drives its own robot (its pose is kept between actions). Time is the given clock, slept in whole ms,
 * so tests run it on the manual clock.
 *
 * Serve it with {@link serveActions}: in-process for tests and the demo, or as a controller on NATS
 * (`voice-agent robot-sim --nats URL`).
 *
 * @example
 * ```ts
 * const robot = createRobotSimulator({ clock });
 * const server = serveActions({ bus, handlers: robot.handlers, sessionId: '*' });
 * // after "go to the kitchen": robot.pose('s1') → { x: 3, y: 2, headingDeg: 56.3, place: 'kitchen' }
 * ```
 */
import { systemClock, type Clock } from '../clock.js';
import type { ActionContext, ActionHandler } from './executor.js';

/** Named places of the simulated room, in metres from the charger. */
export const ROBOT_PLACES = {
  kitchen: { x: 3, y: 2 },
  door: { x: -2, y: 4 },
  charger: { x: 0, y: 0 },
  table: { x: 2, y: -1 },
} as const;
export type RobotPlace = keyof typeof ROBOT_PLACES;

/** Each figure with its reason. */
export const ROBOT_DEFAULTS = {
  /** Why 0.5 m/s: a cautious indoor robot around people (a walking pace is ~1.4 m/s). */
  speedMps: 0.5,
  /** Why 90°/s: a quarter turn in a second, as a small differential-drive base turns in place. */
  turnDegPerS: 90,
  /** Why 4–8 s: a navigation plans, turns and drives across a room; never instant, never stuck. */
  navigateMinMs: 4_000,
  navigateMaxMs: 8_000,
  /** Why 500 ms: twice a second is enough to show progress without flooding the bus. */
  feedbackEveryMs: 500,
  /** Why 10,000: sessions remembered at once; past it the oldest idle robot is forgotten. */
  maxRobots: 10_000,
} as const;

/** Where a robot is: metres from the charger, heading in degrees (0 = along +y, clockwise), the place it reached. */
export interface RobotPose {
  x: number;
  y: number;
  headingDeg: number;
  place?: RobotPlace;
}

export interface RobotSimulatorOptions {
  clock?: Clock;
  speedMps?: number;
  turnDegPerS?: number;
  feedbackEveryMs?: number;
  /** Where every new robot starts (default: at the charger, facing +y). */
  start?: RobotPose;
}

export interface RobotSimulator {
  /** `move`, `turn`, `navigate` and `stop`, for {@link serveActions}. */
  readonly handlers: Readonly<Record<'move' | 'turn' | 'navigate' | 'stop', ActionHandler>>;
  /** The pose of the session's robot (a new robot's start pose if it never moved). */
  pose(sessionId: string): RobotPose;
  /** The action the session's robot is doing, if any. */
  busy(sessionId: string): string | undefined;
}

interface Robot {
  pose: RobotPose;
  motion?: { name: string; stop(reason: string): void };
}

const round = (value: number, step: number) => Math.round(value / step) * step;
/** Centimetres and tenths of a degree: what a feedback message or a result reports. */
function shown(pose: RobotPose): RobotPose {
  const out: RobotPose = { x: round(pose.x, 0.01), y: round(pose.y, 0.01), headingDeg: round(pose.headingDeg, 0.1) };
  for (const k of ['x', 'y', 'headingDeg'] as const) out[k] = Number(out[k].toFixed(2)) + 0; // no -0
  if (pose.place) out.place = pose.place;
  return out;
}
const normalize = (deg: number) => ((deg % 360) + 360) % 360;

function choice<T extends string>(args: Record<string, unknown>, key: string, values: readonly T[]): T {
  const value = args[key];
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  throw new Error(`${key} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
}
function numberIn(args: Record<string, unknown>, key: string, min: number, max: number, fallback?: number): number {
  const value = args[key] ?? fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
  throw new Error(`${key} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
}

/** Creates a simulator; its robots live as long as it does. */
export function createRobotSimulator(options: RobotSimulatorOptions = {}): RobotSimulator {
  const clock = options.clock ?? systemClock;
  const speedMps = options.speedMps ?? ROBOT_DEFAULTS.speedMps;
  const turnDegPerS = options.turnDegPerS ?? ROBOT_DEFAULTS.turnDegPerS;
  const feedbackEveryMs = Math.max(1, Math.round(options.feedbackEveryMs ?? ROBOT_DEFAULTS.feedbackEveryMs));
  const start: RobotPose = options.start ?? { x: 0, y: 0, headingDeg: 0, place: 'charger' };
  const robots = new Map<string, Robot>();

  const robotOf = (sessionId: string): Robot => {
    let robot = robots.get(sessionId);
    if (!robot) {
      if (robots.size >= ROBOT_DEFAULTS.maxRobots) {
        for (const [id, r] of robots)
          if (!r.motion) {
            robots.delete(id);
            break;
          }
      }
      robot = { pose: { ...start } };
      robots.set(sessionId, robot);
    }
    return robot;
  };

  /**
   * Runs one motion of `durationMs` whose pose at a fraction of it is `at(fraction)`: feedback every
   * `feedbackEveryMs`, the pose updated as it goes. A cancel (the context's signal), a `stop` or a newer
   * motion ends it at once where it is, reported as a last feedback; the handler then throws.
   */
  async function motion(
    name: string,
    context: ActionContext,
    durationMs: number,
    at: (fraction: number) => RobotPose,
  ): Promise<void> {
    const robot = robotOf(context.sessionId);
    robot.motion?.stop(`preempted by ${name}`);
    const startMs = clock.now();
    const totalMs = Math.max(1, Math.round(durationMs));
    const fractionNow = () => Math.min(1, (clock.now() - startMs) / totalMs);
    let timer: unknown;
    let wake: ((stoppedBy?: string) => void) | undefined;
    const stop = (reason: string) => {
      if (robot.motion !== current) return;
      robot.motion = undefined;
      clock.clearTimeout(timer);
      const fraction = fractionNow();
      robot.pose = at(fraction);
      delete robot.pose.place;
      context.feedback({
        action: name,
        stopped: true,
        reason,
        progress: round(fraction, 0.01),
        pose: shown(robot.pose),
      });
      wake?.(reason);
    };
    const current = { name, stop };
    robot.motion = current;
    const onAbort = () => stop(context.signal.reason instanceof Error ? context.signal.reason.message : 'cancelled');
    if (context.signal.aborted) onAbort();
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (let elapsedMs = 0; elapsedMs < totalMs;) {
        const stepMs = Math.min(feedbackEveryMs, totalMs - elapsedMs);
        const stoppedBy = await new Promise<string | undefined>((resolve) => {
          if (robot.motion !== current) return resolve('stopped');
          wake = resolve;
          timer = clock.setTimeout(() => resolve(undefined), stepMs);
        });
        if (stoppedBy !== undefined)
          throw new Error(`${name} stopped (${stoppedBy}) at ${JSON.stringify(shown(robot.pose))}`);
        elapsedMs += stepMs;
        robot.pose = at(elapsedMs / totalMs);
        if (elapsedMs < totalMs)
          context.feedback({ action: name, progress: round(elapsedMs / totalMs, 0.01), pose: shown(robot.pose) });
      }
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      if (robot.motion === current) robot.motion = undefined;
    }
  }

  const handlers: RobotSimulator['handlers'] = {
    async move(args, context) {
      const direction = choice(args, 'direction', ['forward', 'backward'] as const);
      const meters = numberIn(args, 'meters', 0.1, 5);
      const from = { ...robotOf(context.sessionId).pose };
      const sign = direction === 'forward' ? 1 : -1;
      const rad = (from.headingDeg * Math.PI) / 180;
      await motion('move', context, (meters / speedMps) * 1_000, (f) => ({
        x: from.x + sign * meters * f * Math.sin(rad),
        y: from.y + sign * meters * f * Math.cos(rad),
        headingDeg: from.headingDeg,
      }));
      return { direction, meters, pose: shown(robotOf(context.sessionId).pose) };
    },
    async turn(args, context) {
      const direction = choice(args, 'direction', ['left', 'right'] as const);
      const degrees = numberIn(args, 'degrees', 1, 360, 90);
      const from = { ...robotOf(context.sessionId).pose };
      const sign = direction === 'right' ? 1 : -1;
      await motion('turn', context, (degrees / turnDegPerS) * 1_000, (f) => ({
        x: from.x,
        y: from.y,
        headingDeg: normalize(from.headingDeg + sign * degrees * f),
      }));
      const pose = robotOf(context.sessionId).pose;
      if (from.place) pose.place = from.place; // turning in place does not leave it
      return { direction, degrees, pose: shown(pose) };
    },
    async navigate(args, context) {
      const place = choice(args, 'place', Object.keys(ROBOT_PLACES) as RobotPlace[]);
      const from = { ...robotOf(context.sessionId).pose };
      const to = ROBOT_PLACES[place];
      const distance = Math.hypot(to.x - from.x, to.y - from.y);
      const headingDeg =
        distance > 0 ? normalize((Math.atan2(to.x - from.x, to.y - from.y) * 180) / Math.PI) : from.headingDeg;
      const durationMs = Math.min(
        ROBOT_DEFAULTS.navigateMaxMs,
        Math.max(ROBOT_DEFAULTS.navigateMinMs, (distance / speedMps) * 1_000),
      );
      await motion('navigate', context, durationMs, (f) => ({
        x: from.x + (to.x - from.x) * f,
        y: from.y + (to.y - from.y) * f,
        headingDeg,
      }));
      const pose = robotOf(context.sessionId).pose;
      pose.place = place;
      return { place, pose: shown(pose) };
    },
    stop(_args, context) {
      const robot = robotOf(context.sessionId);
      const stopped = robot.motion?.name ?? null;
      robot.motion?.stop('stop');
      return { stopped, pose: shown(robot.pose) };
    },
  };

  return {
    handlers,
    pose: (sessionId) => shown(robotOf(sessionId).pose),
    busy: (sessionId) => robots.get(sessionId)?.motion?.name,
  };
}
