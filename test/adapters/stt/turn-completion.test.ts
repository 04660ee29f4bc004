import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRuleMatcher, loadRulesFile } from '../../../adapters/llm/rules.js';
import { expandJsgf, JsgfError } from '../../../adapters/stt/jsgf-sentences.js';
import { grammarCompletion, ruleCompletion } from '../../../adapters/turn/turn-completion.js';

describe('JSGF sentences', () => {
  it('expands alternatives, groups, optional parts and rule references', () => {
    expect(expandJsgf('#JSGF V1.0; grammar g; public <c> = turn ( left | right ) [ now ] | <s>; <s> = stop;')).toEqual([
      'stop',
      'turn left',
      'turn left now',
      'turn right',
      'turn right now',
    ]);
  });

  it('lists the example robot grammar', () => {
    const sentences = expandJsgf(readFileSync('examples/robot-commands.jsgf', 'utf8'));
    expect(sentences).toContain('go to the charging station');
    expect(sentences).toContain('move forward ten meters');
    expect(sentences).toHaveLength(92);
  });

  it('names what it cannot expand', () => {
    expect(() => expandJsgf('grammar g; <a> = b;')).toThrow(/no public rule/);
    expect(() => expandJsgf('grammar g; public <a> = go <b>;')).toThrow(/<b> is used but not defined/);
    expect(() => expandJsgf('grammar g; public <a> = go [ <a> ];')).toThrow(JsgfError);
    expect(() => expandJsgf('grammar g; public <a> = ( go | stop ;')).toThrow(/without its "\)"/);
  });
});

describe('turn completion', () => {
  const grammar = grammarCompletion(expandJsgf(readFileSync('examples/robot-commands.jsgf', 'utf8')));

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
