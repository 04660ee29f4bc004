import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCall } from '../../../adapters/actions/catalog.js';
import { loadActionsFile } from '../../../adapters/actions/load.js';
import {
  assertRuleActionsDeclared,
  cleanUtterance,
  createRulePolicy,
  loadRulesFile,
  parseRules,
  RulesError,
} from '../../../adapters/llm/rules.js';
import type { LlmDelta } from '../../../adapters/llm/types.js';

const policy = createRulePolicy(loadRulesFile('examples/robot-rules.json'));
async function ask(text: string, signal = new AbortController().signal): Promise<LlmDelta[]> {
  const out: LlmDelta[] = [];
  for await (const d of policy.stream({
    messages: [
      { role: 'system', content: 'x' },
      { role: 'user', content: text },
    ],
    signal,
  }))
    out.push(d);
  return out;
}
const text = (deltas: LlmDelta[]) => deltas.filter((d): d is string => typeof d === 'string').join('');

describe('rule policy', () => {
  it('answers the first matching rule, filling captures, and asks for its action first', async () => {
    const deltas = await ask('Move forward two meters!');
    expect(deltas[0]).toEqual({
      type: 'tool_call',
      id: 'move-1',
      name: 'move',
      arguments: JSON.stringify({ direction: 'forward', meters: 'two' }),
    });
    expect(text(deltas)).toBe('Moving forward two meters.');
    expect(deltas.slice(1)).toEqual(['Moving', ' forward', ' two', ' meters.']);
  });

  it(
    "answers a follow-up (an action's outcome after the user's last message) without asking for the " + 'action again',
    async () => {
      const followUp = async (content: string) => {
        const out: LlmDelta[] = [];
        const messages = [
          { role: 'user' as const, content: 'stop' },
          { role: 'assistant' as const, content: '', toolCalls: [{ id: 'c1', name: 'stop', arguments: '{}' }] },
          { role: 'tool' as const, toolCallId: 'c1', content },
          // The reply said meanwhile comes after the outcome in the history.
          { role: 'assistant' as const, content: 'Stopping.' },
        ];
        for await (const d of policy.stream({ messages, signal: new AbortController().signal })) out.push(d);
        return out;
      };
      expect(await followUp('{"status":"succeeded","outcome":"{}"}')).toEqual(['Done.']);
      expect(await followUp('{"status":"failed","outcome":"motor off"}')).toEqual(['That did not work.']);
      expect(await followUp('{"status":"cancelled","outcome":"estop"}')).toEqual(['Stopped.']);
      expect(await followUp('not json')).toEqual(['That did not work.']);
    },
  );

  it('falls through to less specific rules and to the fallback', async () => {
    expect(text(await ask('move back'))).toBe('Moving back.');
    expect(text(await ask('go to the charging station'))).toBe('Going to the charger.');
    expect(await ask('sing a song')).toEqual([
      'Sorry,',
      ' I',
      ' did',
      ' not',
      ' catch',
      ' that.',
      ' You',
      ' can',
      ' say',
      ' move',
      ' forward,',
      ' turn',
      ' left',
      ' or',
      ' stop.',
    ]);
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

  it('keeps literal action arguments and fills captured ones', async () => {
    const [call] = await ask('turn around');
    expect(call).toEqual({
      type: 'tool_call',
      id: expect.stringMatching(/^turn-around-\d+$/),
      name: 'turn',
      arguments: JSON.stringify({ direction: 'left', degrees: 180 }),
    });
    const [back] = await ask('go back');
    // No meters said: the declaration's default.
    expect(back).toMatchObject({ name: 'move', arguments: JSON.stringify({ direction: 'backward' }) });
  });

  it('asks only for declared actions with arguments the declaration accepts', async () => {
    const catalog = { declared: loadActionsFile('examples/robot-actions.json'), clientTools: [] };
    const commands = [
      'move forward two meters',
      'go backward 3 meters',
      'move forward',
      'go back',
      'move back one meter',
      'turn left',
      'turn right 45 degrees',
      'turn around',
      'stop',
      'emergency stop',
      'halt',
      'go to the kitchen',
      'drive to the door',
      'go to the charging station',
      'navigate to the table',
    ];
    for (const command of commands) {
      const [call] = await ask(command);
      if (!call || typeof call === 'string') throw new Error(`"${command}" asked for no action`);
      const check = checkCall(catalog, { name: call.name, arguments: call.arguments });
      expect(check, command).toMatchObject({ ok: true });
    }
    // A bound is the declaration's to enforce: the rule asks, the session refuses.
    const [tooFar] = await ask('move forward ten meters');
    expect(
      tooFar && typeof tooFar !== 'string' && checkCall(catalog, { name: tooFar.name, arguments: tooFar.arguments }),
    ).toMatchObject({
      ok: false,
      reason: 'invalid_arguments',
    });
  });

  it('refuses a rules file that asks for an undeclared action, naming the rule and the file', () => {
    const rules = parseRules({
      rules: [{ id: 'beam', patterns: ['beam me up'], reply: 'Energizing.', action: { name: 'teleport' } }],
      fallback: { reply: 'f' },
    });
    expect(() =>
      assertRuleActionsDeclared(rules, ['move', 'stop'], 'rules file r.json', 'actions file a.json'),
    ).toThrow(
      'rules file r.json: rule "beam" asks for action "teleport", which is not declared in actions file a.json ' +
        '(declared: move, stop): declare it there (actions.path) or change the rule',
    );
    expect(() => assertRuleActionsDeclared(rules, ['teleport'])).not.toThrow();
    const shipped = loadRulesFile('examples/robot-rules.json');
    expect(() =>
      assertRuleActionsDeclared(
        shipped,
        loadActionsFile('examples/robot-actions.json').map((a) => a.name),
      ),
    ).not.toThrow();
  });

  it('refuses the old intent field', () => {
    expect(() =>
      parseRules({
        rules: [{ id: 'x', patterns: ['x'], reply: 'r', intent: { name: 'move' } }],
        fallback: { reply: 'f' },
      }),
    ).toThrow(/intent/);
  });

  it('reports bad files with the place of the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-rules-'));
    writeFileSync(join(dir, 'bad.json'), '{ "rules": [');
    expect(() => loadRulesFile(join(dir, 'bad.json'))).toThrow(/is not valid JSON/);
    expect(() => loadRulesFile(join(dir, 'missing.json'))).toThrow(/cannot be read: check llm.rulesPath/);
    expect(() => parseRules({ rules: [{ id: 'x', patterns: [], reply: 'r' }], fallback: { reply: 'f' } })).toThrow(
      /rules\.0\.patterns/,
    );
    expect(() =>
      parseRules({ rules: [{ id: 'x', patterns: ['(unclosed'], reply: 'r' }], fallback: { reply: 'f' } }),
    ).toThrow(RulesError);
  });
});
