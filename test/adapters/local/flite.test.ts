import { describe, expect, it, vi } from 'vitest';
import { rmsLevel } from '../../../adapters/audio/pcm.js';
import { EngineError } from '../../../adapters/engine-error.js';
import { createFliteTts, stopFliteWorkers } from '../../../adapters/tts/flite.js';

const collect = async (iterable: AsyncIterable<Uint8Array>, stopAfter = Infinity, controller?: AbortController) => {
  const chunks: Uint8Array[] = [];
  for await (const c of iterable) {
    chunks.push(c);
    if (chunks.length >= stopAfter) controller?.abort();
  }
  return chunks;
};

describe('flite TTS (WASI)', () => {
  it('speaks a sentence as 16 kHz audio of plausible length, in 100 ms chunks', async () => {
    const tts = createFliteTts();
    await tts.warmUp!();
    const chunks = await collect(
      tts.synthesize({ text: 'Move forward two meters, then turn left.', signal: new AbortController().signal }),
    );
    const bytes = chunks.reduce((n, c) => n + c.byteLength, 0);
    const seconds = bytes / 2 / tts.sampleRateHz;
    expect(tts.sampleRateHz).toBe(16_000);
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(5);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks[0]!.byteLength).toBe(3200);
    expect(Math.max(...chunks.map((c) => rmsLevel(c)))).toBeGreaterThan(0.02);
  });

  it('stops between sentences when aborted', async () => {
    const tts = createFliteTts();
    const text = 'First sentence here. Second sentence here. Third sentence here.';
    const full = await collect(tts.synthesize({ text, signal: new AbortController().signal }));
    const controller = new AbortController();
    const cut = await collect(tts.synthesize({ text, signal: controller.signal }), 2, controller);
    expect(cut.length).toBe(2);
    expect(full.length).toBeGreaterThan(cut.length * 3);
  });

  it('synthesizes on a worker thread: the event loop never runs flite', async () => {
    // The project compiles without the DOM typings, which declare the WebAssembly global.
    const wasm = (globalThis as unknown as { WebAssembly: { instantiate(...args: unknown[]): Promise<unknown> } })
      .WebAssembly;
    const instantiate = vi.spyOn(wasm, 'instantiate');
    try {
      const tts = createFliteTts();
      const chunks = await collect(
        tts.synthesize({ text: 'Turn left. Then stop.', signal: new AbortController().signal }),
      );
      expect(chunks.length).toBeGreaterThan(5);
      expect(instantiate).not.toHaveBeenCalled();
    } finally {
      instantiate.mockRestore();
    }
  });

  it('a sentence whose worker is lost fails as retryable, and the next request gets a new worker', async () => {
    const tts = createFliteTts();
    await tts.warmUp!();
    const lost = collect(
      tts.synthesize({ text: 'This sentence loses its worker.', signal: new AbortController().signal }),
    );
    await stopFliteWorkers();
    const error = await lost.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/flite worker stopped/);
    const again = await collect(tts.synthesize({ text: 'Still here.', signal: new AbortController().signal }));
    expect(again.length).toBeGreaterThan(3);
  });

  it('names the voices it has', () => {
    expect(() => createFliteTts({ voice: 'nobody' })).toThrow(/use one of kal16, kal, slt, rms, awb/);
  });
});
