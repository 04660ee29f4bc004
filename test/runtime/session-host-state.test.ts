import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../bus/messages.js';
import { driveTextTurn, setupSessions } from '../support/session-pair.js';

type StateMessage = Extract<BusMessage, { type: 'session.state' }>;

describe('session host: session.state', () => {
  it('publishes every change of state with the event that caused it, per session', async () => {
    const s = await setupSessions();
    await driveTextTurn(s, s.a, 'hi', 'Hello.');
    const states = s
      .messagesOf('a')
      .filter((m): m is StateMessage => m?.type === 'session.state')
      .map((m) => [m.value, m.event]);
    expect(states[0]).toEqual(['idle.waiting', 'start']);
    expect(states).toContainEqual(['processing.reply.thinking+user.silent', 'user.text']);
    expect(states.at(-1)).toEqual(['idle.waiting', expect.stringMatching(/^playback\.finished /)]);
    // Each line is a change: no value twice in a row, and every cause named.
    for (let i = 1; i < states.length; i++) expect(states[i]![0]).not.toBe(states[i - 1]![0]);
    expect(states.every(([, event]) => event !== '')).toBe(true);
    // Session b did nothing but start.
    const b = s.messagesOf('b').filter((m): m is StateMessage => m?.type === 'session.state');
    expect(b.map((m) => [m.value, m.event])).toEqual([['idle.waiting', 'start']]);
  });
});
