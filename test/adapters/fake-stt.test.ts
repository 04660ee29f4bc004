import { describe, expect, it } from 'vitest';
import { createFakeStt, makeSpeechFrame, ManualClock } from '../../adapters/testing/index.js';

const RATE = 16000;
const frame = (ms = 50) => makeSpeechFrame(RATE, ms);

function open(stt: ReturnType<typeof createFakeStt>, controller = new AbortController()) {
  const partials: string[] = [];
  const stream = stt.createStream({
    sampleRateHz: RATE,
    onPartial: (t) => partials.push(t),
    signal: controller.signal,
  });
  return { stream, partials, controller };
}

describe('fake STT', () => {
  it('emits growing partials as audio accumulates, one word per msPerWord, only when N grows', () => {
    const stt = createFakeStt({ clock: new ManualClock(), transcripts: ['what is the weather'] });
    const { stream, partials } = open(stt);
    for (let i = 0; i < 4; i++) stream.push(frame()); // 200 ms: no word yet
    expect(partials).toEqual([]);
    stream.push(frame()); // 250 ms
    expect(partials).toEqual(['what']);
    for (let i = 0; i < 4; i++) stream.push(frame()); // 450 ms
    expect(partials).toEqual(['what']);
    stream.push(frame()); // 500 ms
    stream.push(frame(1000)); // way past the end of the transcript
    stream.push(frame(1000));
    expect(partials).toEqual(['what', 'what is', 'what is the weather']);
  });

  it('finish resolves with the full transcript after finalDelayMs on the clock', async () => {
    const clock = new ManualClock();
    const stt = createFakeStt({ clock, transcripts: ['hello there'], finalDelayMs: 30 });
    const { stream } = open(stt);
    stream.push(frame(100));
    let final: string | undefined;
    void stream.finish().then((t) => (final = t.text));
    await clock.advance(29);
    expect(final).toBeUndefined();
    await clock.advance(1);
    expect(final).toBe('hello there');
    expect(stt.stats).toMatchObject({ streams: 1, finals: 1, aborted: 0 });
  });

  it('counts utterances per stream and supports a transcript function', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const stt = createFakeStt({ clock, transcripts: (i) => (seen.push(i), `utterance ${i}`) });
    const finals = [open(stt).stream.finish(), open(stt).stream.finish()];
    await clock.advance(30);
    expect(await Promise.all(finals)).toEqual([{ text: 'utterance 0' }, { text: 'utterance 1' }]);
    expect(seen).toEqual([0, 1]);
  });

  it('gives an empty final for a missing transcript (like noise)', async () => {
    const clock = new ManualClock();
    const stt = createFakeStt({ clock, transcripts: ['only one'] });
    open(stt);
    const second = open(stt).stream.finish();
    await clock.advance(30);
    expect(await second).toEqual({ text: '' });
  });

  it('passes a scripted confidence and language through with the final', async () => {
    const clock = new ManualClock();
    const stt = createFakeStt({ clock, transcripts: [{ text: 'hello robot', confidence: 0.2, language: 'en' }] });
    const final = open(stt).stream.finish();
    await clock.advance(30);
    expect(await final).toEqual({ text: 'hello robot', confidence: 0.2, language: 'en' });
  });

  it('grows CJK partials per character, with msPerWord respected', () => {
    const stt = createFakeStt({ clock: new ManualClock(), transcripts: ['今天天气'], msPerWord: 100 });
    const { stream, partials } = open(stt);
    stream.push(frame(200));
    stream.push(frame(100));
    expect(partials).toEqual(['今天', '今天天']);
  });

  it('abort during finish rejects promptly, without advancing the clock', async () => {
    const clock = new ManualClock();
    const stt = createFakeStt({ clock, transcripts: ['hello'] });
    const { stream, controller } = open(stt);
    const final = stream.finish();
    controller.abort();
    await expect(final).rejects.toMatchObject({ name: 'AbortError' });
    expect(clock.now()).toBe(0);
    expect(stt.stats).toMatchObject({ finals: 0, aborted: 1 });
  });

  it('after abort, pushes emit no partials and finish rejects', async () => {
    const stt = createFakeStt({ clock: new ManualClock(), transcripts: ['hello world'] });
    const { stream, partials, controller } = open(stt);
    controller.abort();
    stream.push(frame(1000));
    expect(partials).toEqual([]);
    await expect(stream.finish()).rejects.toMatchObject({ name: 'AbortError' });
  });
});
