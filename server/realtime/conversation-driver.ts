/**
 * The conversation reducer (conversation.ts) held for one connection: `dispatch` applies an input and
 * carries out its effects — events to the client, errors (with the `event_id` of the client event being
 * handled, `handling`), typed turns, `control.respond`, the response tracker, and the bus messages of the
 * actions the client runs (`action.accepted` once a call is streamed, `action.result` from its output,
 * `action.cancelled` for a call the session cancelled).
 *
 * @example
 * ```ts
 * const conversation = conversationDriver({ bus, sessionId, handle, responses, send, fail, failFor });
 * conversation.dispatch({ type: 'response_create', responseActive: responses.active() });
 * ```
 */
import type { MessageBus } from '../../bus/message-bus.js';
import { SESSION_TURN } from '../../bus/messages.js';
import type { SessionHandle } from '../../runtime/session-host.js';
import { INITIAL_CONVERSATION, reduce, type ConversationEffect, type ConversationInput } from './conversation.js';
import type { ItemStore } from './items.js';
import type { ClientEvent, ProtocolError } from './protocol.js';
import type { ResponseTracker } from './responses.js';
import type { ServerEvent } from './server-events.js';

export interface ConversationDriverDeps {
  bus: MessageBus;
  sessionId: string;
  handle: Pick<SessionHandle, 'sendText'>;
  responses: ResponseTracker;
  items: ItemStore;
  send(event: ServerEvent): void;
  fail(error: ProtocolError): void;
  failFor(event: ClientEvent, code: string, message: string, param?: string | null): void;
}

/**
 * The conversation reducer held for one connection: `dispatch` applies an input and carries out its
 * effects; an error while a client event is being handled (`handling`) carries that event's id.
 */
export function conversationDriver(deps: ConversationDriverDeps) {
  const { bus, sessionId, responses } = deps;
  let state = INITIAL_CONVERSATION;
  const handling: { event: ClientEvent | undefined } = { event: undefined };
  const carryOut = (effect: ConversationEffect) => {
    switch (effect.type) {
      case 'event':
        return deps.send(effect.event);
      case 'add_item': {
        const previous = deps.items.add(effect.item, effect.after);
        const { item } = effect;
        if (effect.committed)
          deps.send({ type: 'input_audio_buffer.committed', previous_item_id: previous, item_id: item.id });
        deps.send({ type: 'conversation.item.added', previous_item_id: previous, item });
        if (effect.done) deps.send({ type: 'conversation.item.done', previous_item_id: previous, item });
        return;
      }
      case 'error':
        if (handling.event) return deps.failFor(handling.event, effect.code, effect.message, effect.param);
        return deps.fail({ code: effect.code, message: effect.message, param: effect.param, event_id: null });
      case 'send_text':
        return deps.handle.sendText(effect.text);
      case 'respond':
        return bus.publish({
          type: 'control.respond',
          sessionId,
          turnId: SESSION_TURN,
          ...(effect.instructions !== undefined ? { instructions: effect.instructions } : {}),
          ...(effect.outOfBand ? { outOfBand: true } : {}),
        });
      case 'expect_response':
        return responses.expect({ metadata: effect.metadata, outOfBand: effect.outOfBand });
      case 'empty_response':
        return responses.empty(effect.key);
      case 'start_response':
        return responses.start(effect.turnId);
      case 'token':
        return responses.onToken(effect.turnId, effect.text);
      case 'stream_call':
        responses.onFunctionCall(effect.turnId, effect);
        return bus.publish({ type: 'action.accepted', sessionId, turnId: effect.turnId, actionId: effect.actionId });
      case 'action_result':
        return bus.publish({
          type: 'action.result',
          sessionId,
          turnId: effect.turnId,
          actionId: effect.actionId,
          result: effect.output,
        });
      case 'ack_cancel':
        return bus.publish({ type: 'action.cancelled', sessionId, turnId: effect.turnId, actionId: effect.actionId });
    }
  };
  return {
    handling,
    dispatch(input: ConversationInput) {
      const step = reduce(state, input);
      state = step.state;
      for (const effect of step.effects) carryOut(effect);
    },
  };
}
