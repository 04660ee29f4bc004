/**
 * Every message that crosses the bus, as zod schemas. A message's `type` is `<stage>.<event>` and
 * decides its subject; `sessionId` and `turnId` travel in every message so any stage can run in another
 * process and stale messages of a cancelled turn can be dropped by `turnId`.
 *
 * Audio is raw s16le mono PCM in `audio` (a `Uint8Array`), carried as a binary section by the codec.
 */
import { z } from 'zod';
import { ActionIdSchema, ActionNameSchema, TurnIdSchema } from './ids.js';
import { noticeSchemaWith } from './notice-schema.js';
import { ACTION_CANCEL_REASONS, ESTOP_SOURCES } from './notices.js';

export {
  ActionIdSchema,
  SESSION_TURN,
  TurnIdSchema,
  isTurnId,
  type TurnId,
  type TurnLetter,
  type TurnRef,
} from './ids.js';
const actionName = ActionNameSchema;
/** Where an action runs: a robot controller on the bus, an in-process handler, or the Realtime client. */
export const ACTION_RUNNERS = ['controller', 'handler', 'client'] as const;
export type ActionRunner = (typeof ACTION_RUNNERS)[number];
const jsonObject = z.record(z.string(), z.unknown());

/** A tool as an LLM is given it (OpenAI function shape): its name, what it does, its JSON Schema arguments. */
export const ToolDefinitionSchema = z
  .object({
    name: actionName,
    description: z.string().max(4_000).default(''),
    parameters: jsonObject.default({ type: 'object', properties: {} }),
  })
  .strict();
export type ToolDefinition = z.infer<typeof ToolDefinitionSchema>;
/** How the LLM may use its tools (OpenAI `tool_choice`). */
export const ToolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), name: actionName }).strict(),
]);
export type ToolChoice = z.infer<typeof ToolChoiceSchema>;

const toolCallRef = z
  .object({ id: z.string().min(1).max(128), name: actionName, arguments: z.string().max(20_000) })
  .strict();
/** One message of an LLM request: the OpenAI chat roles, with tool calls and their results. */
export const ChatMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.enum(['system', 'user']), content: z.string() }).strict(),
  z
    .object({ role: z.literal('assistant'), content: z.string(), toolCalls: z.array(toolCallRef).max(64).optional() })
    .strict(),
  z.object({ role: z.literal('tool'), toolCallId: z.string().min(1).max(128), content: z.string() }).strict(),
]);

/** An action as the history keeps it: what was asked, and how it ended so far. */
export const ActionRecordSchema = z
  .object({
    actionId: ActionIdSchema,
    callId: z.string().max(128),
    name: actionName,
    arguments: jsonObject,
    status: z.enum(['requested', 'confirming', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'refused']),
    /** The result, error or reason, as the LLM is told it. */
    outcome: z.string().max(20_000).optional(),
  })
  .strict();
export type ActionRecord = z.infer<typeof ActionRecordSchema>;

const envelope = {
  sessionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  turnId: TurnIdSchema,
  /** Producer's clock time in ms when the message was made; for timelines, never for turn logic. */
  atMs: z.number().finite(),
};

const audioBytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, 'audio must be a Uint8Array')
  .refine((b) => b.byteLength % 2 === 0, 'audio must be s16le (even byte length)');
const segmentKind = z.enum(['reply', 'filler', 'say']);
/** A viseme id of the 15 Oculus/MPEG-4 mouth shapes (`sil`, `PP`, `aa`, …; see adapters/audio/mouth.ts). */
const viseme = z.string().regex(/^[A-Za-z]{1,3}$/);

/** One segment of a reply as the playback actor reports it. */
export const HeardSegmentSchema = z.object({
  segmentIndex: z.number().int().nonnegative(),
  kind: segmentKind,
  text: z.string(),
  /** Audio of this segment that left the output (written and not cleared). */
  playedMs: z.number().nonnegative(),
  /** All audio of this segment the TTS produced so far; equals the full duration once `complete`. */
  durationMs: z.number().nonnegative(),
  complete: z.boolean(),
});
export type HeardSegment = z.infer<typeof HeardSegmentSchema>;

/**
 * How a session finds the end of the user's turn: `server_vad` (the VAD actor, with optional overrides
 * of its segmenter and a 0–1 sensitivity `threshold`), or `manual` (the client commits each utterance).
 */
export const TurnDetectionSchema = z
  .object({
    mode: z.enum(['server_vad', 'manual']),
    threshold: z.number().min(0).max(1).optional(),
    prefixPaddingMs: z.number().int().min(0).max(5_000).optional(),
    hangoverMs: z.number().int().min(20).max(10_000).optional(),
  })
  .strict();
export type TurnDetection = z.infer<typeof TurnDetectionSchema>;

/**
 * One turn as the timeline sees it (built by `runtime/timeline.ts` from bus messages alone), correlated by
 * `turnId`: when the user stopped speaking, the transcript, the first token, the first clause, the first
 * audio, how it ended and what was heard. Times are ms on the producer's clock.
 */
export const TurnTimelineSchema = z
  .object({
    /** `sessionId#turnId`: the correlation id used in logs and metrics. */
    id: z.string(),
    turnId: TurnIdSchema,
    userText: z.string().optional(),
    speechEndAtMs: z.number().optional(),
    /** The user's voice ended (`vad.speech_end`'s time less its `silenceMs`): what latency counts from. */
    voiceEndAtMs: z.number().optional(),
    transcriptAtMs: z.number().optional(),
    llmRequestAtMs: z.number().optional(),
    firstTokenAtMs: z.number().optional(),
    firstClauseAtMs: z.number().optional(),
    ttsFirstChunkAtMs: z.number().optional(),
    firstAudioAtMs: z.number().optional(),
    endedAtMs: z.number().optional(),
    outcome: z.enum(['finished', 'interrupted', 'failed']).optional(),
    reason: z.string().optional(),
    heardText: z.string().optional(),
    /** TTS failovers of this turn: which engine gave way to which, when, and why. */
    fallbacks: z
      .array(z.object({ atMs: z.number(), fromEngine: z.string(), toEngine: z.string(), reason: z.string() }).strict())
      .optional(),
    /**
     * Microphone audio the echo step held back though it may have been the user's voice (`echo_held_user`): from when,
     * how long.
     */
    echoHeldUser: z.array(z.object({ fromMs: z.number(), heldMs: z.number() }).strict()).optional(),
    /**
     * The agent's speech the echo step was half duplex over (`echo_half_duplex`): a user quieter than the echo was not
     * heard.
     */
    echoHalfDuplex: z.array(z.object({ fromMs: z.number(), durationMs: z.number() }).strict()).optional(),
    /**
     * Stop phrases the stop spotter heard in the robot's own voice and did not act on (`estop_own_voice`): when, which,
     * how much its echo.
     */
    ownVoiceStops: z
      .array(z.object({ atMs: z.number(), phrase: z.string(), explainedShare: z.number() }).strict())
      .optional(),
  })
  .strict();
export type TurnTimeline = z.infer<typeof TurnTimelineSchema>;

/** What an engine failure says of itself: its error class, and whether a retry can help. */
const failure = { errorType: z.string().max(100).optional(), retryable: z.boolean().optional() };

const def = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...envelope, ...shape }).strict();

export const MessageSchemas = {
  // Input audio (microphone) and typed input.
  'audio.frame': def('audio.frame', {
    seq: z.number().int().nonnegative(),
    sampleRateHz: z.number().int().positive(),
    audio: audioBytes,
  }),
  'user.text': def('user.text', { text: z.string().min(1).max(10_000) }),
  // Output audio for a device in another process (adapters/audio/bus-sink.ts): frames to play in
  // order, and a clear that must drop whatever the device has buffered (a barge-in or STOP).
  // Lip sync (the plan's SPEECH_CHUNK): `level` is the frame's mouth opening 0-1 (its RMS envelope);
  // `viseme` the mouth shape playing, where the TTS engine knows its phonemes.
  'audio.out': def('audio.out', {
    seq: z.number().int().nonnegative(),
    sampleRateHz: z.number().int().positive(),
    audio: audioBytes,
    level: z.number().min(0).max(1).optional(),
    viseme: viseme.optional(),
  }),
  'audio.clear': def('audio.clear', { framesCleared: z.number().int().nonnegative() }),
  // VAD
  /**
   * An utterance starts; with `continues`, it is the rest of that utterance under a new turn id (the
   * session discarded a reply it had guessed from it, and the user went on speaking): the STT keeps
   * transcribing the same audio stream under the new id.
   */
  'vad.speech_start': def('vad.speech_start', { continues: TurnIdSchema.optional() }),
  /** The user went quiet inside an utterance (`silentMs` ago); the utterance may go on or end. */
  'vad.pause': def('vad.pause', { silentMs: z.number().nonnegative() }),
  /** Voice again after a `vad.pause`: the utterance goes on. */
  'vad.resume': def('vad.resume', {}),
  'vad.audio': def('vad.audio', {
    seq: z.number().int().nonnegative(),
    sampleRateHz: z.number().int().positive(),
    audio: audioBytes,
  }),
  /**
   * `silenceMs`: how long before `atMs` the user's voice ended (the last voiced frame); the rest is the VAD's hangover.
   */
  'vad.speech_end': def('vad.speech_end', {
    speechMs: z.number().nonnegative(),
    silenceMs: z.number().nonnegative().optional(),
  }),
  /**
   * The session chart to the VAD actor (`session.activation` `wake` and `push`): whether microphone audio
   * may open an utterance now (closing ends one in progress), and whether the user's silence may end one
   * (`holdsEnd`: push-to-talk held). The chart decides; the VAD only applies it.
   */
  'vad.gate': def('vad.gate', { open: z.boolean(), holdsEnd: z.boolean() }),
  // STT
  /**
   * `complete`: the transcript so far is a whole command (adaptive end of turn; absent: not known).
   * `confidence`: as the final's, judged on the audio so far (the emergency stop gates on it); the same
   * text comes again when it moved. `speechAfterMs`: as the final's.
   */
  'stt.partial': def('stt.partial', {
    text: z.string(),
    complete: z.boolean().optional(),
    confidence: z.number().min(0).max(1).optional(),
    speechAfterMs: z.number().nonnegative().optional(),
  }),
  /**
   * `confidence` (0..1): how sure the engine is the text is what was said, when it can tell; the chart
   * answers a final below `minConfidence` with a re-prompt instead of an intent. `language`: the
   * language the engine detected (`en`, `zh`), when it reports one. `speechAfterMs`: speech after the
   * text's last word that the text leaves out (a grammar's forced fit; the emergency stop refuses a stop
   * phrase with much of it), when the engine can tell. `lastWordSpeechShare` (0..1): how much of the
   * text's last word lies over speech (a grammar lays a sentence's end over silence; the emergency stop
   * refuses a stop phrase mostly silence), when the engine can tell.
   */
  'stt.final': def('stt.final', {
    text: z.string(),
    confidence: z.number().min(0).max(1).optional(),
    language: z.string().min(1).max(35).optional(),
    speechAfterMs: z.number().nonnegative().optional(),
    lastWordSpeechShare: z.number().min(0).max(1).optional(),
  }),
  'stt.error': def('stt.error', { message: z.string() }),
  /**
   * A learned keyword head spotted `phrase` in the utterance `turnId`, `score` (0..1) at or over its
   * threshold, about 80 ms after the phrase's last sound: the chart takes a spotted yes or no as the answer
   * to its question when the recognizer was unsure of the utterance.
   */
  'stt.keyword': def('stt.keyword', { phrase: z.string().min(1).max(200), score: z.number().min(0).max(1) }),
  // LLM
  'llm.started': def('llm.started', { firstTokenMs: z.number().nonnegative() }),
  'llm.token': def('llm.token', { index: z.number().int().nonnegative(), text: z.string() }),
  'llm.clause': def('llm.clause', { index: z.number().int().nonnegative(), text: z.string().min(1) }),
  'llm.done': def('llm.done', { text: z.string(), clauses: z.number().int().nonnegative() }),
  'llm.error': def('llm.error', { message: z.string(), ...failure }),
  /** How the memory lookup for this turn went: used (`hit`), over budget (`late`) or `failed`. */
  'llm.memory': def('llm.memory', {
    outcome: z.enum(['hit', 'late', 'failed']),
    waitedMs: z.number().nonnegative(),
    results: z.number().int().nonnegative(),
  }),
  /** A tool call or intent from the engine; `arguments` is the JSON text the model produced. */
  'llm.tool_call': def('llm.tool_call', {
    callId: z.string(),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    arguments: z.string(),
  }),
  // Actions, as ROS 2 actions over the bus: the session asks (`request`), the executor answers `accepted`
  // or `rejected`, reports `feedback` while it runs, and ends with `result`, `failed` or, after the
  // session's `cancel`, `cancelled`. `turnId` is the turn that asked; a controller subscribes to
  // `<prefix>.*.action.request` and filters on `name`.
  'action.request': def('action.request', {
    actionId: ActionIdSchema,
    name: actionName,
    arguments: jsonObject,
    /** The LLM's tool call id (the Realtime `call_id`), so a result can be given back to the model. */
    callId: z.string().min(1).max(128),
    runsOn: z.enum(ACTION_RUNNERS),
    timeoutMs: z.number().int().positive(),
  }),
  'action.accepted': def('action.accepted', { actionId: ActionIdSchema }),
  'action.rejected': def('action.rejected', { actionId: ActionIdSchema, reason: z.string().max(2_000) }),
  'action.feedback': def('action.feedback', { actionId: ActionIdSchema, feedback: jsonObject }),
  'action.result': def('action.result', { actionId: ActionIdSchema, result: z.unknown() }),
  'action.failed': def('action.failed', { actionId: ActionIdSchema, error: z.string().max(2_000) }),
  'action.cancel': def('action.cancel', { actionId: ActionIdSchema, reason: z.enum(ACTION_CANCEL_REASONS) }),
  'action.cancelled': def('action.cancelled', { actionId: ActionIdSchema }),
  // TTS
  'tts.requested': def('tts.requested', {
    segmentIndex: z.number().int().nonnegative(),
    kind: segmentKind,
    engine: z.string(),
  }),
  'tts.first_chunk': def('tts.first_chunk', {
    segmentIndex: z.number().int().nonnegative(),
    kind: segmentKind,
    engine: z.string(),
    latencyMs: z.number().nonnegative(),
  }),
  'tts.chunk': def('tts.chunk', {
    segmentIndex: z.number().int().nonnegative(),
    kind: segmentKind,
    seq: z.number().int().nonnegative(),
    /** Segment text, carried on every chunk so playback can report what was heard without another lookup. */
    text: z.string(),
    sampleRateHz: z.number().int().positive(),
    audio: audioBytes,
    /** Last chunk of the segment. */
    final: z.boolean(),
    /** Lip sync, from engines that know their phonemes (eSpeak): mouth shapes timed from the segment's start. */
    visemes: z
      .array(z.object({ atMs: z.number().nonnegative(), viseme: viseme }))
      .max(1000)
      .optional(),
  }),
  'tts.done': def('tts.done', { segments: z.number().int().nonnegative() }),
  /**
   * The TTS actor was stopped (the reply ended or was cut): the reply's text as it was to be spoken, its
   * segments in order with fillers left out. The chart keeps it for a reply cut by a barge-in, which may
   * turn out to be a false interruption and resume.
   */
  'tts.stopped': def('tts.stopped', { texts: z.array(z.string()).max(10_000) }),
  'tts.fallback': def('tts.fallback', { fromEngine: z.string(), toEngine: z.string(), reason: z.string() }),
  'tts.error': def('tts.error', { message: z.string(), fatal: z.boolean(), ...failure }),
  // Playback
  'playback.started': def('playback.started', { kind: segmentKind }),
  'playback.finished': def('playback.finished', { segments: z.array(HeardSegmentSchema) }),
  'playback.stopped': def('playback.stopped', {
    segments: z.array(HeardSegmentSchema),
    framesCleared: z.number().int().nonnegative(),
  }),
  // Remote engines (see adapters/remote/protocol.ts): a request goes to one worker of the stage's queue
  // group, which streams its replies to `replyTo`; a cancel reaches every worker.
  'tts.request': def('tts.request', {
    requestId: z.string().min(1).max(64),
    replyTo: z.string().min(1).max(256),
    text: z.string().min(1).max(10_000),
    voice: z.string().optional(),
    language: z.string().optional(),
  }),
  'llm.request': def('llm.request', {
    requestId: z.string().min(1).max(64),
    replyTo: z.string().min(1).max(256),
    messages: z.array(ChatMessageSchema).min(1).max(500),
    tools: z.array(ToolDefinitionSchema).max(128).optional(),
    toolChoice: ToolChoiceSchema.optional(),
  }),
  'stt.request': def('stt.request', {
    requestId: z.string().min(1).max(64),
    replyTo: z.string().min(1).max(256),
    sampleRateHz: z.number().int().positive(),
    language: z.string().optional(),
    /** The audio's source (`SttStreamOptions.channel`): the worker's engine keeps its adaptation per channel. */
    channel: z.string().min(1).max(256).optional(),
    audio: audioBytes,
  }),
  'tts.cancel': def('tts.cancel', { requestId: z.string().min(1).max(64) }),
  'llm.cancel': def('llm.cancel', { requestId: z.string().min(1).max(64) }),
  'stt.cancel': def('stt.cancel', { requestId: z.string().min(1).max(64) }),
  // Control (any process may publish these to steer a session)
  'control.stop': def('control.stop', {}),
  'control.say': def('control.say', {
    text: z.string().min(1).max(10_000),
    uninterruptible: z.boolean().default(false),
  }),
  'control.end': def('control.end', {}),
  /**
   * Answer now from the history as it is, with no new user input (the Realtime `response.create` after a
   * client's `function_call_output`, or with `instructions` and nothing new: "Greet the user."): an LLM
   * reply under a follow-up turn id. `instructions` are added to the system prompt for this reply only.
   * `outOfBand` (the Realtime `conversation: "none"`): the reply is spoken from the history but stays
   * out of it, so later replies never see it.
   */
  'control.respond': def('control.respond', {
    instructions: z.string().min(1).max(20_000).optional(),
    outOfBand: z.boolean().optional(),
  }),
  /**
   * Per-session settings a client may change while the session runs (the Realtime `session.update`):
   * the chart takes `systemPrompt` and `voice`, the VAD actor takes `turnDetection`. Absent fields keep
   * their value.
   */
  'control.configure': def('control.configure', {
    systemPrompt: z.string().min(1).max(20_000).optional(),
    voice: z.string().min(1).max(200).optional(),
    turnDetection: TurnDetectionSchema.optional(),
    /**
     * Tools the client runs itself (the Realtime `session.update` `tools`): offered to the LLM beside the declared
     * actions.
     */
    clientTools: z.array(ToolDefinitionSchema).max(128).optional(),
    toolChoice: ToolChoiceSchema.optional(),
  }),
  /**
   * The emergency stop: a stop phrase in a transcript (`phrase`), a client's button or event (`client`),
   * a keyword spotter (`spotter`). The chart clears playback, cancels every action and publishes `stop`.
   */
  'control.estop': def('control.estop', { source: z.enum(ESTOP_SOURCES), phrase: z.string().max(200).optional() }),
  /**
   * Open or close the microphone (`session.activation` `wake` and `push`; ignored in `always`): a client's
   * push-to-talk button, or the keyword spotter on a wake phrase (`phrase`). Closing ends an utterance in progress.
   */
  'control.listen': def('control.listen', { open: z.boolean(), phrase: z.string().max(200).optional() }),
  /**
   * The client played only `audioEndMs` of the reply `turnId` (its own buffer was flushed on
   * barge-in): the history keeps only the words within that much audio.
   */
  'control.truncate': def('control.truncate', { audioEndMs: z.number().nonnegative().max(3_600_000) }),
  /** End the utterance in progress now (manual turn detection: the client decides when the user is done). */
  'audio.commit': def('audio.commit', {}),
  /** Drop microphone audio not yet part of an utterance (manual turn detection's buffer). */
  'audio.discard': def('audio.discard', {}),
  // Session observability
  'session.state': def('session.state', { value: z.string(), event: z.string() }),
  /** `replyTurnId`: a user entry answered by a reply with another turn id (after a discarded speculative reply). */
  'session.history': def('session.history', {
    role: z.enum(['user', 'assistant', 'action']),
    text: z.string(),
    interrupted: z.boolean(),
    replyTurnId: TurnIdSchema.optional(),
    action: ActionRecordSchema.optional(),
  }),
  /**
   * What the chart noticed: `code` and its typed fields (bus/notices.ts), and `detail`, the same said as
   * text for people and logs (`describeNotice`).
   */
  'session.notice': noticeSchemaWith({ type: z.literal('session.notice'), ...envelope, detail: z.string() }),
  'session.error': def('session.error', { code: z.string(), message: z.string(), subject: z.string().optional() }),
  /**
   * A finished turn's durable record (server/records), relayed from the store's outbox to the JetStream
   * stream `record.outbox.stream`. Times in the turn are ms since the recording started at
   * `startedAtWallMs` (Unix ms); `recordingId` names the recording in the store.
   */
  'record.turn': def('record.turn', {
    recordingId: z.string().min(1).max(64),
    startedAtWallMs: z.number(),
    turn: TurnTimelineSchema,
  }),
} as const;

export type MessageType = keyof typeof MessageSchemas;
export type MessageOf<T extends MessageType> = z.infer<(typeof MessageSchemas)[T]>;
export type BusMessage = { [T in MessageType]: MessageOf<T> }[MessageType];
/** What a producer fills in; `atMs` is stamped by the typed bus from its clock. */
export type Outgoing<T extends MessageType> = OutgoingMessages[T];
/** `Omit` member by member, so a message type that is itself a union (`session.notice`) stays one. */
type WithoutAtMs<M> = M extends unknown ? Omit<M, 'atMs'> : never;
type OutgoingMessages = { [T in MessageType]: WithoutAtMs<MessageOf<T>> & { atMs?: number } };

export const MESSAGE_TYPES = Object.keys(MessageSchemas) as MessageType[];

/** An action's lifecycle on the bus, in order: what clients and observers of actions subscribe to. */
export const ACTION_MESSAGE_TYPES = [
  'action.request',
  'action.accepted',
  'action.rejected',
  'action.feedback',
  'action.result',
  'action.failed',
  'action.cancel',
  'action.cancelled',
] as const satisfies readonly MessageType[];

export function isMessageType(value: string): value is MessageType {
  return Object.prototype.hasOwnProperty.call(MessageSchemas, value);
}
