/** `voice-agent worker tts` as a real process, configured through VA_ variables, serving a remote TTS. */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { createRemoteTts } from '../../adapters/remote/remote-engines.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';

let server: NatsServerHandle;
let bus: MessageBus;

beforeAll(async () => {
  server = await startNatsServer();
  bus = createMessageBus(await connectNatsTransport({ servers: server.url }), { clock: systemClock });
});

afterAll(async () => {
  await bus?.close();
  await server?.stop();
});

describe('voice-agent worker', () => {
  it('serves the configured TTS engine and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bin/voice-agent.ts', 'worker', 'tts', '--nats', server.url],
      {
        env: {
          ...process.env,
          VA_TTS__ENGINES: '[{"engine":"fake","latencyMs":5,"msPerWord":50}]',
          VA_AUDIO__OUTPUT_RATE_HZ: '16000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 20_000;
    const logLines = () =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    while (!logLines().some((l) => l.msg === 'worker serving') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(logLines().find((l) => l.msg === 'worker serving')).toMatchObject({
      level: 'info',
      subject: 'va.*.tts.request',
      queue: 'tts-workers',
      engine: 'fake-tts+cache',
    });

    const tts = createRemoteTts({ bus, clock: systemClock, sessionId: 'cli', sampleRateHz: 16_000 });
    let bytes = 0;
    for await (const chunk of tts.synthesize({ text: 'four words right here', signal: new AbortController().signal }))
      bytes += chunk.byteLength;
    expect(bytes).toBe(4 * 50 * 32);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logLines().find((l) => l.msg === 'worker stopped')).toMatchObject({ served: 1, failed: 0 });
  }, 60_000);

  it('without a stage, says how to use it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', 'worker'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('missing the stage (tts, llm or stt)');
    expect(stderr).toContain('usage: voice-agent worker <tts|llm|stt>');
  }, 60_000);
});
