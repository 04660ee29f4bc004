/**
 * Edge voices need the internet, so this drives the adapter at its boundary with `msedge-tts`: a fake
 * client that streams a real MP3 file (made with lame: 600 ms of a 440 Hz tone at 24 kHz).
 */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEdgeTts, EdgeTtsError, escapeSsml, type EdgeClient } from '../../../adapters/tts/edge.js';

const MP3 = new Uint8Array(readFileSync(new URL('../../fixtures/tone-440hz-600ms-24khz.mp3', import.meta.url)));

class FakeEdgeClient implements EdgeClient {
  metadata: Array<[string, string]> = [];
  texts: string[] = [];
  streams: PassThrough[] = [];
  constructor(
    private readonly behaviour: { connectError?: Error; pieces?: number; endEarly?: boolean; hang?: boolean } = {},
  ) {}
  async setMetadata(voice: string, format: string) {
    this.metadata.push([voice, format]);
    if (this.behaviour.connectError) throw this.behaviour.connectError;
  }
  toStream(text: string) {
    this.texts.push(text);
    const stream = new PassThrough();
    this.streams.push(stream);
    if (this.behaviour.hang) return stream;
    if (this.behaviour.endEarly) {
      setTimeout(() => stream.end(), 5);
      return stream;
    }
    const pieces = this.behaviour.pieces ?? 5;
    const size = Math.ceil(MP3.byteLength / pieces);
    let at = 0;
    const next = () => {
      if (stream.destroyed) return;
      if (at >= MP3.byteLength) return stream.end();
      stream.write(MP3.subarray(at, at + size));
      at += size;
      setTimeout(next, 5);
    };
    setTimeout(next, 5);
    return stream;
  }
  close() {}
}

const collect = async (tts: ReturnType<typeof createEdgeTts>, text: string, signal = new AbortController().signal) => {
  const chunks: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, signal })) chunks.push(c);
  return chunks;
};

describe('Edge TTS (at its msedge-tts boundary)', () => {
  it('connects with the voice and MP3 format, and streams decoded 24 kHz PCM chunk by chunk', async () => {
    const fake = new FakeEdgeClient({ pieces: 6 });
    const tts = createEdgeTts({ voice: 'zh-CN-XiaoxiaoNeural', client: () => fake });
    expect(tts.sampleRateHz).toBe(24_000);
    const chunks = await collect(tts, 'Hello.');
    expect(fake.metadata).toEqual([['zh-CN-XiaoxiaoNeural', 'audio-24khz-48kbitrate-mono-mp3']]);
    expect(chunks.length).toBeGreaterThan(2);
    const samples = chunks.reduce((n, c) => n + c.byteLength / 2, 0);
    // 600 ms of tone, plus the encoder's padding (under 100 ms).
    expect(samples).toBeGreaterThanOrEqual(14_400);
    expect(samples).toBeLessThan(14_400 + 2400);
    // The tone came through: 440 Hz is ~36.7 zero crossings per 1000 samples (both directions).
    const pcm = new Int16Array(Buffer.concat(chunks).buffer.slice(0));
    let crossings = 0;
    for (let i = 2400; i < 12_000; i++) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) crossings++;
    expect(crossings / 9.6).toBeGreaterThan(33);
    expect(crossings / 9.6).toBeLessThan(40);
  });

  it('escapes the text for SSML', async () => {
    const fake = new FakeEdgeClient();
    await collect(createEdgeTts({ client: () => fake }), 'Tom & Jerry <3 "quotes"');
    expect(fake.texts).toEqual(['Tom &amp; Jerry &lt;3 &quot;quotes&quot;']);
    expect(escapeSsml("it's")).toBe('it&apos;s');
  });

  it('an abort stops the stream at once', async () => {
    const fake = new FakeEdgeClient({ pieces: 20 });
    const controller = new AbortController();
    const chunks: Uint8Array[] = [];
    for await (const c of createEdgeTts({ client: () => fake }).synthesize({
      text: 'Long.',
      signal: controller.signal,
    })) {
      chunks.push(c);
      controller.abort();
    }
    expect(chunks).toHaveLength(1);
  });

  it('a connection failure is an EdgeTtsError that says Edge needs the internet and how to fall back', async () => {
    const tts = createEdgeTts({
      client: () => new FakeEdgeClient({ connectError: new Error('getaddrinfo ENOTFOUND speech.platform.bing.com') }),
    });
    await expect(collect(tts, 'Hi.')).rejects.toThrow(EdgeTtsError);
    await expect(tts.warmUp!()).rejects.toThrow(
      /could not connect \(getaddrinfo ENOTFOUND.*internet access.*add a local engine such as flite/,
    );
  });

  it('a stream that ends without audio, or goes silent, fails instead of hanging', async () => {
    await expect(
      collect(createEdgeTts({ client: () => new FakeEdgeClient({ endEarly: true }) }), 'Hi.'),
    ).rejects.toThrow(/closed the connection without audio/);
    await expect(
      collect(createEdgeTts({ client: () => new FakeEdgeClient({ hang: true }), idleTimeoutMs: 50 }), 'Hi.'),
    ).rejects.toThrow(/sent nothing for 50 ms/);
  });

  it('the default client is the real msedge-tts class (constructed without network)', async () => {
    const { MsEdgeTTS } = await import('msedge-tts');
    const real = new MsEdgeTTS();
    expect(typeof real.setMetadata).toBe('function');
    expect(typeof real.toStream).toBe('function');
    expect(createEdgeTts().name).toBe('edge(en-US-AriaNeural)');
  });
});
