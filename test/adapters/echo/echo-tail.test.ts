/**
 * The echo tail: the reference's envelope holds its peak for the hold blocks, then decays 60 dB over the
 * rest of the tail; the peak and the echo levels cover exactly the tail's blocks.
 */
import { describe, expect, it } from 'vitest';
import { createEchoTail } from '../../../adapters/echo/echo-tail.js';

const db = (ratio: number) => 10 * Math.log10(ratio);

describe('echo tail', () => {
  it('holds the envelope at its peak for the hold blocks, then decays it 60 dB over the rest of the tail', () => {
    const tail = createEchoTail(8, 3);
    const envelopes: number[] = [];
    tail.push(1e6);
    envelopes.push(tail.envelope());
    tail.close(0);
    for (let i = 0; i < 7; i++) {
      tail.push(0);
      envelopes.push(tail.envelope());
      tail.close(0);
    }
    // Ages 0–3 at the peak (the hold), then 60 dB over the 5 blocks after it: 12 dB a block.
    expect(envelopes.slice(0, 4)).toEqual([1e6, 1e6, 1e6, 1e6]);
    expect(envelopes.slice(3).map((e) => Math.round(db(e / 1e6)))).toEqual([0, -12, -24, -36, -48]);
    tail.push(0);
    expect(tail.envelope()).toBe(0);
    expect(tail.peak()).toBe(0);
  });

  it('gives the last closed block its own envelope, and the loudest echo level of the tail', () => {
    const tail = createEchoTail(4, 1);
    tail.push(100);
    tail.close(50);
    tail.push(0);
    expect(tail.lastEnvelope()).toBe(100);
    expect(tail.peak()).toBe(100);
    expect(tail.echoPeak()).toBe(50);
    tail.close(0);
    for (let i = 0; i < 3; i++) {
      tail.push(0);
      tail.close(0);
    }
    // Four blocks later the first has left the tail.
    expect(tail.peak()).toBe(0);
    expect(tail.echoPeak()).toBe(0);
  });
});
