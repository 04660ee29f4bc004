/**
 * The topics of an MCAP recording and the JSON schemas of its JSON channels. Topic names are
 * configurable (a prefix, or each name); a reader finds the channels by schema name, never by topic, so
 * a file written with other names replays the same.
 *
 * @example
 * ```ts
 * mcapTopics({ prefix: '/robot1/voice' }).state; // '/robot1/voice/chart/state'
 * ```
 */
import { Log, RawAudio } from '@foxglove/schemas/jsonschema.js';
import type { TurnTimeline } from '../../../bus/messages.js';
import type { RecordedAudio, RecordedEmitted, RecordedEvent, Recording } from '../read.js';

/** One recording as every reader of it sees it: what the SQLite store and an MCAP file both give. */
export interface RecordingData {
  recording: Recording;
  events: RecordedEvent[];
  emitted: RecordedEmitted[];
  turns: TurnTimeline[];
  audio: RecordedAudio[];
}

export const DEFAULT_TOPIC_PREFIX = '/voice_agent';

const TOPIC_PATHS = {
  /** Every event the chart processed, as recorded (JSON, lossless): what replay feeds the chart. */
  events: '/chart/events',
  /** The chart's state after each event that changed it: a State Transitions panel plots `state`. */
  state: '/chart/state',
  /** Notices, history entries and published action messages, each tied to its event (JSON, lossless). */
  emitted: '/chart/emitted',
  /** The per-turn timelines, at each turn's end. */
  turns: '/turns',
  /** Notices as `foxglove.Log`, for a Log panel. */
  log: '/log',
  /** `hri_msgs/msg/LiveSpeech`: the user's speech, incremental and final. */
  userSpeech: '/user/speech',
  /** `tts_msgs/action/TTS` feedback: what the robot said, its last `text_said` being what was heard. */
  robotSpeechFeedback: '/robot/speech/_action/feedback',
  /** `tts_msgs/action/TTS` result: succeeded (played to its end), canceled (cut) or aborted (failed). */
  robotSpeechResult: '/robot/speech/_action/result',
  /** Robot actions: the goal the agent sent (`action.request`). */
  actionGoal: '/action/goal',
  /** `action_msgs/msg/GoalStatusArray`: accepted, canceling, succeeded, canceled, aborted. */
  actionStatus: '/action/_action/status',
  actionFeedback: '/action/_action/feedback',
  actionResult: '/action/_action/result',
  /** The agent's cancel, with its reason. */
  actionCancel: '/action/cancel',
  /** `audio_common_msgs/msg/AudioStamped`: the microphone, s16 samples. */
  microphone: '/audio/microphone',
  /** `foxglove.RawAudio`: the same samples, for Foxglove's audio playback. */
  microphoneRaw: '/audio/microphone/raw',
} as const;

export type TopicKey = keyof typeof TOPIC_PATHS;
export type McapTopics = Record<TopicKey, string>;

export interface TopicOptions {
  /** Prepended to every default topic (default `/voice_agent`). */
  prefix?: string;
  /** Single topics renamed outright. */
  names?: Partial<McapTopics>;
}

/** The topic names: the defaults under `prefix`, with `names` replacing single ones. */
export function mcapTopics(options: TopicOptions = {}): McapTopics {
  const prefix = (options.prefix ?? DEFAULT_TOPIC_PREFIX).replace(/\/+$/, '');
  if (prefix !== '' && !/^\/[A-Za-z0-9_/]*$/.test(prefix)) {
    throw new Error(
      `topic prefix "${options.prefix}" is not a ROS 2 name: use "/" then letters, digits, "_" and "/" (e.g. ` +
        `/robot1/voice_agent)`,
    );
  }
  const topics = Object.fromEntries(
    Object.entries(TOPIC_PATHS).map(([key, path]) => [key, `${prefix}${path}`]),
  ) as McapTopics;
  return { ...topics, ...options.names };
}

/** Schema names of the JSON channels this project defines (the reader looks channels up by these). */
export const JSON_SCHEMA_NAMES = {
  events: 'voice_agent.ChartEvent',
  state: 'voice_agent.ChartState',
  emitted: 'voice_agent.ChartEmitted',
  turns: 'voice_agent.TurnTimeline',
} as const;

/** The metadata record holding the recording itself (ids, start, end, chart version, config). */
export const RECORDING_METADATA = 'voice_agent.recording';

const atMs = { type: 'number', description: 'ms since the recording started' };
const turnId = {
  type: ['string', 'null'],
  description: 'the turn (u<n>, t<n>, s<n>, r<n>, f<n>) or "-" / null for the session',
};

export const JSON_SCHEMAS: Record<keyof typeof JSON_SCHEMA_NAMES, object> = {
  events: {
    title: JSON_SCHEMA_NAMES.events,
    description: 'One event the session chart processed, as recorded: replay feeds these back to the chart in order',
    type: 'object',
    properties: {
      seq: { type: 'integer' },
      atMs,
      type: { type: 'string' },
      turnId,
      state: { type: 'string', description: 'the state after the event (speaking.reply.playing+user.silent)' },
      status: { type: 'string', enum: ['active', 'done', 'error'] },
      event: {
        type: 'object',
        description: 'the event: a bus message with its envelope, or the chart’s own xstate.after.*',
      },
    },
    required: ['seq', 'atMs', 'type', 'turnId', 'state', 'status', 'event'],
  },
  state: {
    title: JSON_SCHEMA_NAMES.state,
    description: 'A transition of the session chart: the state it entered, the one it left and the event that moved it',
    type: 'object',
    properties: {
      state: { type: 'string' },
      previous: { type: 'string' },
      event: { type: 'string' },
      turnId,
      status: { type: 'string', enum: ['active', 'done', 'error'] },
      seq: { type: 'integer' },
    },
    required: ['state', 'previous', 'event', 'turnId', 'status', 'seq'],
  },
  emitted: {
    title: JSON_SCHEMA_NAMES.emitted,
    description:
      'A notice, history entry or published action message the chart emitted while processing event eventSeq',
    type: 'object',
    properties: {
      kind: { type: 'string', enum: ['notice', 'history', 'publish'] },
      seq: { type: 'integer' },
      eventSeq: { type: 'integer' },
      atMs,
    },
    required: ['kind', 'seq', 'eventSeq', 'atMs'],
  },
  turns: {
    title: JSON_SCHEMA_NAMES.turns,
    description: 'One turn: its timeline (ms since the recording started), outcome, user text and heard text',
    type: 'object',
    properties: {
      ordinal: { type: 'integer', description: 'the turn’s place in the recording' },
      id: { type: 'string' },
      turnId: { type: 'string' },
      outcome: { type: 'string' },
      heardText: { type: 'string' },
    },
    required: ['ordinal', 'id', 'turnId'],
  },
};

/** Foxglove's well-known schemas, as JSON Schema (`@foxglove/schemas`). */
export const FOXGLOVE_SCHEMAS = { log: Log, rawAudio: RawAudio } as const;
