import { describe, expect, it } from 'vitest';
import {
  ACTION_DEFAULTS,
  ActionDeclarationError,
  argumentSchema,
  checkCall,
  coerceArguments,
  fillTemplate,
  needsConfirmation,
  parseActionDeclaration,
  parseActionSet,
  spokenNumber,
  toolsOf,
  type ActionDeclaration,
} from '../../../adapters/actions/index.js';

const move = parseActionDeclaration({
  name: 'move',
  description: 'Drive straight.',
  parameters: {
    type: 'object',
    properties: {
      direction: { type: 'string', enum: ['forward', 'backward'] },
      meters: { type: 'number', minimum: 0.1, maximum: 5 },
    },
    required: ['direction', 'meters'],
    additionalProperties: false,
  },
  confirm: { when: { meters: { min: 3 } } },
});
const navigate = parseActionDeclaration({
  name: 'navigate',
  description: 'Drive to a named place.',
  parameters: {
    type: 'object',
    properties: { place: { type: 'string', enum: ['kitchen', 'door'] } },
    required: ['place'],
  },
  confirm: { when: { place: ['door'] } },
  say: { result: 'Arrived at the {place}.' },
});
const turn = parseActionDeclaration({
  name: 'turn',
  description: 'Turn in place.',
  parameters: { type: 'object', properties: { degrees: { type: 'integer', minimum: 1, maximum: 360, default: 90 } } },
});
const catalog = { declared: [move, navigate, turn], clientTools: [] };

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ActionDeclarationError);
    return (error as Error).message;
  }
  throw new Error('expected an ActionDeclarationError');
}

describe('action declarations', () => {
  it('fills the defaults, each written once', () => {
    const stop = parseActionDeclaration({ name: 'stop', description: 'Stop.' });
    expect(stop).toMatchObject({
      confirm: 'never',
      timeoutMs: ACTION_DEFAULTS.timeoutMs,
      cancelOn: ['barge_in', 'stop', 'new_command'],
      runsOn: 'controller',
      parameters: { type: 'object', properties: {} },
      say: {},
    });
  });

  it('names the action and the field in its errors', () => {
    const message = errorOf(() => parseActionDeclaration({ name: 'move', description: 'x', confirm: 'sometimes' }));
    expect(message).toMatch(/^action "move": confirm: /);
    expect(errorOf(() => parseActionDeclaration({ name: 'move', description: 'x', timeoutMs: -1 }))).toMatch(
      /action "move": timeoutMs: /,
    );
    expect(errorOf(() => parseActionDeclaration({ name: 'move', description: 'x', cancelOn: ['coffee'] }))).toMatch(
      /action "move": cancelOn\.0: /,
    );
    expect(errorOf(() => parseActionDeclaration({ name: 'move', description: 'x', colour: 'red' }))).toMatch(
      /action "move": .*colour/,
    );
    expect(errorOf(() => parseActionDeclaration({ name: 'go home', description: 'x' }))).toMatch(
      /name: an action name is 1-64 characters/,
    );
    expect(errorOf(() => parseActionDeclaration({ description: 'x' }, 'robot.json: action'))).toMatch(
      /^robot\.json: action: name: /,
    );
  });

  it('refuses a parameter schema that does not compile, naming the action', () => {
    const message = errorOf(() =>
      parseActionDeclaration({ name: 'move', description: 'x', parameters: { type: 'no-such-type' } }),
    );
    expect(message).toMatch(/^action "move": parameters is not a usable JSON Schema/);
  });

  it('refuses a name declared twice, and names the source and the index', () => {
    const twice = [
      { name: 'stop', description: 'Stop.' },
      { name: 'stop', description: 'Stop again.' },
    ];
    expect(errorOf(() => parseActionSet(twice, 'robot.json'))).toMatch(
      /^robot\.json: 1\.name: action "stop" is declared twice/,
    );
    expect(errorOf(() => parseActionSet([{ name: 'stop', description: '' }], 'robot.json'))).toMatch(
      /^robot\.json: \[0\] action "stop": description: /,
    );
    expect(errorOf(() => parseActionSet({ stop: {} }, 'robot.json'))).toMatch(/^robot\.json: expected an array/);
    expect(parseActionSet([{ name: 'stop', description: 'Stop.' }]).map((a) => a.name)).toEqual(['stop']);
  });
});

describe('arguments', () => {
  it('reads spoken and written numbers', () => {
    expect(spokenNumber('two')).toBe(2);
    expect(spokenNumber(' Three ')).toBe(3);
    expect(spokenNumber('3.5')).toBe(3.5);
    expect(spokenNumber('half')).toBe(0.5);
    expect(spokenNumber('lots')).toBeUndefined();
  });

  it('coerces only where the schema asks for a number, and drops empty captures', () => {
    expect(coerceArguments(move, { direction: 'forward', meters: 'two' })).toEqual({ direction: 'forward', meters: 2 });
    expect(coerceArguments(move, { direction: 'two', meters: 'lots' })).toEqual({ direction: 'two', meters: 'lots' });
    expect(coerceArguments(turn, { degrees: '' })).toEqual({});
  });

  it('compiles the JSON Schema once per declaration', () => {
    expect(argumentSchema(move)).toBe(argumentSchema(move));
  });
});

describe('checkCall', () => {
  it('accepts a declared call, coercing "two" to 2', () => {
    const check = checkCall(catalog, { name: 'move', arguments: '{"direction":"forward","meters":"two"}' });
    expect(check).toEqual({ ok: true, action: move, arguments: { direction: 'forward', meters: 2 } });
  });

  it('fills schema defaults and reads empty arguments as {}', () => {
    const check = checkCall(catalog, { name: 'turn', arguments: '' });
    expect(check.ok && check.arguments).toEqual({ degrees: 90 });
  });

  it('refuses an unknown action', () => {
    expect(checkCall(catalog, { name: 'self_destruct', arguments: '{}' })).toMatchObject({
      ok: false,
      reason: 'unknown_action',
      detail: expect.stringContaining('self_destruct'),
    });
  });

  it('refuses arguments out of bounds, naming the argument', () => {
    const check = checkCall(catalog, { name: 'move', arguments: '{"direction":"forward","meters":50}' });
    expect(check).toMatchObject({ ok: false, reason: 'invalid_arguments' });
    expect(!check.ok && check.detail).toMatch(/^move: meters: /);
    expect(checkCall(catalog, { name: 'move', arguments: '{"direction":"forward","meters":0}' }).ok).toBe(false);
    expect(checkCall(catalog, { name: 'turn', arguments: '{"degrees":2.5}' }).ok).toBe(false);
  });

  it('refuses a value outside the enum, a missing required argument and an extra one', () => {
    expect(checkCall(catalog, { name: 'navigate', arguments: '{"place":"moon"}' })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/place: /),
    });
    expect(checkCall(catalog, { name: 'navigate', arguments: '{}' })).toMatchObject({
      ok: false,
      reason: 'invalid_arguments',
    });
    expect(
      checkCall(catalog, { name: 'move', arguments: '{"direction":"forward","meters":1,"speed":9}' }),
    ).toMatchObject({ ok: false });
  });

  it('refuses arguments that are not a JSON object', () => {
    expect(checkCall(catalog, { name: 'turn', arguments: '{not json' })).toMatchObject({
      ok: false,
      reason: 'invalid_arguments',
      detail: 'turn: the arguments are not JSON',
    });
    expect(checkCall(catalog, { name: 'turn', arguments: '[1]' })).toMatchObject({
      ok: false,
      detail: 'turn: the arguments are not an object',
    });
    expect(checkCall(catalog, { name: 'turn', arguments: 'null' })).toMatchObject({
      ok: false,
      detail: 'turn: the arguments are not an object',
    });
  });

  it('runs a client tool as a client action, never confirmed', () => {
    const tool = { name: 'wave', description: 'Wave.', parameters: { type: 'object', properties: {} } };
    const check = checkCall({ declared: [], clientTools: [tool] }, { name: 'wave', arguments: '{}' });
    expect(check.ok && check.action).toMatchObject({ name: 'wave', runsOn: 'client', confirm: 'never' });
  });

  it('prefers the declared action over a client tool of the same name', () => {
    const tool = { name: 'move', description: 'The client moves.', parameters: { type: 'object', properties: {} } };
    const check = checkCall(
      { declared: [move], clientTools: [tool] },
      { name: 'move', arguments: '{"direction":"forward","meters":1}' },
    );
    expect(check.ok && check.action.runsOn).toBe('controller');
  });
});

describe('needsConfirmation', () => {
  const withConfirm = (confirm: unknown): ActionDeclaration =>
    parseActionDeclaration({ name: 'x', description: 'x', confirm });

  it('never and always', () => {
    expect(needsConfirmation(withConfirm('never'), {})).toBe(false);
    expect(needsConfirmation(withConfirm('always'), {})).toBe(true);
  });

  it('when an argument is one of the listed values', () => {
    expect(needsConfirmation(navigate, { place: 'door' })).toBe(true);
    expect(needsConfirmation(navigate, { place: 'kitchen' })).toBe(false);
    expect(needsConfirmation(navigate, {})).toBe(false);
  });

  it('when a number argument is in the range, either bound left out', () => {
    expect(needsConfirmation(move, { meters: 3 })).toBe(true);
    expect(needsConfirmation(move, { meters: 2.9 })).toBe(false);
    expect(needsConfirmation(move, { meters: '3' })).toBe(false);
    const band = withConfirm({ when: { speed: { min: 1, max: 2 } } });
    expect([0.5, 1, 1.5, 2, 2.5].map((speed) => needsConfirmation(band, { speed }))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
    const below = withConfirm({ when: { speed: { max: 1 } } });
    expect([0, 1, 2].map((speed) => needsConfirmation(below, { speed }))).toEqual([true, true, false]);
  });

  it('when any of several rules matches', () => {
    const either = withConfirm({ when: { place: ['door'], meters: { min: 3 } } });
    expect(needsConfirmation(either, { place: 'kitchen', meters: 4 })).toBe(true);
    expect(needsConfirmation(either, { place: 'door', meters: 1 })).toBe(true);
    expect(needsConfirmation(either, { place: 'kitchen', meters: 1 })).toBe(false);
  });
});

describe('toolsOf', () => {
  it('offers every declared action and every client tool, a declared name winning', () => {
    const wave = { name: 'wave', description: 'Wave.', parameters: { type: 'object', properties: {} } };
    const clientMove = { name: 'move', description: 'The client moves.', parameters: {} };
    const tools = toolsOf({ declared: [move, turn], clientTools: [wave, clientMove] });
    expect(tools.map((t) => t.name)).toEqual(['move', 'turn', 'wave']);
    expect(tools[0]).toEqual({ name: 'move', description: 'Drive straight.', parameters: move.parameters });
    expect(toolsOf({ declared: [], clientTools: [] })).toEqual([]);
  });
});

describe('fillTemplate', () => {
  it('fills names from the values, leaving unknown and object values out', () => {
    expect(fillTemplate('Arrived at the {place}.', { place: 'kitchen' })).toBe('Arrived at the kitchen.');
    expect(fillTemplate('Moved {meters} meters {direction}.', { meters: 2, direction: 'forward' })).toBe(
      'Moved 2 meters forward.',
    );
    expect(fillTemplate('Arrived at the {place} {missing}.', { place: 'door' })).toBe('Arrived at the door.');
    expect(fillTemplate('At {pose} now.', { pose: { x: 1 } })).toBe('At now.');
    expect(fillTemplate('Done.', {})).toBe('Done.');
  });
});
