/** The measurement window of the load scenarios: event-loop lag and CPU share of one core, in this process. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { round, type Percentiles } from './stats.js';

export interface WindowMeasure {
  loopLagMs: Percentiles;
  cpuPercent: number;
  /** Share of the window the main thread was busy (not waiting for I/O or timers), in %. */
  loopBusyPercent: number;
  /**
   * The same share in the window's busiest second. A load that comes in waves (clients whose turns
   * coincide) saturates the loop for seconds while the window's mean looks moderate: this shows it.
   */
  peakLoopBusyPercent: number;
  /**
   * The longest the loop kept its 1 ms lag timer waiting, ms. A stall of 40 ms is one sample of the lag
   * histogram, so its p99 hides a few of them; a turn that meets one waits that long.
   */
  longestStallMs: number;
  /** Full (mark-compact) collections on this thread in the window, and the longest one's pause, ms. */
  fullGcs: number;
  longestFullGcMs: number;
  /** Garbage-collection pauses on this thread (full and young), % of the window. */
  gcPercent: number;
}

/** Why 1 s: long enough to span a burst of turns, short enough not to average a wave away. */
const PEAK_SPAN_MS = 1000;

/** Starts measuring now; `stop()` returns the lag and CPU since. */
export function startWindow(): { stop(): WindowMeasure } {
  // Why 1 ms resolution: the targets are in single-digit ms; coarser sampling would hide them.
  const lag = monitorEventLoopDelay({ resolution: 1 });
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  const busy = performance.eventLoopUtilization();
  let spanStart = busy;
  /** Null until a whole second has passed: a shorter window's busiest second is its mean. */
  let peakBusy: number | null = null;
  const peakSampler = setInterval(() => {
    const now = performance.eventLoopUtilization();
    peakBusy = Math.max(peakBusy ?? 0, performance.eventLoopUtilization(now, spanStart).utilization);
    spanStart = now;
  }, PEAK_SPAN_MS);
  const profiler = startProfiler();
  const gcPauses: PerformanceEntry[] = [];
  const gcObserver = new PerformanceObserver((list) => void gcPauses.push(...list.getEntries()));
  gcObserver.observe({ entryTypes: ['gc'] });
  lag.enable();
  return {
    stop() {
      lag.disable();
      clearInterval(peakSampler);
      gcPauses.push(...gcObserver.takeRecords());
      gcObserver.disconnect();
      const full = gcPauses.filter(
        (e) =>
          (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
      );
      const wallMs = performance.now() - startedAt;
      const used = process.cpuUsage(cpu);
      const meanBusy = performance.eventLoopUtilization(busy).utilization;
      const measured = {
        loopLagMs: { p50: round(lag.percentile(50) / 1e6), p99: round(lag.percentile(99) / 1e6) },
        cpuPercent: round(((used.user + used.system) / 1000 / wallMs) * 100, 1),
        loopBusyPercent: round(meanBusy * 100, 1),
        peakLoopBusyPercent: round((peakBusy ?? meanBusy) * 100, 1),
        longestStallMs: round(lag.max / 1e6),
        fullGcs: full.length,
        longestFullGcMs: round(Math.max(0, ...full.map((e) => e.duration))),
        gcPercent: round((gcPauses.reduce((sum, e) => sum + e.duration, 0) / wallMs) * 100, 1),
      };
      profiler?.stop();
      return measured;
    },
  };
}

/**
 * Measures a window: loop lag, CPU share of one core, while `body` runs. With `BENCH_CPU_PROFILE=<dir>`
 * every window (and only the window: no start-up, no teardown) is also CPU-profiled into that directory,
 * for Chrome DevTools.
 */
export async function measureWindow<T>(body: () => Promise<T>): Promise<WindowMeasure & { result: T }> {
  const window = startWindow();
  const result = await body();
  return { result, ...window.stop() };
}

/** Starts the CPU profiler if `BENCH_CPU_PROFILE` names a directory; `stop()` writes the profile there. */
function startProfiler(): { stop(): void } | undefined {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return undefined;
  // An inspector session on this thread answers synchronously, so the window starts and ends exactly here.
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  return {
    stop() {
      session.post('Profiler.stop', (error, result) => {
        session.disconnect();
        if (error) return console.error(`  cpu profile failed: ${error.message}`);
        const file = join(dir, `window-${Date.now()}.cpuprofile`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, JSON.stringify(result.profile));
        console.error(`  cpu profile of the window: ${file}`);
      });
    },
  };
}
