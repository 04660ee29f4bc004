/**
 * Turns a streamed LLM reply into speakable clauses for TTS. Pure: no I/O, no timers, so the TTS
 * actor owns all timing and the chunking rules can be tested token by token.
 *
 * A clause is released by the very `push` that delivers its closing punctuation, because every token
 * we hold back is time the user waits for first audio. Two cases are the exception and wait for one
 * more token: a '.', ',', ':', ';' or '–' right after a digit at the end of the text (it may be "3." of
 * "3.14" or "1," of "1,000"), and known abbreviations ("e.g.", "Dr.") which never close a clause.
 *
 * "CJK" here means the unspaced scripts (Han, Hiragana, Katakana): they are measured and cut by
 * character. Hangul is spaced like Latin text and follows the Latin rules.
 */

export interface ClauseChunkerOptions {
  /** 'sentence' splits only at . ! ? 。！？ and newlines; 'clause' also at , ; : ， 、 ； ： — – … */
  mode: 'clause' | 'sentence';
  /** A clause (not a sentence) shorter than this is held and merged with the next one. */
  minChars: number;
  /** Minimum for the first clause of a reply, which gates time-to-first-audio. */
  firstMinChars: number;
  /** Longer text without a usable boundary is cut at the last whitespace (or hard cut without one). */
  maxChars: number;
  /** `minChars` for mostly-CJK clauses, counted in characters. */
  cjkMinChars: number;
  /** `maxChars` for mostly-CJK clauses; an unpunctuated CJK run longer than this is hard cut. */
  cjkMaxChars: number;
}

export const DEFAULT_CLAUSE_CHUNKER_OPTIONS: Readonly<ClauseChunkerOptions> = Object.freeze({
  // Why clause: a comma-length first chunk reaches the speaker ~1 s earlier than a whole sentence.
  mode: 'clause',
  // Why 8: fragments like "So," or "Well," get odd prosody and a whole TTS round trip each; ~8
  // characters (one or two words) is the shortest chunk that still sounds natural on its own.
  minChars: 8,
  // Why 2: the first chunk is what the user waits for, so even "Sure," or "好，" goes out at once.
  firstMinChars: 2,
  // Why 60: ~10-12 English words, 3-4 s of speech; bounds how long TTS waits on a rambling,
  // unpunctuated reply while still giving it enough context for natural intonation.
  maxChars: 60,
  // Why 8 and 18: Mandarin is spoken at ~4-5 characters/s, so 8-18 characters is 2-4 s of speech,
  // the same span the Latin limits give; each character also carries far more than a Latin letter.
  cjkMinChars: 8,
  cjkMaxChars: 18,
});

export interface ClauseChunker {
  /** Adds one token; returns the clauses this token closed (often none). Empty tokens are ignored. */
  push(token: string): string[];
  /** End of the reply: returns what is left and resets, so the chunker can serve the next reply. */
  flush(): string[];
}

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_CHARS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const LETTERS = /[\p{L}\p{N}]/gu;
const HAS_SPEAKABLE = /[\p{L}\p{N}]/u;
/** Terminators that may repeat ("?!", "...", "。。") and are taken as one boundary. */
const TERMINATOR_RUN = new Set(['.', '!', '?', '。', '！', '？', '｡', '…']);
const SENTENCE_END = new Set(['.', '!', '?', '。', '！', '？', '｡']);
/** Latin marks only close when followed by whitespace (or end of text): "3.14", "a,b", "10:30", "3–5". */
const LATIN_MARKS = new Set(['.', '!', '?', '…', ',', ';', ':', '–']);
const CLAUSE_MARKS = new Set([',', ';', ':', '–', '，', '、', '；', '：', '—', '…']);
/** Marks that, right after a digit at the very end of the text, may still become a number. */
const NUMERIC_MARKS = new Set(['.', ',', ':', ';', '–']);
/** Closing quotes/brackets and markdown markers that belong to the clause before them ("**Note:**"). */
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '»', '」', '』', '）', '】', '》', '*', '_', '`', '~']);
const ABBREVIATIONS = new Set(['e.g', 'i.e', 'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'cf', 'fig']);

// Each code point goes on its own (a joiner or variation selector left alone would be read out), so the
// class lists them one by one on purpose.
const EMOJI = new RegExp(
  // eslint-disable-next-line no-misleading-character-class
  '[\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\p{Regional_Indicator}' +
    '\\u{FE0E}\\u{FE0F}\\u{200D}\\u{20E3}\\u{E0020}-\\u{E007F}]',
  'gu',
);

/**
 * Removes what a TTS engine would read out literally or choke on: markdown syntax (emphasis, inline
 * code and fences, headings, list bullets, block quotes, rules, links → their text) and emoji
 * (pictographs with their variation selectors, skin tones, ZWJ joiners, flags, keycaps). Collapses
 * whitespace and trims. Works on fragments too, since a clause may cut through "**bold**" or a link.
 *
 * @example
 * ```ts
 * stripForSpeech('## **Great** news 🎉! See [the docs](https://x.dev).'); // 'Great news! See the docs.'
 * ```
 */
export function stripForSpeech(text: string): string {
  return (
    text
      .replace(/```[^\n]*\n?/g, ' ')
      .replace(/!?\[([^\]\n]*)\]\([^)\s]*\)/g, '$1')
      // The tail of a link whose text was released in an earlier clause.
      .replace(/\]\([^)\s]*\)?/g, ' ')
      // The head of a link cut by a clause boundary: "[weather," with its "](url)" still to come.
      .replace(/\[(?![^\]]*\])/g, '')
      .replace(/^[ \t]*#{1,6}[ \t]+/gm, '')
      .replace(/^[ \t]*>[ \t]?/gm, '')
      .replace(/^[ \t]*(?:[-*_][ \t]*){3,}$/gm, '')
      .replace(/^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+/gm, '')
      .replace(/`+/g, '')
      .replace(/~~/g, '')
      // Asterisks touching a word are emphasis; a spaced " * " is arithmetic and stays.
      .replace(/(?<=\S)\*+|\*+(?=\S)/g, '')
      // Underscores at word edges are emphasis; inside a word (snake_case) they are part of it.
      .replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '')
      .replace(EMOJI, '')
      .replace(/\s+/g, ' ')
      // Removing an emoji or marker can leave "great !"; the space would become a TTS pause.
      .replace(/ (?=[,.!?;:，。！？；：、])/g, '')
      .trim()
  );
}

function speechLength(text: string): number {
  return [...stripForSpeech(text)].length;
}

/**
 * `speechLength(text) >= n`, without stripping when the raw text already decides it: stripping only
 * removes or collapses characters, so the speech length is never more than `text.length`. The chunker
 * asks this for every token, and most clauses are shorter than `maxChars` (stripping a growing clause
 * per token was ~2 % of a 1000-session process).
 */
function speechLengthAtLeast(text: string, n: number): boolean {
  return text.length >= n && speechLength(text) >= n;
}

function isMostlyCjk(text: string): boolean {
  // One scan without allocating for the common case (no CJK at all): this runs for every token.
  if (!CJK_CHAR.test(text)) return false;
  const cjk = text.match(CJK_CHARS)?.length ?? 0;
  return cjk > 0 && cjk * 2 >= (text.match(LETTERS)?.length ?? 0);
}

interface Boundary {
  /** Index just past the boundary's punctuation (and any closing quotes/brackets). */
  end: number;
  sentence: boolean;
}

/** Whether `buf[i]` closes a clause or sentence, given everything received so far. */
function boundaryAt(
  buf: string,
  i: number,
  mode: ClauseChunkerOptions['mode'],
  lineStartAt0: boolean,
): Boundary | undefined {
  const c = buf[i]!;
  if (c === '\n') return { end: i + 1, sentence: true };
  if (!TERMINATOR_RUN.has(c) && !CLAUSE_MARKS.has(c)) return undefined;

  let end = i + 1;
  let sentence = SENTENCE_END.has(c);
  if (TERMINATOR_RUN.has(c)) {
    while (end < buf.length && TERMINATOR_RUN.has(buf[end]!)) sentence ||= SENTENCE_END.has(buf[end++]!);
  }
  if (!sentence && mode === 'sentence') return undefined;
  const last = buf[end - 1]!;
  while (end < buf.length && CLOSERS.has(buf[end]!)) end++;

  if (LATIN_MARKS.has(last)) {
    if (end < buf.length && !/\s/.test(buf[end]!)) return undefined;
    const atEnd = end === buf.length;
    if (atEnd && NUMERIC_MARKS.has(last) && end === i + 1 && /\d/.test(buf[i - 1] ?? '')) return undefined;
    if (c === '.' && end === i + 1) {
      const word = /[A-Za-z.]+$/.exec(buf.slice(0, i))?.[0].toLowerCase();
      if (word && ABBREVIATIONS.has(word)) return undefined;
      // "1. " at the start of a line is a list marker, not the end of a sentence.
      const lineStart = buf.lastIndexOf('\n', i) + 1;
      if ((lineStart > 0 || lineStartAt0) && /^[ \t]*\d{1,3}$/.test(buf.slice(lineStart, i))) return undefined;
    }
  }
  return { end, sentence };
}

/** Where to cut an over-long `region`: last whitespace, else last held boundary, else a hard cut. */
function cutPoint(region: string, max: number, held: number[]): number {
  let best = 0;
  for (let k = 1; k < region.length; k++) {
    if (!/\s/.test(region[k]!)) continue;
    const len = speechLength(region.slice(0, k));
    if (len > max) break;
    if (len > 0) best = k;
  }
  if (best > 0) return best;
  for (let h = held.length - 1; h >= 0; h--) if (speechLength(region.slice(0, held[h])) <= max) return held[h]!;
  let k = 0;
  for (const ch of region) {
    if (k > 0 && speechLength(region.slice(0, k + ch.length)) > max) break;
    k += ch.length;
  }
  return k;
}

/**
 * Creates a chunker for one reply at a time (`flush` resets it for the next).
 *
 * @example
 * ```ts
 * const chunker = createClauseChunker({ mode: 'sentence' });
 * chunker.push('Sure,');        // []
 * chunker.push(' done.');       // ['Sure, done.']  (released on the token carrying the '.')
 * chunker.push(' Anything');    // []
 * chunker.flush();              // ['Anything']
 * ```
 */
export function createClauseChunker(options: Partial<ClauseChunkerOptions> = {}): ClauseChunker {
  const opts: ClauseChunkerOptions = { ...DEFAULT_CLAUSE_CHUNKER_OPTIONS, ...options };
  let buf = '';
  let emitted = 0;
  let lineStartAt0 = true;
  // A closing quote that arrives right after its clause was released would otherwise open the next one.
  let dropLeadingClosers = false;

  function limitsFor(text: string): { min: number; max: number } {
    const cjk = isMostlyCjk(text);
    const min = emitted === 0 ? opts.firstMinChars : cjk ? opts.cjkMinChars : opts.minChars;
    return { min, max: cjk ? opts.cjkMaxChars : opts.maxChars };
  }

  function take(end: number, out: string[]): void {
    const raw = buf.slice(0, end);
    buf = buf.slice(end);
    lineStartAt0 = /\n[ \t]*$/.test(raw) || (lineStartAt0 && /^\s*$/.test(raw));
    dropLeadingClosers = buf === '';
    const spoken = stripForSpeech(raw);
    if (!HAS_SPEAKABLE.test(spoken)) return;
    out.push(spoken);
    emitted++;
  }

  function drain(out: string[]): void {
    for (;;) {
      const held: number[] = [];
      let found: Boundary | undefined;
      for (let i = 0; i < buf.length; i++) {
        const b = boundaryAt(buf, i, opts.mode, lineStartAt0);
        if (!b) continue;
        const piece = buf.slice(0, b.end);
        if (b.sentence || speechLengthAtLeast(piece, limitsFor(piece).min)) {
          found = b;
          break;
        }
        held.push(b.end);
        i = b.end - 1;
      }
      const region = found ? buf.slice(0, found.end) : buf;
      const { max } = limitsFor(region);
      if (speechLengthAtLeast(region, max + 1)) take(Math.max(1, cutPoint(region, max, held)), out);
      else if (found) take(found.end, out);
      else return;
    }
  }

  return {
    push(token: string): string[] {
      if (dropLeadingClosers && buf === '') {
        let k = 0;
        while (k < token.length && CLOSERS.has(token[k]!)) k++;
        token = token.slice(k);
      }
      if (token === '') return [];
      dropLeadingClosers = false;
      buf += token;
      const out: string[] = [];
      drain(out);
      return out;
    },
    flush(): string[] {
      const out: string[] = [];
      drain(out);
      take(buf.length, out);
      buf = '';
      emitted = 0;
      lineStartAt0 = true;
      dropLeadingClosers = false;
      return out;
    },
  };
}
