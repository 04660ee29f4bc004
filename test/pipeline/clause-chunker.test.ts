import { describe, expect, it } from 'vitest';
import {
  createClauseChunker,
  DEFAULT_CLAUSE_CHUNKER_OPTIONS,
  stripForSpeech,
  type ClauseChunker,
} from '../../actors/clause-chunker.js';

const REPLY =
  'Sure, I can help with that. The weather today is sunny and warm. You might want to bring sunglasses and some ' +
  'water. Is there anything else you would like to know?';

/** Word tokens as an LLM streams them: each with its leading space, the first without. */
function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** Feeds tokens and records which token index released each clause. */
function feed(chunker: ClauseChunker, tokens: string[]): Array<{ at: number | 'flush'; text: string }> {
  const out: Array<{ at: number | 'flush'; text: string }> = [];
  tokens.forEach((t, i) => chunker.push(t).forEach((text) => out.push({ at: i, text })));
  chunker.flush().forEach((text) => out.push({ at: 'flush', text }));
  return out;
}

function indexOfToken(tokens: string[], endsWith: string): number {
  return tokens.findIndex((t) => t.endsWith(endsWith));
}

describe('clause chunker: Latin', () => {
  const tokens = words(REPLY);

  it('sentence mode releases exactly the 4 sentences, each on the token carrying its punctuation', () => {
    const out = feed(createClauseChunker({ mode: 'sentence' }), tokens);
    expect(out).toEqual([
      { at: indexOfToken(tokens, 'that.'), text: 'Sure, I can help with that.' },
      { at: indexOfToken(tokens, 'warm.'), text: 'The weather today is sunny and warm.' },
      { at: indexOfToken(tokens, 'water.'), text: 'You might want to bring sunglasses and some water.' },
      { at: indexOfToken(tokens, 'know?'), text: 'Is there anything else you would like to know?' },
    ]);
    expect(out.map((c) => c.at)).toEqual([5, 12, 21, 30]);
  });

  it('clause mode releases the short first clause "Sure," at once (firstMinChars 2)', () => {
    const out = feed(createClauseChunker({ mode: 'clause' }), tokens);
    expect(out[0]).toEqual({ at: 0, text: 'Sure,' });
    expect(out[1]).toEqual({ at: 5, text: 'I can help with that.' });
    expect(out).toHaveLength(5);
  });

  it('clause mode holds a first clause shorter than firstMinChars and merges it with the next', () => {
    const out = feed(createClauseChunker({ mode: 'clause', firstMinChars: 8 }), tokens);
    expect(out[0]).toEqual({ at: 5, text: 'Sure, I can help with that.' });
    expect(out).toHaveLength(4);
  });

  it('holds later short clauses below minChars but releases short sentences', () => {
    const tokens = words('Okay then, so, well, I think it works. Yes. Good.');
    const out = feed(createClauseChunker(), tokens);
    // "so," (3 < minChars 8) is held and merged: "so, well," (9) goes out on " well,".
    expect(out).toEqual([
      { at: 1, text: 'Okay then,' },
      { at: 3, text: 'so, well,' },
      { at: 7, text: 'I think it works.' },
      { at: 8, text: 'Yes.' },
      { at: 9, text: 'Good.' },
    ]);
  });

  it('cuts unpunctuated Latin text over maxChars at the last whitespace', () => {
    const text = 'this sentence just keeps going on and on without any punctuation at all until the model stops';
    const out = feed(createClauseChunker(), words(text));
    for (const c of out) expect(c.text.length).toBeLessThanOrEqual(DEFAULT_CLAUSE_CHUNKER_OPTIONS.maxChars);
    expect(out.map((c) => c.text).join(' ')).toBe(text);
    expect(out[0]!.at).not.toBe('flush');
  });

  it('does not split numbers, abbreviations or list markers', () => {
    const out = feed(
      createClauseChunker({ mode: 'sentence' }),
      words('Pi is 3.14 roughly. Bring snacks, e.g. apples. It costs 42. Done.'),
    );
    expect(out.map((c) => c.text)).toEqual([
      'Pi is 3.14 roughly.',
      'Bring snacks, e.g. apples.',
      'It costs 42.',
      'Done.',
    ]);
    // "42." might be "42.5": it waits one token, then goes out on " Done." before that one closes.
    expect(out[2]!.at).toBe(out[3]!.at);
  });

  it('joins a number split across tokens ("3" "." "14")', () => {
    const out = feed(createClauseChunker({ mode: 'sentence' }), ['Pi', ' is', ' 3', '.', '14', ' exactly', '.']);
    expect(out).toEqual([{ at: 6, text: 'Pi is 3.14 exactly.' }]);
  });

  it('flush returns the tail and resets for the next reply', () => {
    const chunker = createClauseChunker();
    expect(chunker.push('Hello there.')).toEqual(['Hello there.']);
    expect(chunker.push(' And then')).toEqual([]);
    expect(chunker.flush()).toEqual(['And then']);
    expect(chunker.flush()).toEqual([]);
    // New reply: the first clause may be short again.
    expect(chunker.push('Hi,')).toEqual(['Hi,']);
  });

  it('ignores empty tokens and never returns empty clauses', () => {
    const chunker = createClauseChunker();
    expect(chunker.push('')).toEqual([]);
    expect(chunker.push('\n\n')).toEqual([]);
    expect(chunker.push('👍.')).toEqual([]);
    expect(chunker.push('   ')).toEqual([]);
    expect(chunker.push('Fine.')).toEqual(['Fine.']);
    expect(chunker.push('')).toEqual([]);
    expect(chunker.flush()).toEqual([]);
  });

  it('keeps a closing quote with its sentence, not the next one', () => {
    const out = feed(createClauseChunker({ mode: 'sentence' }), [
      'He',
      ' said',
      ' "',
      'yes',
      '."',
      ' Then',
      ' left',
      '.',
    ]);
    expect(out.map((c) => c.text)).toEqual(['He said "yes."', 'Then left.']);
    const split = feed(createClauseChunker({ mode: 'sentence' }), ['He', ' said', ' "yes.', '"', ' Then', ' left.']);
    expect(split.map((c) => c.text)).toEqual(['He said "yes.', 'Then left.']);
  });
});

describe('clause chunker: CJK', () => {
  it('splits Mandarin fed char by char at ，。！ with min/max respected', () => {
    const text = '你好，我是机器人助手。今天天气很好，适合出去走走！';
    const chars = [...text];
    const out = feed(createClauseChunker({ mode: 'clause' }), chars);
    expect(out).toEqual([
      { at: chars.indexOf('，'), text: '你好，' }, // first clause: firstMinChars 2
      { at: chars.indexOf('。'), text: '我是机器人助手。' }, // sentence end: released though < 8
      // "今天天气很好，" is 7 < cjkMinChars 8: held and merged.
      { at: chars.length - 1, text: '今天天气很好，适合出去走走！' },
    ]);
    for (const c of out) expect([...c.text].length).toBeLessThanOrEqual(DEFAULT_CLAUSE_CHUNKER_OPTIONS.cjkMaxChars);
  });

  it('sentence mode splits Mandarin only at 。！', () => {
    const out = feed(createClauseChunker({ mode: 'sentence' }), [
      ...'你好，我是机器人助手。今天天气很好，适合出去走走！',
    ]);
    expect(out.map((c) => c.text)).toEqual(['你好，我是机器人助手。', '今天天气很好，适合出去走走！']);
  });

  it('cuts a 40-character CJK run without punctuation into pieces of at most 18', () => {
    const run = '我们今天要讨论的话题是关于人工智能在日常生活中的各种应用以及它未来的发展方向和挑';
    expect([...run]).toHaveLength(40);
    const out = feed(createClauseChunker(), [...run]);
    expect(out.map((c) => [...c.text].length)).toEqual([18, 18, 4]);
    expect(out[0]!.at).toBe(18); // cut as soon as the 19th character arrives
    expect(out.at(-1)!.at).toBe('flush');
    expect(out.map((c) => c.text).join('')).toBe(run);
  });
});

describe('stripForSpeech', () => {
  it('strips markdown', () => {
    expect(stripForSpeech('## **Great** news')).toBe('Great news');
    expect(stripForSpeech('- first *item*')).toBe('first item');
    expect(stripForSpeech('* bullet\n2. `code` here')).toBe('bullet code here');
    expect(stripForSpeech('See [the docs](https://example.com/a.b) now.')).toBe('See the docs now.');
    expect(stripForSpeech('> quoted __text__ and snake_case')).toBe('quoted text and snake_case');
    expect(stripForSpeech('2 * 3 is 6')).toBe('2 * 3 is 6');
  });

  it('strips emoji including ZWJ sequences, skin tones, flags and variation selectors', () => {
    expect(stripForSpeech('Great job 👍🏽!')).toBe('Great job!');
    expect(stripForSpeech('Family 👨‍👩‍👧 time ❤️ 🇯🇵')).toBe('Family time');
    expect(stripForSpeech('🎉🎉')).toBe('');
  });

  it('is applied to chunker output, even when a clause cuts through markup', () => {
    const out = feed(
      createClauseChunker(),
      words('**Note:** the [weather, today](https://x.dev) is 🌞 sunny. ## Next\n- item one\n- item two'),
    );
    expect(out.map((c) => c.text)).toEqual([
      'Note:',
      'the weather,',
      'today is sunny.',
      'Next',
      'item one',
      'item two',
    ]);
  });
});
