/**
 * The sound-server adapter's pure parts: device lists from `pactl list short` and `arecord -l`, device
 * checks that list the known names, client failures that name the fix, and the speaker sink's pacer (on
 * fake timers: what reaches the client, and when).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  clientFailure,
  parseAlsaList,
  parsePactlShort,
  resolveDevices,
  SoundServerError,
  type SoundServer,
} from '../../../adapters/audio/sound-server.js';
import { createSoundServerSink } from '../../../adapters/audio/sound-server-sink.js';

const pulse: SoundServer = {
  kind: 'pulse',
  name: 'pulseaudio 16.1',
  defaultInput: 'room.monitor',
  defaultOutput: 'room',
};

describe('sound server devices', () => {
  it('parses `pactl list short` and `arecord -l`', () => {
    const sources = parsePactlShort(
      '0\troom.monitor\tmodule-null-sink.c\ts16le 2ch ' +
        '44100Hz\tIDLE\n1\talsa_input.pci\tmodule-alsa-card.c\ts16le 2ch 48000Hz\tSUSPENDED\n',
      'sources',
    );
    expect(sources.map((d) => [d.name, d.monitor ?? false])).toEqual([
      ['room.monitor', true],
      ['alsa_input.pci', false],
    ]);
    const alsa = parseAlsaList(
      '**** List of CAPTURE Hardware Devices ****\ncard 0: PCH [HDA Intel PCH], device 0: ALC257 Analog [ALC257 ' +
        'Analog]\n  Subdevices: 1/1\ncard 2: Device [USB Audio Device], device 0: USB Audio [USB Audio]\n',
    );
    expect(alsa.map((d) => d.name)).toEqual(['hw:PCH,0', 'hw:Device,0']);
  });

  it('an unknown device fails with the known ones listed; ALSA names pass as they are', () => {
    const devices = {
      inputs: [{ name: 'room.monitor', description: '' }],
      outputs: [{ name: 'room', description: '' }],
    };
    expect(resolveDevices(pulse, devices, { input: 'room.monitor' })).toEqual({
      input: 'room.monitor',
      output: undefined,
    });
    expect(() => resolveDevices(pulse, devices, { output: 'speakers' })).toThrow(
      /unknown output device "speakers".*use one of room/,
    );
    expect(() => resolveDevices(pulse, devices, { output: 'speakers' })).toThrow(SoundServerError);
    expect(
      resolveDevices(
        { kind: 'alsa', name: 'ALSA' },
        { inputs: [], outputs: [] },
        { input: 'plughw:1,0', output: 'default' },
      ),
    ).toEqual({
      input: 'plughw:1,0',
      output: 'default',
    });
  });

  it("a client's failure says what to do: busy, unknown, no server", () => {
    expect(
      clientFailure('aplay', 'hw:0,0', 'aplay: main:831: audio open error: Device or resource busy', 1).message,
    ).toMatch(/"hw:0,0" is busy.*fuser/);
    expect(clientFailure('parec', 'mic', 'Stream error: No such entity', 1).message).toMatch(/voice-agent devices/);
    expect(clientFailure('pacat', undefined, 'Connection failure: Connection refused', 1).message).toMatch(
      /start PulseAudio or PipeWire/,
    );
  });
});

describe('sound-server sink', () => {
  afterEach(() => vi.useRealTimers());

  it('feeds the client leadMs ahead, silence between replies, and clear() drops what it still holds', () => {
    vi.useFakeTimers();
    const clock = { now: () => Date.now(), setTimeout, clearTimeout } as never;
    const written: Uint8Array[] = [];
    const sink = createSoundServerSink({
      clock,
      sampleRateHz: 16_000,
      write: (pcm) => written.push(pcm),
      leadMs: 60,
      tickMs: 10,
    });
    // Silence up to 60 ms ahead at once: 3 frames of 20 ms.
    expect(written.length).toBe(3);
    expect(written.every((f) => f.every((b) => b === 0))).toBe(true);
    const speech = new Uint8Array(640).fill(7);
    for (let i = 0; i < 10; i++) sink.write(speech, { turnId: 't1', seq: i });
    expect(sink.bufferedMs()).toBe(200);
    vi.advanceTimersByTime(100);
    // 100 ms later the client has been given 100 ms more: five frames of speech, none ahead of the lead.
    expect(written.filter((f) => f[0] === 7).length).toBe(5);
    sink.clear();
    vi.advanceTimersByTime(200);
    expect(written.filter((f) => f[0] === 7).length).toBe(5);
    sink.close();
  });

  it('after a stall the frames whose time passed are dropped, so the rest plays when the model says', () => {
    vi.useFakeTimers();
    let now = 0;
    const clock = { now: () => now, setTimeout, clearTimeout } as never;
    const written: Uint8Array[] = [];
    const sink = createSoundServerSink({
      clock,
      sampleRateHz: 16_000,
      write: (pcm) => written.push(pcm),
      leadMs: 60,
      tickMs: 10,
    });
    for (let i = 0; i < 20; i++) sink.write(new Uint8Array(640).fill(i + 1), { turnId: 't1', seq: i });
    // The loop stalls for 200 ms: nothing was written meanwhile.
    now = 200;
    vi.advanceTimersByTime(10);
    expect(sink.stats.stalls).toBe(1);
    expect(sink.stats.droppedFrames).toBeGreaterThanOrEqual(7);
    const speech = written.filter((f) => f[0] !== 0).map((f) => f[0]);
    // What goes out next is the frame due now, not the first one queued.
    expect(speech[0]).toBeGreaterThan(7);
    sink.close();
  });

  it('says where a frame written now plays: after the silence already handed over and the frames queued', () => {
    vi.useFakeTimers();
    let now = 0;
    const clock = { now: () => now, setTimeout, clearTimeout } as never;
    const sink = createSoundServerSink({ clock, sampleRateHz: 16_000, write: () => undefined, leadMs: 60, tickMs: 10 });
    // 60 ms of silence went out at once; 5 ms later a reply's first frame still plays after it, at 0 + 60 − 60.
    now = 5;
    expect(sink.runStartMs!()).toBe(0);
    // The pacer has topped up to 80 ms by 15 ms: a frame now plays at 20 (lead-adjusted), not at 15.
    now = 15;
    vi.advanceTimersByTime(10);
    expect(sink.runStartMs!()).toBe(20);
    // Two frames queued: the next plays 40 ms after them.
    sink.write(new Uint8Array(640), { turnId: 't1', seq: 0 });
    sink.write(new Uint8Array(640), { turnId: 't1', seq: 1 });
    expect(sink.runStartMs!()).toBe(60);
    sink.clear();
    expect(sink.runStartMs!()).toBe(20);
    sink.close();
  });

  it(
    'a backlog the device holds is skipped at once between replies, and not again before the reports show ' + 'it gone',
    () => {
      vi.useFakeTimers();
      const clock = { now: () => Date.now(), setTimeout, clearTimeout } as never;
      const writtenMs = () => written.length * 20;
      const written: Uint8Array[] = [];
      // The device holds 600 ms more than it should until that much has played without being replaced.
      let excessMs = 0;
      const sink = createSoundServerSink({
        clock,
        sampleRateHz: 16_000,
        write: (pcm) => written.push(pcm),
        leadMs: 60,
        tickMs: 10,
        excessMs: () => excessMs,
      });
      vi.advanceTimersByTime(1000);
      expect(sink.stats.skippedSilence).toBe(0);
      const before = writtenMs();
      excessMs = 600;
      vi.advanceTimersByTime(10);
      // 30 frames skipped in one go: nothing written while the device plays its backlog.
      expect(sink.stats.skippedSilence).toBe(30);
      vi.advanceTimersByTime(500);
      expect(writtenMs()).toBe(before);
      // Still reported (the reports lag): no second skip until 250 ms after the first has played out.
      vi.advanceTimersByTime(300);
      expect(sink.stats.skippedSilence).toBe(30);
      expect(writtenMs()).toBeGreaterThan(before);
      vi.advanceTimersByTime(200);
      expect(sink.stats.skippedSilence).toBe(60);
      // A reply's frames are never skipped: only silence is.
      excessMs = 0;
      vi.advanceTimersByTime(1000);
      const skipped = sink.stats.skippedSilence;
      excessMs = 600;
      for (let i = 0; i < 50; i++) sink.write(new Uint8Array(640).fill(9), { turnId: 't1', seq: i });
      vi.advanceTimersByTime(900);
      expect(sink.stats.skippedSilence).toBe(skipped);
      expect(written.filter((f) => f[0] === 9).length).toBeGreaterThan(40);
      sink.close();
    },
  );
});
