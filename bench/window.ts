/** The measurement window of the load scenarios: event-loop lag and CPU share of one core, in this process. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { round, type Percentiles } from './stats.js';

export interface WindowMeasure {
  loopLagMs: Percentiles;
  cpuPercent: number;
}

/** Starts measuring now; `stop()` returns the lag and CPU since. */
export function startWindow(): { stop(): WindowMeasure } {
  // Why 1 ms resolution: the targets are in single-digit ms; coarser sampling would hide them.
  const lag = monitorEventLoopDelay({ resolution: 1 });
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  lag.enable();
  return {
    stop() {
      lag.disable();
      const wallMs = performance.now() - startedAt;
      const used = process.cpuUsage(cpu);
      return {
        loopLagMs: { p50: round(lag.percentile(50) / 1e6), p99: round(lag.percentile(99) / 1e6) },
        cpuPercent: round(((used.user + used.system) / 1000 / wallMs) * 100, 1),
      };
    },
  };
}

/** Measures a window: loop lag, CPU share of one core, while `body` runs. */
export async function measureWindow<T>(body: () => Promise<T>): Promise<WindowMeasure & { result: T }> {
  const window = startWindow();
  const result = await body();
  return { result, ...window.stop() };
}
