/**
 * One room of the echo matrix (bench/echo-matrix.ts) and its name, in a file of their own so the doc
 * tables (bench/echo-overlap-table.ts) can name a row without loading the closed loop.
 *
 * @example
 * ```ts
 * cellName({ delay: 'jump', rt60Ms: 600, speakerOverUserDb: 10, client: 'bus-16k' }); // '300↔1400 ms, RT60 600, +10 dB, bus-16k'
 * ```
 */
export interface EchoCell {
  delay: number | 'jump';
  rt60Ms: number;
  speakerOverUserDb: number;
  client: 'bus-16k' | 'bus-24k' | 'realtime-24k';
}

export const cellName = (c: EchoCell) =>
  `${c.delay === 'jump' ? '300↔1400' : c.delay} ms, RT60 ${c.rt60Ms}, ${c.speakerOverUserDb >= 0 ? '+' : ''}${c.speakerOverUserDb} dB, ${c.client}`;
