import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRuleMatcher, loadRulesFile } from '../../../adapters/llm/rules.js';
import { jsgfSentences } from '../../../adapters/stt/jsgf-sentences.js';
import { grammarCompletion, ruleCompletion } from '../../../adapters/turn/turn-completion.js';

describe('turn completion', () => {
  const grammar = grammarCompletion(jsgfSentences(readFileSync('examples/robot-commands.jsgf', 'utf8')));

  it('a grammar sentence no longer sentence starts with is complete', () => {
    expect(grammar.isComplete('go to the kitchen')).toBe(true);
    expect(grammar.isComplete('Turn left.')).toBe(true);
    expect(grammar.isComplete('move forward two meters')).toBe(true);
  });

  it('a prefix is not, nor a sentence a longer one continues', () => {
    expect(grammar.isComplete('go to the')).toBe(false);
    expect(grammar.isComplete('move forward')).toBe(false);
    expect(grammar.isComplete('')).toBe(false);
    expect(grammar.isComplete('tell me a joke')).toBe(false);
  });

  it('the rule policy: a rule matching the whole utterance', () => {
    const rules = ruleCompletion(createRuleMatcher(loadRulesFile('examples/robot-rules.json')));
    expect(rules.isComplete('turn left')).toBe(true);
    expect(rules.isComplete('turn')).toBe(false);
    expect(rules.isComplete('')).toBe(false);
  });
});
