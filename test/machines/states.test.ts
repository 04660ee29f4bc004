/** The exported state vocabularies are the chart's states: a state added to or renamed in the machine fails here. */
import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { ACTIONS_STATES, ACTIVATION_STATES, DIALOG_STATES, splitSessionState } from '../../machines/states.js';
import { createActor } from 'xstate';
import { resolveSessionConfig } from '../../machines/config.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { parseStateValue } from '../../server/inspect/recorded-feed.js';
import { stateValueToString } from '../../runtime/state-value.js';

const region = (name: string) => Object.keys((sessionMachine.root.states[name] as AnyStateNode).states);

describe('session states', () => {
  it("DIALOG_STATES, ACTIONS_STATES and ACTIVATION_STATES are the regions' states of the machine, in order", () => {
    expect(Object.keys(sessionMachine.root.states)).toEqual(['dialog', 'actions', 'activation']);
    expect([...DIALOG_STATES]).toEqual(region('dialog'));
    expect([...ACTIONS_STATES]).toEqual(region('actions'));
    expect([...ACTIVATION_STATES]).toEqual(region('activation'));
  });

  it('splits a published value into its regions, and refuses one the chart never publishes', () => {
    expect(splitSessionState('speaking.reply.playing+user.silent+actions.running')).toEqual({
      dialog: 'speaking',
      dialogPath: 'speaking.reply.playing+user.silent',
      actions: 'running',
      activation: 'ungated',
      activationPath: 'ungated',
    });
    expect(splitSessionState('idle.waiting')).toEqual({
      dialog: 'idle',
      dialogPath: 'idle.waiting',
      actions: 'idle',
      activation: 'ungated',
      activationPath: 'ungated',
    });
    expect(splitSessionState('listening.hearing+actions.running+activation.open.held')).toMatchObject({
      dialogPath: 'listening.hearing',
      actions: 'running',
      activation: 'open',
      activationPath: 'open.held',
    });
    expect(splitSessionState('idle.waiting+activation.closed')).toMatchObject({
      dialogPath: 'idle.waiting',
      actions: 'idle',
      activation: 'closed',
    });
    expect(() => splitSessionState('dozing.off')).toThrow(/not a session state value/);
    expect(() => splitSessionState('idle.waiting+actions.flying')).toThrow(/not a session state value/);
    expect(() => splitSessionState('idle.waiting+activation.ajar')).toThrow(/not a session state value/);
  });

  it('reads back every value the chart publishes in each activation mode', () => {
    for (const mode of ['always', 'wake', 'push'] as const) {
      const actor = createActor(sessionMachine, {
        input: { sessionId: 's', config: resolveSessionConfig({ activation: { mode } }) },
      }).start();
      const published = stateValueToString(actor.getSnapshot().value);
      expect(splitSessionState(published)).toMatchObject({
        dialog: 'idle',
        activation: mode === 'always' ? 'ungated' : 'closed',
      });
      expect(published.includes('+activation.')).toBe(mode !== 'always');
      expect(parseStateValue(published)).toEqual(actor.getSnapshot().value);
      actor.stop();
    }
  });
});
