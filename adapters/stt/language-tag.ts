/**
 * The language a transcription server reports, as a BCP-47-ish tag: Whisper's `verbose_json` names it in
 * English ("english", "chinese"), other servers already give a code ("en", "zh").
 *
 * @example
 * ```ts
 * languageTag('English'); // 'en'
 * languageTag('zh');      // 'zh'
 * languageTag('klingon'); // undefined
 * ```
 */

/** Whisper's language names (its tokenizer's table) for the languages it transcribes best, and a few more. */
const WHISPER_NAMES: Record<string, string> = {
  english: 'en',
  chinese: 'zh',
  mandarin: 'zh',
  cantonese: 'yue',
  german: 'de',
  spanish: 'es',
  russian: 'ru',
  korean: 'ko',
  french: 'fr',
  japanese: 'ja',
  portuguese: 'pt',
  turkish: 'tr',
  polish: 'pl',
  catalan: 'ca',
  dutch: 'nl',
  arabic: 'ar',
  swedish: 'sv',
  italian: 'it',
  indonesian: 'id',
  hindi: 'hi',
  finnish: 'fi',
  vietnamese: 'vi',
  hebrew: 'he',
  ukrainian: 'uk',
  greek: 'el',
  malay: 'ms',
  czech: 'cs',
  romanian: 'ro',
  danish: 'da',
  hungarian: 'hu',
  tamil: 'ta',
  norwegian: 'no',
  thai: 'th',
  urdu: 'ur',
  croatian: 'hr',
  bulgarian: 'bg',
  lithuanian: 'lt',
  latin: 'la',
  welsh: 'cy',
  slovak: 'sk',
  persian: 'fa',
  latvian: 'lv',
  bengali: 'bn',
  serbian: 'sr',
  slovenian: 'sl',
  estonian: 'et',
  icelandic: 'is',
  filipino: 'tl',
  tagalog: 'tl',
  swahili: 'sw',
  irish: 'ga',
  basque: 'eu',
  galician: 'gl',
  afrikaans: 'af',
};

/** `reported` as a lower-case tag (`en`, `zh`, `pt-br`), or undefined when it is neither a code nor a known name. */
export function languageTag(reported: string | undefined): string | undefined {
  const value = reported?.trim().toLowerCase().replace(/_/g, '-');
  if (!value) return undefined;
  if (/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(value) && !(value in WHISPER_NAMES)) return value;
  return WHISPER_NAMES[value];
}
