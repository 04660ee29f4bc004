/**
 * Is the transcript so far a complete command? The adaptive end of turn ends an utterance after a short
 * pause (`turn.completePauseMs`) instead of the full VAD hangover when it is. Two sources: a command
 * grammar (the sentence is one of the grammar's, and no longer sentence starts with it — "move forward"
 * may go on to "move forward two meters", so it waits the full hangover), and the rule policy (a rule
 * matches the whole utterance).
 *
 * @example
 * ```ts
 * const completion = grammarCompletion(['go to the kitchen', 'move forward', 'move forward two meters']);
 * completion.isComplete('go to the kitchen'); // true
 * completion.isComplete('go to the');         // false: the user paused mid-sentence
 * completion.isComplete('move forward');      // false: a longer command starts with it
 * ```
 */

export interface TurnCompletion {
  isComplete(text: string): boolean;
}

/** Lower case, no punctuation, single spaces: how transcripts and grammar sentences are compared. */
const normalize = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

export function grammarCompletion(sentences: readonly string[]): TurnCompletion {
  const all = new Set(sentences.map(normalize));
  const extendable = new Set<string>();
  for (const sentence of all) {
    const words = sentence.split(' ');
    for (let n = 1; n < words.length; n++) extendable.add(words.slice(0, n).join(' '));
  }
  return {
    isComplete(text) {
      const t = normalize(text);
      return all.has(t) && !extendable.has(t);
    },
  };
}

/** Complete when the rule policy matches the whole utterance (its patterns are anchored). */
export function ruleCompletion(matches: (text: string) => boolean): TurnCompletion {
  return { isComplete: (text) => normalize(text) !== '' && matches(text) };
}
