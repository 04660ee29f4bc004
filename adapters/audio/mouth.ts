/**
 * Lip-sync data for robot faces and avatars: a mouth-open level per output frame (its RMS envelope, 0–1)
 * and, where the TTS engine reports phonemes (eSpeak), a viseme — the mouth shape of the sound playing.
 * Visemes are the 15 of the Oculus/MPEG-4 set most avatar rigs take: `sil PP FF TH DD kk CH SS nn RR aa E I O U`.
 *
 * @example
 * ```ts
 * mouthLevel(frame);          // 0 for silence, ~0.6 for loud speech
 * visemeOf('ʃ');              // 'CH'
 * ```
 */
export const VISEMES = ['sil', 'PP', 'FF', 'TH', 'DD', 'kk', 'CH', 'SS', 'nn', 'RR', 'aa', 'E', 'I', 'O', 'U'] as const;
export type Viseme = (typeof VISEMES)[number];

/** Why ×4 on the RMS: speech peaks around 0.1–0.25 of full scale; this puts loud speech near a wide-open mouth. */
const LEVEL_GAIN = 4;

/** Mouth opening 0–1 from one s16le frame: its RMS, scaled and clipped, rounded to 2 decimals. */
export function mouthLevel(frame: Uint8Array): number {
  const samples = frame.byteLength >> 1;
  if (samples === 0) return 0;
  const view = new DataView(frame.buffer, frame.byteOffset, samples * 2);
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    const s = view.getInt16(i * 2, true) / 32768;
    sum += s * s;
  }
  return Math.round(Math.min(1, Math.sqrt(sum / samples) * LEVEL_GAIN) * 100) / 100;
}

// IPA (as eSpeak names its phonemes) → viseme, by the first letter that decides the mouth shape.
const BY_LETTER: Array<[RegExp, Viseme]> = [
  [/^[pbm]/, 'PP'],
  [/^[fv]/, 'FF'],
  [/^[θð]/, 'TH'],
  [/^[tdɾ]/, 'DD'],
  [/^[kgŋxɡq]/, 'kk'],
  [/^(tʃ|dʒ|[ʃʒɕʑ])/, 'CH'],
  [/^[szʂʐ]/, 'SS'],
  [/^[nlɲɫ]/, 'nn'],
  [/^[ɹrɻʁʀ]/, 'RR'],
  [/^[aɑɐʌæ]/, 'aa'],
  [/^[eɛəɜɚ]/, 'E'],
  [/^[iɪyj]/, 'I'],
  [/^[oɔɒø]/, 'O'],
  [/^[uʊwɯ]/, 'U'],
];

/** The viseme of one eSpeak phoneme name (stress and length marks ignored); `sil` for pauses and unknowns. */
export function visemeOf(phoneme: string): Viseme {
  const core = phoneme.replace(/[ˈˌːˑ'`,_\s]/g, '');
  for (const [pattern, viseme] of BY_LETTER) if (pattern.test(core)) return viseme;
  return 'sil';
}
