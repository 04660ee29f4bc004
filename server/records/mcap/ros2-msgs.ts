/**
 * The ROS 2 message definitions an MCAP recording uses, as text (the `ros2msg` schema encoding rosbag2
 * writes: the message's own definition, then each dependency after a line of `=` and `MSG: pkg/Name`),
 * with a CDR writer and reader for each (`@foxglove/rosmsg2-serialization`). A reader of the file needs
 * nothing of this project: every definition travels in the file's schema records.
 *
 * - `hri_msgs/msg/LiveSpeech` (ROS4HRI): the user's speech, incremental (`stt.partial`) and final
 *   (`stt.final`), with the engine's confidence.
 * - `tts_msgs/action/TTS` (ROS4HRI) feedback and result: the robot's speech as that action would report it,
 *   the result's `text` being what was actually uttered (a reply cut by a barge-in: its heard part).
 * - `audio_common_msgs/msg/AudioStamped` of the ROS 2 `audio_common` (header, then the samples with an
 *   `AudioInfo`), not ROS 1's `audio_common_msgs/AudioData` (bare `uint8[] data`): the rate, format and
 *   channel count travel in every message, so a bag is decodable with no launch file or side topic beside it.
 * - `action_msgs/msg/GoalStatusArray` and `voice_agent_msgs/action/Action`: a robot action's lifecycle
 *   shaped like a ROS 2 action's hidden topics (status, feedback, result), with the action id and turn.
 *
 * @example
 * ```ts
 * const speech = { header, incremental: '', final: 'turn left', confidence: 0.9, language: 'en' };
 * const bytes = ROS2.LiveSpeech.writer.writeMessage(speech);
 * ROS2.LiveSpeech.reader.readMessage(bytes); // the same fields as `speech`
 * ```
 */
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';

const SEPARATOR = '='.repeat(80);

const TIME = `int32 sec
uint32 nanosec`;

const HEADER = `builtin_interfaces/Time stamp
string frame_id`;

const UUID = `uint8[16] uuid`;

/** Each dependency once, in the order rosbag2 appends them. */
const withDependencies = (own: string, deps: Array<[string, string]>): string =>
  [own, ...deps.map(([name, text]) => `${SEPARATOR}\nMSG: ${name}\n${text}`)].join('\n');

const LIVE_SPEECH =
  "# The user's speech as the recognizer heard it: the hypothesis so far (incremental), or the final text.\n" +
  `std_msgs/Header header
string incremental
string final
float64 confidence
string language`;

const AUDIO_STAMPED = `std_msgs/Header header
audio_common_msgs/Audio audio`;
const AUDIO = `audio_common_msgs/AudioData audio_data
audio_common_msgs/AudioInfo info`;
const AUDIO_DATA = `float32[] float32_data
int32[] int32_data
int16[] int16_data
int8[] int8_data
uint8[] uint8_data`;
/** `format` is PortAudio's sample format code, as audio_common uses it: 8 is paInt16. */
const AUDIO_INFO = `int32 format
int32 channels
int32 rate
int32 chunk`;

/** ROS4HRI's `tts_msgs/action/TTS`: feedback names the word being uttered; the result, the text actually uttered. */
const TTS_FEEDBACK = `string word`;
const TTS_RESULT = `string error_msg
string text`;

const GOAL_STATUS = `int8 STATUS_UNKNOWN = 0
int8 STATUS_ACCEPTED = 1
int8 STATUS_EXECUTING = 2
int8 STATUS_CANCELING = 3
int8 STATUS_SUCCEEDED = 4
int8 STATUS_CANCELED = 5
int8 STATUS_ABORTED = 6
action_msgs/GoalInfo goal_info
int8 status`;
const GOAL_INFO = `unique_identifier_msgs/UUID goal_id
builtin_interfaces/Time stamp`;

const ACTION_GOAL =
  '# A declared robot action the agent asked for: its id, the turn that asked, its name and JSON arguments.\n' +
  `string action_id
string turn_id
string name
string arguments_json
string call_id
string runs_on
uint32 timeout_ms`;
const ACTION_FEEDBACK = `string action_id
string turn_id
string feedback_json`;
const ACTION_RESULT = `# outcome: result, failed, rejected or cancelled; result_json for a result, error for the others.
string action_id
string turn_id
string outcome
string result_json
string error`;
const ACTION_CANCEL = `# The agent cancelled the action (reason: barge_in, stop, new_command, end, estop, timeout).
unique_identifier_msgs/UUID goal_id
string action_id
string turn_id
string reason`;

/** The definition texts by type name, as they are written into the file's schema records. */
export const ROS2_DEFINITIONS = {
  'hri_msgs/msg/LiveSpeech': withDependencies(LIVE_SPEECH, [
    ['std_msgs/Header', HEADER],
    ['builtin_interfaces/Time', TIME],
  ]),
  'audio_common_msgs/msg/AudioStamped': withDependencies(AUDIO_STAMPED, [
    ['std_msgs/Header', HEADER],
    ['builtin_interfaces/Time', TIME],
    ['audio_common_msgs/Audio', AUDIO],
    ['audio_common_msgs/AudioData', AUDIO_DATA],
    ['audio_common_msgs/AudioInfo', AUDIO_INFO],
  ]),
  'tts_msgs/action/TTS_FeedbackMessage': withDependencies(
    'unique_identifier_msgs/UUID goal_id\ntts_msgs/action/TTS_Feedback feedback',
    [
      ['unique_identifier_msgs/UUID', UUID],
      ['tts_msgs/action/TTS_Feedback', TTS_FEEDBACK],
      ['builtin_interfaces/Time', TIME],
    ],
  ),
  'tts_msgs/action/TTS_GetResult_Response': withDependencies('int8 status\ntts_msgs/action/TTS_Result result', [
    ['tts_msgs/action/TTS_Result', TTS_RESULT],
  ]),
  'action_msgs/msg/GoalStatusArray': withDependencies('action_msgs/GoalStatus[] status_list', [
    ['action_msgs/GoalStatus', GOAL_STATUS],
    ['action_msgs/GoalInfo', GOAL_INFO],
    ['unique_identifier_msgs/UUID', UUID],
    ['builtin_interfaces/Time', TIME],
  ]),
  'voice_agent_msgs/action/Action_SendGoal_Request': withDependencies(
    'unique_identifier_msgs/UUID goal_id\nvoice_agent_msgs/action/Action_Goal goal',
    [
      ['unique_identifier_msgs/UUID', UUID],
      ['voice_agent_msgs/action/Action_Goal', ACTION_GOAL],
    ],
  ),
  'voice_agent_msgs/action/Action_FeedbackMessage': withDependencies(
    'unique_identifier_msgs/UUID goal_id\nvoice_agent_msgs/action/Action_Feedback feedback',
    [
      ['unique_identifier_msgs/UUID', UUID],
      ['voice_agent_msgs/action/Action_Feedback', ACTION_FEEDBACK],
    ],
  ),
  'voice_agent_msgs/action/Action_GetResult_Response': withDependencies(
    'int8 status\nvoice_agent_msgs/action/Action_Result result',
    [['voice_agent_msgs/action/Action_Result', ACTION_RESULT]],
  ),
  'voice_agent_msgs/msg/ActionCancel': withDependencies(ACTION_CANCEL, [['unique_identifier_msgs/UUID', UUID]]),
} as const;

export type Ros2TypeName = keyof typeof ROS2_DEFINITIONS;

/** ROS 2 `action_msgs/GoalStatus` codes. */
export const GoalStatus = { accepted: 1, executing: 2, canceling: 3, succeeded: 4, canceled: 5, aborted: 6 } as const;
/** PortAudio's paInt16, the sample format code audio_common's `AudioInfo.format` uses for s16 samples. */
export const PA_INT16 = 8;

export interface Ros2Codec {
  name: Ros2TypeName;
  definition: string;
  writer: MessageWriter;
  reader: MessageReader;
}

const codecs = new Map<Ros2TypeName, Ros2Codec>();

/** The CDR writer and reader of one type, built once from its definition text. */
export function ros2Codec(name: Ros2TypeName): Ros2Codec {
  let codec = codecs.get(name);
  if (!codec) {
    const definition = ROS2_DEFINITIONS[name];
    const parsed = parse(definition, { ros2: true });
    codec = { name, definition, writer: new MessageWriter(parsed), reader: new MessageReader(parsed) };
    codecs.set(name, codec);
  }
  return codec;
}

/** A ROS 2 `builtin_interfaces/Time` from a Unix time in ms. */
export function rosTime(unixMs: number): { sec: number; nanosec: number } {
  const sec = Math.floor(unixMs / 1000);
  return { sec, nanosec: Math.min(999_999_999, Math.round((unixMs - sec * 1000) * 1e6)) };
}

/**
 * A goal id from an id of this project (`a3`, `u2`: at most 10 ASCII characters): its bytes, zero-padded
 * to 16, so the id reads back from the UUID.
 */
export function goalId(id: string): { uuid: Uint8Array } {
  const uuid = new Uint8Array(16);
  uuid.set(new TextEncoder().encode(id.slice(0, 16)));
  return { uuid };
}
