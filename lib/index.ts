/**
 * `voice-agent`, the library: the small public surface a program builds on. Everything else in the
 * package is internal (its `exports` refuse deep imports); fakes for tests are in `voice-agent/testing`.
 *
 * - {@link createAgent} — one session on the fakes, your engines or the configured local engines.
 * - {@link defineAction} — a robot action from a zod schema and an in-process handler.
 * - The typed vocabularies: notice codes, cancel and drop reasons, session states, message types.
 * - The bus, to put a session on NATS and to watch it from another process.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { createAgent, defineAction, NoticeCode } from 'voice-agent';
 *
 * const turn = defineAction({
 *   name: 'turn',
 *   description: 'Turn in place.',
 *   schema: z.object({ direction: z.enum(['left', 'right']) }),
 *   handler: ({ direction }) => ({ heading: direction === 'left' ? -90 : 90 }),
 * });
 * const agent = createAgent({ actions: [turn] });
 * agent.on('notice', (n) => n.code === NoticeCode.estop && console.log('stopped'));
 * await agent.start();
 * ```
 */
export { createAgent, AgentStateError } from './agent.js';
export type {
  Agent,
  AgentOptions,
  AgentEvents,
  AgentEventName,
  ActionMessage,
  StateEvent,
  WaitOptions,
} from './agent.js';
export { defineAction, ActionArgumentsError } from './actions.js';
export type { Action, ActionDefinition, ActionResult, ArgumentsSchema } from './actions.js';
export type { AgentEngines } from './testing.js';

// Actions: the declaration the session runs on, the handler's context, the executor for another process.
export {
  ActionDeclarationError,
  ACTION_DEFAULTS,
  CANCEL_TRIGGERS,
  type ActionDeclaration,
  type ActionDeclarationInput,
  type CancelTrigger,
  type ConfirmPolicy,
} from '../adapters/actions/declaration.js';
export {
  serveActions,
  TIMEOUT_GRACE_MS,
  type ActionContext,
  type ActionHandler,
  type ActionServer,
  type RunningAction,
  type ServeActionsOptions,
} from '../adapters/actions/executor.js';
export { RulesError, type RulesConfig } from '../adapters/llm/rules.js';
export { systemClock, type Clock } from '../adapters/clock.js';

// The typed vocabularies: compare against these names, never a bare string.
export {
  NOTICE_CODES,
  NoticeCode,
  REPLY_CANCEL_REASONS,
  ReplyCancelReason,
  UTTERANCE_DROP_REASONS,
  UtteranceDropReason,
  SPECULATION_DISCARD_REASONS,
  SpeculationDiscardReason,
  ACTION_CANCEL_REASONS,
  ActionCancelReason,
  ACTION_REFUSAL_REASONS,
  type ActionRefusalReason,
  REPLY_FAILURE_REASONS,
  isReplyFailure,
  ESTOP_SOURCES,
  type EstopSource,
  ACTION_END_OUTCOMES,
  type ActionEndOutcome,
  isNoticeCode,
} from '../bus/notices.js';
export { NoticeSchema, type Notice, type NoticeOf } from '../bus/notice-schema.js';
export { Notices, describeNotice } from '../machines/notices.js';
export {
  DIALOG_STATES,
  DialogState,
  ACTIONS_STATES,
  ActionsState,
  ACTIVATION_STATES,
  ActivationState,
  splitSessionState,
  type SessionStateParts,
} from '../machines/states.js';
export type { HistoryEntry } from '../machines/events.js';
export type { SessionConfigInput } from '../machines/config.js';

// The bus: in-process or NATS, its subjects and its messages.
export {
  createMessageBus,
  parseBusMessage,
  type MessageBus,
  type MessageBusOptions,
  type BusStats,
} from '../bus/message-bus.js';
export { createMemoryTransport, type MemoryTransportOptions } from '../bus/memory-transport.js';
export {
  connectNatsTransport,
  natsTransportFromConnection,
  type NatsTransportOptions,
  type NatsTransportFromConnectionOptions,
} from '../bus/nats-transport.js';
export type { Transport, Subscription } from '../bus/transport.js';
export {
  DEFAULT_PREFIX,
  STAGES,
  subjectFor,
  parseSubject,
  stageWildcard,
  sessionWildcard,
  type Stage,
  type SubjectParts,
} from '../bus/subjects.js';
export {
  MESSAGE_TYPES,
  MessageSchemas,
  SESSION_TURN,
  ACTION_RUNNERS,
  isMessageType,
  isTurnId,
  type TurnId,
  type TurnRef,
  type ActionRunner,
  type ActionRecord,
  type BusMessage,
  type MessageOf,
  type MessageType,
  type Outgoing,
  type ToolDefinition,
  type ToolChoice,
  type TurnTimeline,
} from '../bus/messages.js';
