/**
 * The flite synthesizer on a worker thread (see flite.ts): one sentence per job, each a fresh run of the
 * WASI program (a WASI command runs once), the module compiled once per worker. The WAV it wrote goes back
 * to the main thread (transferred), with the exit code and the program's output for errors.
 *
 * Run as a worker only: `new Worker(url, { workerData: { wasmPath } })` (flite.ts starts it).
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createWasiMemoryHost } from './wasi-memory-host.js';

/** Main thread → worker: flite's command line for one sentence. */
export interface FliteJob {
  id: number;
  args: string[];
}

/** Worker → main thread: what the run produced, or why it could not run. */
export type FliteReply =
  { id: number; code: number; wav: Uint8Array | undefined; output: string } | { id: number; error: string };

/** The slice of the WebAssembly global used here (this project compiles without the DOM typings). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const port = parentPort;
if (port) {
  const { wasmPath } = workerData as { wasmPath: string };
  const compiled = wasmApi.compile(readFileSync(wasmPath));
  // A failed compile fails every job, with the reason; nothing is left unhandled meanwhile.
  compiled.catch(() => {});
  port.on('message', (job: FliteJob) => {
    void (async () => {
      let reply: FliteReply;
      try {
        const host = createWasiMemoryHost({ args: job.args, preopen: '/out' });
        const instance = await wasmApi.instantiate(await compiled, host.imports);
        const code = host.start(instance);
        // The file is a view into the host's growing buffer: a copy of its own here (on this thread) is
        // then handed over whole, so the main thread copies nothing.
        reply = { id: job.id, code, wav: host.files.get('speech.wav')?.slice(), output: host.output() };
      } catch (error) {
        reply = { id: job.id, error: error instanceof Error ? error.message : String(error) };
      }
      const wav = 'wav' in reply ? reply.wav : undefined;
      port.postMessage(reply, wav ? [wav.buffer as ArrayBuffer] : []);
    })();
  });
}
