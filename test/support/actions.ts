/**
 * Declared actions and helpers for the chart's action tests: a `turn` with a result template, a
 * `navigate` that asks first for the door and lets the LLM speak its outcome, and the `stop` the
 * emergency stop sends.
 */
import type { ActionDeclarationInput } from '../../adapters/actions/declaration.js';
import type { BusMessage, MessageOf } from '../../bus/messages.js';
import type { LiveHarness } from './live-session.js';

export const TEST_ACTIONS: ActionDeclarationInput[] = [
  {
    name: 'turn',
    description: 'Turn in place.',
    parameters: {
      type: 'object',
      properties: { direction: { type: 'string', enum: ['left', 'right'] } },
      required: ['direction'],
      additionalProperties: false,
    },
    timeoutMs: 5_000,
    say: { result: 'Turned {direction}.' },
  },
  {
    name: 'navigate',
    description: 'Drive to a named place.',
    parameters: {
      type: 'object',
      properties: { place: { type: 'string', enum: ['kitchen', 'door'] } },
      required: ['place'],
      additionalProperties: false,
    },
    confirm: { when: { place: ['door'] } },
    timeoutMs: 20_000,
    cancelOn: ['stop'],
  },
  { name: 'stop', description: 'Stop all motion.', cancelOn: [] },
];

export const actionMessages = (h: LiveHarness) =>
  h.messages.filter((m): m is Extract<BusMessage, { type: `action.${string}` }> => m.type.startsWith('action.'));
export const requests = (h: LiveHarness) =>
  h.messages.filter((m): m is MessageOf<'action.request'> => m.type === 'action.request');
export const cancels = (h: LiveHarness) =>
  h.messages.filter((m): m is MessageOf<'action.cancel'> => m.type === 'action.cancel');
export const noticeCodes = (h: LiveHarness) => h.messages.flatMap((m) => (m.type === 'session.notice' ? [m.code] : []));

/** The executor's answer to the newest request, as a controller on the bus would send it. */
export async function answer(
  h: LiveHarness,
  type: 'action.accepted' | 'action.result' | 'action.failed' | 'action.rejected',
  extra: Record<string, unknown> = {},
) {
  const request = requests(h).at(-1)!;
  const fields =
    type === 'action.result'
      ? { result: 'ok' }
      : type === 'action.failed'
        ? { error: 'motor fault' }
        : type === 'action.rejected'
          ? { reason: 'busy' }
          : {};
  await h.publish({
    type,
    sessionId: request.sessionId,
    turnId: request.turnId,
    actionId: request.actionId,
    ...fields,
    ...extra,
  } as never);
}
