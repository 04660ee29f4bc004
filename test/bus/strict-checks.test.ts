import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { setStrictChecks, strictChecks } from '../../bus/strict-checks.js';

/** A `user.text` without its text: the producer's types would not allow it. */
const malformed = { type: 'user.text', sessionId: 's1', turnId: '-' } as unknown as BusMessage;

describe('strict checks', () => {
  afterEach(() => setStrictChecks(true)); // the suite's own setting (test/support/strict-checks.setup.ts)

  it('are off for buses made while they are off: a malformed in-process message passes, unfrozen', async () => {
    setStrictChecks(false);
    expect(strictChecks()).toEqual({ validateInProcess: false, freezeMessages: false, checkServerEvents: false });
    const bus = createMessageBus(createMemoryTransport());
    const seen: BusMessage[] = [];
    bus.subscribe(bus.subjects.forSession('s1'), (m) => seen.push(m));
    expect(() => bus.publish(malformed)).not.toThrow();
    await bus.flush();
    expect(seen.map((m) => m.type)).toEqual(['user.text']);
    expect(Object.isFrozen(seen[0])).toBe(false);
  });

  it('reject a malformed message at publish and freeze deliveries when on', async () => {
    setStrictChecks(true);
    const bus = createMessageBus(createMemoryTransport());
    expect(() => bus.publish(malformed)).toThrow(/text/);
    const seen: BusMessage[] = [];
    bus.subscribe(bus.subjects.forSession('s1'), (m) => seen.push(m));
    bus.publish({ type: 'user.text', sessionId: 's1', turnId: '-', text: 'hello' });
    await bus.flush();
    expect(Object.isFrozen(seen[0])).toBe(true);
  });

  it('can be set one at a time', () => {
    setStrictChecks(false);
    setStrictChecks({ checkServerEvents: true });
    expect(strictChecks()).toEqual({ validateInProcess: false, freezeMessages: false, checkServerEvents: true });
  });
});
