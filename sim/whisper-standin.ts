/**
 * A stand-in for a Whisper-class transcription server (faster-whisper-server, whisper.cpp's server,
 * OpenAI's `/v1/audio/transcriptions`), for tests and benches without a network or a GPU: it takes the
 * utterance's WAV upload after the utterance ended, really transcribes it (pocketsphinx with the robot
 * grammar, in this process) and answers no sooner than `answerMs` after the upload arrived — such servers
 * answer a short utterance in a few hundred milliseconds, and give no partial transcripts. What `stt.engine:
 * openai` does with a recognizer like that (the emergency stop among it) is what it is for.
 *
 * @example
 * ```ts
 * const whisper = await startWhisperStandIn({ answerMs: 250 });
 * const config = loadConfig({ overrides: { stt: { engine: 'openai', baseUrl: whisper.baseUrl } } });
 * // … whisper.requests: the transcripts it gave, with when each upload arrived and was answered
 * await whisper.close();
 * ```
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readWav } from '../adapters/audio/wav.js';
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import type { SttEngine } from '../adapters/stt/types.js';

export interface WhisperStandInOptions {
  /** How long after the upload arrived the answer goes out (ms; default 250). */
  answerMs?: number;
  /** The grammar it transcribes with (default: examples/robot-commands.jsgf). */
  grammarPath?: string;
}

export interface StandInRequest {
  text: string;
  /** `performance.now()` when the upload had arrived, and when the answer went out. */
  arrivedAtMs: number;
  answeredAtMs: number;
}

export interface WhisperStandIn {
  /** The OpenAI-compatible base URL (`stt.baseUrl`). */
  baseUrl: string;
  requests: StandInRequest[];
  close(): Promise<void>;
}

/** Why 250 ms: a Whisper-class server on a GPU answers a short utterance in about that. */
const DEFAULT_ANSWER_MS = 250;

/** A request's whole body. */
export const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

/** The `file` part of a multipart/form-data body. */
function filePart(body: Buffer, contentType: string): Buffer | undefined {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  for (let at = body.indexOf(delimiter); at >= 0;) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) return undefined;
    const part = body.subarray(at + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (/name="file"/.test(part.subarray(0, headerEnd).toString())) return part.subarray(headerEnd + 4);
    at = next;
  }
  return undefined;
}

async function transcribe(stt: SttEngine, wav: Uint8Array): Promise<string> {
  const { pcm } = readWav(wav);
  const stream = stt.createStream({
    sampleRateHz: 16_000,
    signal: new AbortController().signal,
    onPartial: () => undefined,
  });
  stream.push(pcm);
  return (await stream.finish()).text;
}

export async function startWhisperStandIn(options: WhisperStandInOptions = {}): Promise<WhisperStandIn> {
  const answerMs = options.answerMs ?? DEFAULT_ANSWER_MS;
  const stt = createPocketsphinxStt({
    grammar: readFileSync(options.grammarPath ?? 'examples/robot-commands.jsgf', 'utf8'),
  });
  await stt.warmUp?.();
  const requests: StandInRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const arrivedAtMs = performance.now();
      if (!(req.url ?? '').endsWith('/audio/transcriptions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ error: { message: `only POST /v1/audio/transcriptions here, not ${req.url}` } }),
        );
      }
      const file = filePart(body, req.headers['content-type'] ?? '');
      const text = file ? await transcribe(stt, new Uint8Array(file)) : '';
      const wait = arrivedAtMs + answerMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      requests.push({ text, arrivedAtMs, answeredAtMs: performance.now() });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
