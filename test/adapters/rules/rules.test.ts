import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanUtterance, createRulePolicy, loadRulesFile, parseRules, RulesError } from '../../../adapters/llm/rules.js';
import type { LlmDelta } from '../../../adapters/llm/types.js';

const policy = createRulePolicy(loadRulesFile('examples/robot-rules.json'));
async function ask(text: string, signal = new AbortController().signal): Promise<LlmDelta[]> {
  const out: LlmDelta[] = [];
  for await (const d of policy.stream({ messages: [{ role: 'system', content: 'x' }, { role: 'user', content: text }], signal })) out.push(d);
  return out;
}
const text = (deltas: LlmDelta[]) => deltas.filter((d): d is string => typeof d === 'string').join('');

describe('rule policy', () => {
  it('answers the first matching rule, filling captures, and publishes its intent first', async () => {
    const deltas = await ask('Move forward two meters!');
    expect(deltas[0]).toEqual({ type: 'tool_call', id: 'move-1', name: 'move', arguments: JSON.stringify({ direction: 'forward', meters: 'two' }) });
    expect(text(deltas)).toBe('Moving forward two meters.');
    expect(deltas.slice(1)).toEqual(['Moving', ' forward', ' two', ' meters.']);
  });

  it('falls through to less specific rules and to the fallback', async () => {
    expect(text(await ask('move back'))).toBe('Moving back.');
    expect(text(await ask('go to the charging station'))).toBe('Going to the charging station.');
    expect(await ask('sing a song')).toEqual(['Sorry,', ' I', ' did', ' not', ' catch', ' that.', ' You', ' can', ' say', ' move', ' forward,', ' turn', ' left', ' or', ' stop.']);
  });

  it('is deterministic', async () => {
    expect(text(await ask('turn left'))).toBe(text(await ask('Turn LEFT.')));
  });

  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await ask('hello robot', controller.signal)).toEqual([]);
  });

  it('cleans utterances the way recognizers and keyboards differ', () => {
    expect(cleanUtterance('  Hello,   Robot!! ')).toBe('hello robot');
  });

  it('reports bad files with the place of the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-rules-'));
    writeFileSync(join(dir, 'bad.json'), '{ "rules": [');
    expect(() => loadRulesFile(join(dir, 'bad.json'))).toThrow(/is not valid JSON/);
    expect(() => loadRulesFile(join(dir, 'missing.json'))).toThrow(/cannot be read: check llm.rulesPath/);
    expect(() => parseRules({ rules: [{ id: 'x', patterns: [], reply: 'r' }], fallback: { reply: 'f' } })).toThrow(/rules\.0\.patterns/);
    expect(() => parseRules({ rules: [{ id: 'x', patterns: ['(unclosed'], reply: 'r' }], fallback: { reply: 'f' } })).toThrow(RulesError);
  });
});
