import { afterEach, describe, expect, it, vi } from 'vitest';

// serve sets a process-wide V8 flag: the test records it instead of changing this worker's collector.
const setFlagsFromString = vi.hoisted(() => vi.fn<(flags: string) => void>());
vi.mock('node:v8', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:v8')>()),
  setFlagsFromString,
}));

const { ConfigError, loadConfig } = await import('../../runtime/config.js');
const { applyHeapGrowth, heapGrowthFlag } = await import('../../server/heap-growth.js');
const { silentLogger } = await import('../../runtime/logger.js');
const { serve } = await import('../../server/serve.js');
const { FAKE_ENGINES } = await import('../support/fake-config.js');

afterEach(() => setFlagsFromString.mockClear());

describe('server.heapGrowthPercent', () => {
  it('defaults to 100 and is read from VA_SERVER__HEAP_GROWTH_PERCENT', () => {
    expect(loadConfig().server.heapGrowthPercent).toBe(100);
    expect(loadConfig({ env: { VA_SERVER__HEAP_GROWTH_PERCENT: '0' } }).server.heapGrowthPercent).toBe(0);
  });

  it('rejects a negative or fractional growth, naming the setting', () => {
    expect(() => loadConfig({ env: { VA_SERVER__HEAP_GROWTH_PERCENT: '-1' } })).toThrow(ConfigError);
    expect(() => loadConfig({ overrides: { server: { heapGrowthPercent: 12.5 } } })).toThrow(
      /server\.heapGrowthPercent/,
    );
    expect(() => heapGrowthFlag(-1)).toThrow(/whole number ≥ 0.*0 leaves V8's own heuristic/);
  });

  it('becomes the V8 flag, 0 handing the choice back to V8', () => {
    applyHeapGrowth(250);
    applyHeapGrowth(0);
    expect(setFlagsFromString.mock.calls).toEqual([['--heap-growing-percent=250'], ['--heap-growing-percent=0']]);
  });

  it('is applied by serve before it builds anything', async () => {
    const config = loadConfig({
      overrides: { ...FAKE_ENGINES, server: { port: 0, logLevel: 'error', heapGrowthPercent: 150 } },
    });
    const server = await serve({ config, log: silentLogger });
    try {
      expect(setFlagsFromString).toHaveBeenCalledWith('--heap-growing-percent=150');
    } finally {
      await server.stop();
    }
  });
});
