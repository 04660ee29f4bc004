import { describe, expect, it } from 'vitest';
import { importedModules, tierOf } from '../tiers.js';

describe('test tiers', () => {
  it('puts a file that imports only code and fakes in the unit tier', () => {
    expect(
      tierOf(
        'test/bus/codec.test.ts',
        "import { encodeMessage } from '../../bus/codec.js';\nimport { it } from 'vitest';",
      ),
    ).toBe('unit');
  });

  it('puts the exhaustive chart walks of test/model in the model tier', () => {
    expect(tierOf('test/model/session-model.test.ts', "import { getAdjacencyMap } from 'xstate/graph';")).toBe('model');
    expect(tierOf('test/machines/barge-in.test.ts', "import { getAdjacencyMap } from 'xstate/graph';")).toBe('unit');
  });

  it('puts real servers, files, processes, sockets and engines in the integration tier', () => {
    const cases = [
      "import { startNatsServer } from '../../sim/nats-server.js';",
      "import { openRecordStore } from '../../server/records/index.js';",
      "import { spawn } from 'node:child_process';",
      "import {\n  createServer,\n  type Server,\n} from 'node:http';",
      "const { createPocketsphinxStt } = await import('../../adapters/stt/pocketsphinx.js');",
      "import { loadHumanSpeech } from '../../sim/human-speech.js';",
      "import { buildEngines } from '../../runtime/engine-pool.js';",
    ];
    for (const source of cases) expect(tierOf('test/x/y.test.ts', source), source).toBe('integration');
    expect(tierOf('bench/test/doc-tables.test.ts', "import { renderDoc } from '../doc-tables.js';")).toBe(
      'integration',
    );
  });

  it('puts a browser, the Realtime client libraries and test/e2e in the e2e tier', () => {
    expect(tierOf('test/web/page.test.ts', "import { chromium } from 'playwright-core';")).toBe('e2e');
    expect(tierOf('test/server/x.test.ts', "import OpenAI from 'openai';")).toBe('e2e');
    expect(tierOf('test/server/x.test.ts', "import { OpenAIRealtimeWS } from 'openai-v7/realtime/ws';")).toBe('e2e');
    expect(tierOf('test/server/x.test.ts', "import { RealtimeSession } from '@openai/agents-realtime';")).toBe('e2e');
    expect(tierOf('test/e2e/closed-loop.test.ts', "import { it } from 'vitest';")).toBe('e2e');
  });

  it('reads static, multi-line, side-effect and dynamic imports, and not an import written in a string', () => {
    const source =
      "import 'a';\nimport {\n  b,\n} from 'b';\nexport { c } from 'c';\nconst d = await import('d');\nconst e = " +
      '"import OpenAI from \'openai\';";';
    expect(importedModules(source)).toEqual(['a', 'b', 'c', 'd']);
  });
});
