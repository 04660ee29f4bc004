/**
 * The language of a piece of reply text, from its script: enough to send a Mandarin clause of a mixed
 * English/Mandarin reply to a Mandarin voice. Han characters are Chinese (`zh`) unless kana mark Japanese
 * (`ja`); Hangul is Korean (`ko`); anything else is left to the reply's language (Latin script does not
 * tell English from French). Pure, for the TTS actor and the chart alike.
 *
 * @example
 * ```ts
 * scriptLanguage('今天天气很好。'); // 'zh'
 * scriptLanguage('Turn left.');     // undefined: the reply's language decides
 * ```
 */
const HAN = /\p{Script=Han}/u;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HANGUL = /\p{Script=Hangul}/u;

export function scriptLanguage(text: string): string | undefined {
  if (KANA.test(text)) return 'ja';
  if (HANGUL.test(text)) return 'ko';
  if (HAN.test(text)) return 'zh';
  return undefined;
}

/** The primary subtag, lower case: `zh-CN` → `zh`, `EN` → `en`. */
export function baseLanguage(tag: string): string {
  return tag.toLowerCase().split(/[-_]/)[0]!;
}

/**
 * The configured language that serves `language`: the same tag, else one with the same primary subtag
 * (`zh` finds `zh-CN`, `zh-CN` finds `zh`); undefined when none is configured.
 */
export function configuredLanguage(language: string, configured: readonly string[]): string | undefined {
  const lower = language.toLowerCase();
  return (
    configured.find((c) => c.toLowerCase() === lower) ?? configured.find((c) => baseLanguage(c) === baseLanguage(lower))
  );
}
