import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCall, needsConfirmation } from '../../../adapters/actions/catalog.js';
import { ActionDeclarationError } from '../../../adapters/actions/declaration.js';
import { loadActionsFile } from '../../../adapters/actions/load.js';
import { createRobotSimulator, ROBOT_PLACES } from '../../../adapters/actions/robot-simulator.js';

const dir = mkdtempSync(join(tmpdir(), 'va-actions-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
function errorOf(path: string): string {
  try {
    loadActionsFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ActionDeclarationError);
    return (error as Error).message;
  }
  throw new Error('expected an ActionDeclarationError');
}

describe('loadActionsFile', () => {
  it('names the file and the fix when it cannot be read or parsed', () => {
    expect(errorOf(join(dir, 'missing.json'))).toMatch(
      /^actions file .*missing\.json cannot be read \(ENOENT\): check actions\.path \(VA_ACTIONS__PATH\)/,
    );
    expect(errorOf(file('broken.json', '[{'))).toMatch(/^actions file .*broken\.json is not valid JSON/);
  });

  it('names the file, the action and the field of an invalid declaration', () => {
    const path = file(
      'bad.json',
      JSON.stringify([
        { name: 'stop', description: 'Stop.' },
        { name: 'move', description: 'Move.', timeoutMs: 'soon' },
      ]),
    );
    expect(errorOf(path)).toMatch(/^actions file .*bad\.json: \[1\] action "move": timeoutMs: /);
    const twice = file(
      'twice.json',
      JSON.stringify([
        { name: 'stop', description: 'a' },
        { name: 'stop', description: 'b' },
      ]),
    );
    expect(errorOf(twice)).toMatch(/twice\.json: 1\.name: action "stop" is declared twice/);
  });
});

describe('examples/robot-actions.json', () => {
  const actions = loadActionsFile('examples/robot-actions.json');
  const catalog = { declared: actions, clientTools: [] };
  const byName = (name: string) => actions.find((a) => a.name === name)!;

  it('declares the robot grammar: move, turn, navigate, stop', () => {
    expect(actions.map((a) => a.name)).toEqual(['move', 'turn', 'navigate', 'stop']);
    expect(byName('navigate').rateLimit).toEqual({ max: 5, perMs: 60_000 });
    expect(byName('navigate').say.result).toBe('Arrived at the {place}.');
  });

  it('asks before driving to the door, and only then', () => {
    expect(needsConfirmation(byName('navigate'), { place: 'door' })).toBe(true);
    expect(needsConfirmation(byName('navigate'), { place: 'kitchen' })).toBe(false);
    expect(actions.filter((a) => a.name !== 'navigate').every((a) => !needsConfirmation(a, {}))).toBe(true);
  });

  it('fills defaults and refuses what the robot cannot do', () => {
    expect(checkCall(catalog, { name: 'turn', arguments: '{"direction":"left"}' })).toMatchObject({
      ok: true,
      arguments: { direction: 'left', degrees: 90 },
    });
    expect(checkCall(catalog, { name: 'move', arguments: '{"direction":"forward","meters":"two"}' })).toMatchObject({
      ok: true,
      arguments: { meters: 2 },
    });
    expect(checkCall(catalog, { name: 'move', arguments: '{"direction":"forward","meters":"ten"}' })).toMatchObject({
      ok: false,
      reason: 'invalid_arguments',
    });
    expect(checkCall(catalog, { name: 'navigate', arguments: '{"place":"garden"}' })).toMatchObject({ ok: false });
  });

  it('matches the simulator: every declared action has a handler, every place is in its room', () => {
    const robot = createRobotSimulator();
    expect(Object.keys(robot.handlers).sort()).toEqual(actions.map((a) => a.name).sort());
    const places = (byName('navigate').parameters as { properties: { place: { enum: string[] } } }).properties.place
      .enum;
    expect(places.sort()).toEqual(Object.keys(ROBOT_PLACES).sort());
  });
});
