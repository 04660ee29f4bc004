/**
 * A recording turned into the messages of its MCAP topics: plain objects, each with its topic and its
 * time (ms since the recording started). The writer encodes them (CDR for ROS 2 types, JSON otherwise);
 * the Foxglove live view (if any) publishes the same objects.
 *
 * @example
 * ```ts
 * for (const m of sessionMessages(recordingData(store, 'robot-1'))) console.log(m.atMs, m.topic);
 * ```
 */
import type { TurnTimeline } from '../../../bus/messages.js';
import type { RecordedAudio, RecordedEmitted, RecordedEvent } from '../read.js';
import { goalId, GoalStatus, PA_INT16, rosTime } from './ros2-msgs.js';
import type { RecordingData, TopicKey } from './topics.js';

export interface TopicMessage {
  topic: TopicKey;
  atMs: number;
  message: unknown;
}

/** foxglove.LogLevel */
const LogLevel = { info: 2, warning: 3 } as const;
/** Notices that mean something was refused or stopped: a warning in a Log panel; the rest is info. */
const WARNING_NOTICES = new Set(['estop', 'action_refused', 'action_ended', 'not_understood', 'utterance_dropped']);

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const header = (unixMs: number, frameId: string) => ({ stamp: rosTime(unixMs), frame_id: frameId });

/** `previous`: the state before the first of `events` ('' at the start). */
function chartMessages(events: readonly RecordedEvent[], previous = ''): TopicMessage[] {
  const out: TopicMessage[] = [];
  for (const e of events) {
    out.push({ topic: 'events', atMs: e.atMs, message: e });
    if (e.state !== previous || e.seq === 0) {
      out.push({
        topic: 'state',
        atMs: e.atMs,
        message: { state: e.state, previous, event: e.type, turnId: e.turnId, status: e.status, seq: e.seq },
      });
      previous = e.state;
    }
  }
  return out;
}

function speechMessages(startedWallMs: number, events: readonly RecordedEvent[]): TopicMessage[] {
  return events
    .filter((e) => e.type === 'stt.partial' || e.type === 'stt.final')
    .map((e) => {
      const text = str(e.event.text);
      const confidence = typeof e.event.confidence === 'number' ? e.event.confidence : 0;
      const final = e.type === 'stt.final';
      const language = str(e.event.language);
      // frame_id carries the turn: a ROS 2 reader sees which utterance a hypothesis belongs to.
      const message = {
        header: header(startedWallMs + e.atMs, e.turnId ?? ''),
        incremental: final ? '' : text,
        final: final ? text : '',
        confidence,
        language,
      };
      return { topic: 'userSpeech' as const, atMs: e.atMs, message };
    });
}

function logMessages(startedWallMs: number, sessionId: string, emitted: readonly RecordedEmitted[]): TopicMessage[] {
  return emitted.flatMap((e) =>
    e.kind === 'notice'
      ? [
          {
            topic: 'log' as const,
            atMs: e.atMs,
            message: {
              timestamp: { sec: rosTime(startedWallMs + e.atMs).sec, nsec: rosTime(startedWallMs + e.atMs).nanosec },
              level: WARNING_NOTICES.has(e.code) ? LogLevel.warning : LogLevel.info,
              message: `${e.code} ${e.turnId}${e.detail ? `: ${e.detail}` : ''}`,
              name: `voice_agent/${sessionId}`,
              file: '',
              line: 0,
            },
          },
        ]
      : [],
  );
}

/**
 * The robot's speech per turn, as ROS4HRI's `tts_msgs/action/TTS` reports it: feedback at the first audio
 * (the word being uttered, the reply's first), then the result with the text actually uttered (what was
 * heard) and, unless it played to its end, why not.
 */
function robotSpeechMessages(startedWallMs: number, turns: readonly TurnTimeline[]): TopicMessage[] {
  return turns.flatMap((t) => {
    if (t.firstAudioAtMs === undefined && t.heardText === undefined) return [];
    const endMs = t.endedAtMs ?? t.firstAudioAtMs ?? 0;
    const firstWord = (t.heardText ?? '').trim().split(/\s+/)[0] ?? '';
    const status =
      t.outcome === 'finished'
        ? GoalStatus.succeeded
        : t.outcome === 'interrupted'
          ? GoalStatus.canceled
          : GoalStatus.aborted;
    const error = t.outcome === 'finished' ? '' : (t.reason ?? t.outcome ?? 'not ended');
    return [
      ...(t.firstAudioAtMs !== undefined
        ? [
            {
              topic: 'robotSpeechFeedback' as const,
              atMs: t.firstAudioAtMs,
              message: { goal_id: goalId(t.turnId), feedback: { word: firstWord } },
            },
          ]
        : []),
      {
        topic: 'robotSpeechResult' as const,
        atMs: endMs,
        message: { status, result: { error_msg: error, text: t.heardText ?? '' } },
      },
    ];
  });
}

const json = (value: unknown) => (value === undefined ? '' : JSON.stringify(value));

/** The action lifecycle: the agent's goal and cancel (what it published), the executor's answers (events). */
function actionMessages(
  startedWallMs: number,
  events: readonly RecordedEvent[],
  emitted: readonly RecordedEmitted[],
  turnOf = new Map<string, string>(),
): TopicMessage[] {
  // The agent's side first: its goals say which turn each action belongs to.
  const asked = requestedActionMessages(startedWallMs, emitted, turnOf);
  return [...asked, ...answeredActionMessages(startedWallMs, events, turnOf)];
}

/** The goals and cancels the agent published; each goal's turn goes into `turnOf`. */
function requestedActionMessages(
  startedWallMs: number,
  emitted: readonly RecordedEmitted[],
  turnOf: Map<string, string>,
): TopicMessage[] {
  const out: TopicMessage[] = [];
  for (const e of emitted) {
    if (e.kind !== 'publish') continue;
    const m: Record<string, unknown> = e.message;
    const actionId = str(m.actionId);
    const turnId = str(m.turnId);
    if (m.type === 'action.request') {
      turnOf.set(actionId, turnId);
      const goal = {
        action_id: actionId,
        turn_id: turnId,
        name: str(m.name),
        arguments_json: json(m.arguments),
        call_id: str(m.callId),
        runs_on: str(m.runsOn),
      };
      out.push({
        topic: 'actionGoal',
        atMs: e.atMs,
        message: { goal_id: goalId(actionId), goal: { ...goal, timeout_ms: Number(m.timeoutMs ?? 0) } },
      });
    } else if (m.type === 'action.cancel') {
      out.push({
        topic: 'actionCancel',
        atMs: e.atMs,
        message: { goal_id: goalId(actionId), action_id: actionId, turn_id: turnId, reason: str(m.reason) },
      });
      out.push(actionStatus(startedWallMs, e.atMs, actionId, GoalStatus.canceling));
    }
  }
  return out;
}

/** The executor's answers (accepted, feedback, and how it ended), as status, feedback and result messages. */
function answeredActionMessages(
  startedWallMs: number,
  events: readonly RecordedEvent[],
  turnOf: Map<string, string>,
): TopicMessage[] {
  return events.flatMap((e): TopicMessage[] => {
    const actionId = str(e.event.actionId);
    const turnId = turnOf.get(actionId) ?? e.turnId ?? '';
    const status = (code: number) => actionStatus(startedWallMs, e.atMs, actionId, code);
    // The result names the turn only when the action's goal was seen (`turnOf`); feedback falls back to the event's.
    const resultTurnId = turnOf.get(actionId) ?? '';
    const ended = (code: number, outcome: string, resultJson: string, error: string) => [
      status(code),
      actionResult(e.atMs, code, {
        action_id: actionId,
        turn_id: resultTurnId,
        outcome,
        result_json: resultJson,
        error,
      }),
    ];
    switch (e.type) {
      case 'action.accepted':
        return [status(GoalStatus.accepted)];
      case 'action.feedback':
        return [
          {
            topic: 'actionFeedback',
            atMs: e.atMs,
            message: {
              goal_id: goalId(actionId),
              feedback: { action_id: actionId, turn_id: turnId, feedback_json: json(e.event.feedback) },
            },
          },
        ];
      case 'action.result':
        return ended(GoalStatus.succeeded, 'result', json(e.event.result), '');
      case 'action.failed':
      case 'action.rejected':
        return ended(
          GoalStatus.aborted,
          e.type === 'action.failed' ? 'failed' : 'rejected',
          '',
          str(e.event.error) || str(e.event.reason),
        );
      case 'action.cancelled':
        return ended(GoalStatus.canceled, 'cancelled', '', '');
      default:
        return [];
    }
  });
}

/** An `action_msgs/GoalStatusArray` with the one goal's status. */
function actionStatus(startedWallMs: number, atMs: number, actionId: string, code: number): TopicMessage {
  return {
    topic: 'actionStatus',
    atMs,
    message: {
      status_list: [{ goal_info: { goal_id: goalId(actionId), stamp: rosTime(startedWallMs + atMs) }, status: code }],
    },
  };
}

/** How an action ended: its final status and result. */
function actionResult(
  atMs: number,
  code: number,
  result: { action_id: string; turn_id: string; outcome: string; result_json: string; error: string },
): TopicMessage {
  return { topic: 'actionResult', atMs, message: { status: code, result } };
}

function audioMessages(startedWallMs: number, audio: readonly RecordedAudio[]): TopicMessage[] {
  return audio.flatMap((chunk) => {
    // A copy: the chunk's bytes may sit at an odd offset of a larger buffer, where an Int16Array cannot.
    const samples = new Int16Array(new Uint8Array(chunk.pcm).buffer, 0, chunk.pcm.byteLength >> 1);
    const stamp = header(startedWallMs + chunk.atMs, 'microphone');
    const stamped = {
      header: stamp,
      audio: {
        audio_data: { float32_data: [], int32_data: [], int16_data: samples, int8_data: [], uint8_data: [] },
        info: { format: PA_INT16, channels: 1, rate: chunk.sampleRateHz, chunk: samples.length },
      },
    };
    const raw = {
      timestamp: { sec: stamp.stamp.sec, nsec: stamp.stamp.nanosec },
      data: Buffer.from(chunk.pcm).toString('base64'),
      format: 'pcm-s16',
      sample_rate: chunk.sampleRateHz,
      number_of_channels: 1,
    };
    return [
      { topic: 'microphone' as const, atMs: chunk.atMs, message: stamped },
      { topic: 'microphoneRaw' as const, atMs: chunk.atMs, message: raw },
    ];
  });
}

/** A recording's rows as they come, part by part; `turns[i]` is the recording's turn number `firstTurnOrdinal + i`. */
export type RecordingPart = Omit<RecordingData, 'recording'> & { firstTurnOrdinal?: number };

/**
 * Builds a recording's messages part by part, as a live session produces its rows: what carries over
 * between parts (the state before, the turn of each action) is kept here, so the messages of the parts
 * together are those of the whole recording.
 *
 * @example
 * ```ts
 * const build = createMessageBuilder(recording);
 * for (const m of build({ events, emitted: [], turns: [], audio: [] })) publish(m);
 * ```
 */
export function createMessageBuilder(
  recording: Pick<RecordingData['recording'], 'startedWallMs' | 'sessionId'>,
): (part: RecordingPart) => TopicMessage[] {
  const { startedWallMs, sessionId } = recording;
  let previousState = '';
  const turnOf = new Map<string, string>();
  return (data) => {
    const chart = chartMessages(data.events, previousState);
    previousState = data.events.at(-1)?.state ?? previousState;
    const first = data.firstTurnOrdinal ?? 0;
    return [
      ...chart,
      ...data.emitted.map((e) => ({ topic: 'emitted' as const, atMs: e.atMs, message: e })),
      // `ordinal`: the turn's place in the recording, kept beside the timeline so the order survives sorting by time.
      ...data.turns.map((t, i) => ({
        topic: 'turns' as const,
        atMs: t.endedAtMs ?? t.firstAudioAtMs ?? t.transcriptAtMs ?? 0,
        message: { ordinal: first + i, ...t },
      })),
      ...logMessages(startedWallMs, sessionId, data.emitted),
      ...speechMessages(startedWallMs, data.events),
      ...robotSpeechMessages(startedWallMs, data.turns),
      ...actionMessages(startedWallMs, data.events, data.emitted, turnOf),
      ...audioMessages(startedWallMs, data.audio),
    ];
  };
}

/** Every message of a recording, per topic in the order the session produced them (not yet sorted by time). */
export function sessionMessages(data: RecordingData): TopicMessage[] {
  return createMessageBuilder(data.recording)(data);
}
