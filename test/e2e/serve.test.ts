/**
 * `voice-agent serve` as a real process on a real nats-server: a "robot" in this test process publishes
 * microphone frames and plays the session's audio.out, and a STOP clears its speaker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';

let server: NatsServerHandle;
let bus: MessageBus;
let child: ChildProcess;
let stderr = '';
let stdout = '';
const seen: BusMessage[] = [];

const waitFor = async (what: string, check: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; serve stderr:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const ofType = <T extends BusMessage['type']>(type: T, session = 'r1') =>
  seen.filter((m): m is Extract<BusMessage, { type: T }> => m.type === type && m.sessionId === session);

beforeAll(async () => {
  server = await startNatsServer();
  bus = createMessageBus(await connectNatsTransport({ servers: server.url }), { clock: systemClock });
  for (const type of ['audio.out', 'audio.clear', 'session.history', 'session.state'] as const) {
    bus.subscribe(`va.*.${type}`, (m) => seen.push(m as BusMessage));
  }
  await bus.flush();
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/voice-agent.ts',
      'serve',
      '--sessions',
      'r1,r2',
      '--nats',
      server.url,
      '--port',
      '0',
      '--db',
      ':memory:',
    ],
    {
      env: {
        ...process.env,
        VA_VAD__ENGINE: 'fake',
        VA_STT__ENGINE: 'fake',
        VA_STT__FAKE_TRANSCRIPTS: '["hello robot"]',
        VA_LLM__ENGINE: 'fake',
        VA_LLM__FAKE_REPLY: 'Hello human, here is a rather long answer that keeps going for quite a while.',
        VA_TTS__ENGINES: '[{"engine":"fake","latencyMs":20,"msPerWord":200}]',
        VA_TTS__PHRASES: '[]',
        VA_SERVER__DRAIN_TIMEOUT_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr!.on('data', (d) => (stderr += String(d)));
  child.stdout!.on('data', (d) => (stdout += String(d)));
  await waitFor('serve to start', () => stdout.includes('voice-agent serving on http://127.0.0.1:'));
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await bus?.close();
  await server?.stop();
});

describe('voice-agent serve', () => {
  it('logs, as JSON lines, the subjects a device uses', () => {
    const lines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'session ready for a device on the bus' && l.sessionId === 'r1')).toMatchObject({
      microphone: 'va.r1.audio.frame',
      speaker: 'va.r1.audio.out',
    });
    expect(lines.find((l) => l.msg === 'serving')).toMatchObject({ bus: server.url, sessions: 2 });
  });

  it('answers microphone audio with speaker frames, and a STOP clears the speaker', async () => {
    // 600 ms of speech then silence, in real time, as a robot's microphone would send it.
    const frames = [
      ...Array(30).fill(makeSpeechFrame(16_000, 20, 2)),
      ...Array(60).fill(makeSilenceFrame(16_000, 20)),
    ] as Uint8Array[];
    let seq = 0;
    for (const audio of frames) {
      bus.publish({ type: 'audio.frame', sessionId: 'r1', turnId: '-', seq: seq++, sampleRateHz: 16_000, audio });
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor('reply audio', () => ofType('audio.out').length >= 20);
    const out = ofType('audio.out');
    expect(out.every((m) => m.turnId === 'u1' && m.sampleRateHz === 16_000 && m.audio.byteLength === 640)).toBe(true);
    expect(out.map((m) => m.seq)).toEqual(out.map((_, i) => i));

    bus.publish({ type: 'control.stop', sessionId: 'r1', turnId: '-' });
    await waitFor('audio.clear', () => ofType('audio.clear').length === 1);
    await waitFor('the interrupted reply in history', () =>
      ofType('session.history').some((m) => m.role === 'assistant'),
    );
    const framesAtClear = ofType('audio.out').length;
    await new Promise((r) => setTimeout(r, 300));
    // Not one frame after the clear, and the history keeps only part of the long reply, marked interrupted.
    expect(ofType('audio.out')).toHaveLength(framesAtClear);
    const reply = ofType('session.history').find((m) => m.role === 'assistant')!;
    expect(reply.interrupted).toBe(true);
    expect(reply.text.length).toBeLessThan(
      'Hello human, here is a rather long answer that keeps going for quite a while.'.length,
    );
    expect(ofType('session.history').find((m) => m.role === 'user')?.text).toBe('hello robot');
    // Session r2 heard nothing and said nothing.
    expect(ofType('audio.out', 'r2')).toEqual([]);
    expect(ofType('session.history', 'r2')).toEqual([]);
  }, 30_000);

  it('ends its sessions and exits on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(ofType('session.state', 'r2').at(-1)?.value).toBe('ended');
  });
});
