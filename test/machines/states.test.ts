/** The exported state vocabularies are the chart's states: a state added to or renamed in the machine fails here. */
import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { ACTIONS_STATES, ACTIVATION_STATES, DIALOG_STATES, splitSessionState } from '../../machines/states.js';
import { sessionMachine } from '../../machines/session.machine.js';

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
    });
    expect(splitSessionState('idle.waiting')).toEqual({ dialog: 'idle', dialogPath: 'idle.waiting', actions: 'idle' });
    expect(() => splitSessionState('dozing.off')).toThrow(/not a session state value/);
    expect(() => splitSessionState('idle.waiting+actions.flying')).toThrow(/not a session state value/);
  });
});
