import { describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { ManualClock } from '../../adapters/testing/index.js';
import { loadConfig } from '../../runtime/config.js';
import { decodeThreads } from '../../runtime/engines.js';

describe('the threads pocketsphinx decodes on', () => {
  it('are stt.threads on the wall clock, and none on a simulated clock or none given', () => {
    const config = loadConfig({ overrides: { stt: { threads: 3 } } });
    expect(decodeThreads(config, systemClock)).toBe(3);
    expect(decodeThreads(config, new ManualClock())).toBe(0);
    expect(decodeThreads(config, undefined)).toBe(0);
  });
});
