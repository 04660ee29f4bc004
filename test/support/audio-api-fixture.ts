/**
 * A local server speaking the OpenAI audio API (`/v1/audio/speech` with `pcm`, `/v1/audio/transcriptions`
 * with a multipart WAV upload), for adapter tests without a network. It streams speech in several
 * writes, records what each request carried and whether the client hung up early, and counts TCP
 * connections so keep-alive can be checked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readWav } from '../../adapters/audio/wav.js';
import { readBody } from '../../sim/whisper-standin.js';

export interface AudioFixtureBehaviour {
  /** PCM the speech endpoint streams back, in `writes` pieces with `writeDelayMs` between them. */
  speechPcm?: Uint8Array;
  writes?: number;
  writeDelayMs?: number;
  transcript?: string;
  status?: number;
  /** Answer GET /models with this status (e.g. 404 like whisper.cpp's server). */
  modelsStatus?: number;
}

export interface AudioRequestRecord {
  path: string;
  fields: Record<string, string>;
  wav?: { sampleRateHz: number; pcm: Uint8Array };
  json?: Record<string, unknown>;
  closedEarly: boolean;
  writesSent: number;
}

export interface AudioFixture {
  baseUrl: string;
  connections: number;
  requests: AudioRequestRecord[];
  behave(b: AudioFixtureBehaviour): void;
  close(): Promise<void>;
}

/** Splits a multipart/form-data body into its named parts. */
function parseMultipart(body: Buffer, contentType: string): Map<string, Buffer> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  const out = new Map<string, Buffer>();
  if (!boundary) return out;
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    // Skip the CRLF after the delimiter and the one before the next.
    const part = body.subarray(at + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const name = /name="([^"]+)"/.exec(part.subarray(0, headerEnd).toString())?.[1];
    if (name) out.set(name, part.subarray(headerEnd + 4));
    at = next;
  }
  return out;
}

export async function startAudioApiFixture(initial: AudioFixtureBehaviour = {}): Promise<AudioFixture> {
  let behaviour = initial;
  const fixture = { connections: 0, requests: [] as AudioRequestRecord[] };
  const server: Server = createServer(async (req, res) => {
    const path = req.url ?? '';
    if (path.endsWith('/models')) {
      res.writeHead(behaviour.modelsStatus ?? 200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ object: 'list', data: [{ id: 'test-model', object: 'model' }] }));
    }
    const body = await readBody(req);
    const record: AudioRequestRecord = { path, fields: {}, closedEarly: false, writesSent: 0 };
    fixture.requests.push(record);
    if (behaviour.status) {
      res.writeHead(behaviour.status, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'model not found', type: 'invalid_request_error' } }));
    }
    if (path.endsWith('/audio/transcriptions')) {
      const parts = parseMultipart(body, req.headers['content-type'] ?? '');
      for (const [name, value] of parts) if (name !== 'file') record.fields[name] = value.toString();
      const file = parts.get('file');
      if (file) record.wav = readWav(new Uint8Array(file));
      res.writeHead(200, { 'content-type': 'application/json' });
      // verbose_json names the detected language in words, as Whisper does.
      const verbose = record.fields.response_format === 'verbose_json';
      return res.end(
        JSON.stringify({
          text: ` ${behaviour.transcript ?? ''} `,
          ...(verbose ? { language: 'english', duration: 1, segments: [] } : {}),
        }),
      );
    }
    if (path.endsWith('/audio/speech')) {
      record.json = JSON.parse(body.toString()) as Record<string, unknown>;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.on('close', () => {
        if (!res.writableFinished) record.closedEarly = true;
      });
      const pcm = behaviour.speechPcm ?? new Uint8Array(4800);
      const writes = behaviour.writes ?? 4;
      const size = Math.ceil(pcm.byteLength / writes);
      for (let at = 0; at < pcm.byteLength; at += size) {
        if (res.destroyed) return;
        res.write(pcm.subarray(at, at + size));
        record.writesSent++;
        if (behaviour.writeDelayMs) await new Promise((r) => setTimeout(r, behaviour.writeDelayMs));
      }
      return res.end();
    }
    res.writeHead(404).end();
  });
  server.on('connection', () => fixture.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fixture, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    behave(b: AudioFixtureBehaviour) {
      behaviour = b;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
