/**
 * The young generation's size is a node start flag (server/young-generation.ts): the `voice-agent`
 * launcher lines, `npm start` and `npm run bench` pass it, and `serve` names the fix when it is missing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { serve } from '../../server/serve.js';
import { YOUNG_GENERATION_FLAG, youngGenerationAdvice, youngGenerationSized } from '../../server/young-generation.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

const projectFile = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('young generation', () => {
  it('is sized by the flag on the command line or in NODE_OPTIONS, at any size, in either spelling', () => {
    expect(youngGenerationSized([YOUNG_GENERATION_FLAG], undefined)).toBe(true);
    expect(youngGenerationSized(['--import', 'tsx', '--max_semi_space_size=64'], undefined)).toBe(true);
    expect(youngGenerationSized([], `--enable-source-maps ${YOUNG_GENERATION_FLAG}`)).toBe(true);
    expect(youngGenerationSized(['--max-old-space-size=4096'], '--max-semi-space-sizes=1')).toBe(false);
    expect(youngGenerationSized([], undefined)).toBe(false);
    expect(youngGenerationAdvice([YOUNG_GENERATION_FLAG], undefined)).toBeUndefined();
    expect(youngGenerationAdvice([], '')).toContain(`NODE_OPTIONS=${YOUNG_GENERATION_FLAG}`);
  });

  it('is passed by the installed command, npm start and the bench', () => {
    expect(projectFile('bin/voice-agent.ts').split('\n').slice(0, 2)).toEqual([
      '#!/bin/sh',
      `//usr/bin/env true; exec node ${YOUNG_GENERATION_FLAG} "$0" "$@"`,
    ]);
    const scripts = (JSON.parse(projectFile('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start']).toContain(YOUNG_GENERATION_FLAG);
    expect(scripts['bench']).toContain(YOUNG_GENERATION_FLAG);
  });

  it('serve warns, naming the flag, when the process was started without it, and is quiet with it', async () => {
    expect(youngGenerationSized(process.execArgv, undefined)).toBe(false); // vitest's workers run on node's defaults
    const warningsOfServe = async (nodeOptions: string) => {
      const saved = process.env['NODE_OPTIONS'];
      process.env['NODE_OPTIONS'] = nodeOptions;
      const lines: string[] = [];
      try {
        const config = loadConfig({ overrides: { ...FAKE_ENGINES, server: { port: 0 } } });
        const server = await serve({ config, log: createLogger({ level: 'info', write: (line) => lines.push(line) }) });
        await server.stop();
      } finally {
        if (saved === undefined) delete process.env['NODE_OPTIONS'];
        else process.env['NODE_OPTIONS'] = saved;
      }
      return lines
        .map((l) => JSON.parse(l) as { level: string; msg: string; fix?: string })
        .filter((l) => l.level === 'warn');
    };
    expect(await warningsOfServe('')).toEqual([
      expect.objectContaining({
        msg: "V8's young generation has its default size",
        fix: expect.stringContaining(`start node with ${YOUNG_GENERATION_FLAG}`),
      }),
    ]);
    expect(await warningsOfServe(YOUNG_GENERATION_FLAG)).toEqual([]);
  });
});
