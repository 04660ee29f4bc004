/**
 * `serve --foxglove PORT` (`server.foxglove`): a Foxglove WebSocket server that publishes, as sessions
 * run, the channels an MCAP export writes. Checked with the implementation's own client
 * (`FoxgloveClient` of @foxglove/ws-protocol over `ws`): the channels advertised (topic, encoding, schema
 * name), and the state and speech messages, decoded from the definitions the server advertises (CDR
 * through @foxglove/rosmsg2-serialization), equal — ids and order — to what the MCAP export builds from
 * the stored recording. A client that connects mid-session gets every channel; a session ending
 * unadvertises nothing, and the next session is published on the same channels. With `record.audio`,
 * every channel (the microphone's too) carries what the export builds, encoded as the export encodes it.
 */
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import wsProtocol, { type Channel, type MessageData } from '@foxglove/ws-protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/vad/testing/fake-vad.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import {
  mcapTopics,
  recordingData,
  ros2Codec,
  sessionMessages,
  type RecordStore,
  type Ros2TypeName,
} from '../../server/records/index.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { until } from '../support/until.js';
import { DialogState } from '../../machines/states.js';

// A CommonJS package: Node's ESM loader sees its exports only as the default one.
const { FoxgloveClient } = wsProtocol;
const RATE_HZ = 16_000;
const FRAME_MS = 20;
const topics = mcapTopics();

/** A Foxglove client that keeps what it was told: advertised channels, removals, and decoded messages per topic. */
async function connect(url: string) {
  const client = new FoxgloveClient({ ws: new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]) });
  const channels = new Map<number, Channel>();
  const unadvertised: number[] = [];
  const received = new Map<string, unknown[]>();
  const decoders = new Map<number, (bytes: Uint8Array) => unknown>();
  const encoders = new Map<string, (message: unknown) => Uint8Array>();
  client.on('advertise', (list) => list.forEach((c) => channels.set(c.id, c)));
  client.on('unadvertise', (ids) => unadvertised.push(...ids));
  const bySubscription = new Map<number, Channel>();
  client.on('message', ({ subscriptionId, data }: MessageData) => {
    const channel = bySubscription.get(subscriptionId)!;
    const list = received.get(channel.topic) ?? received.set(channel.topic, []).get(channel.topic)!;
    list.push(decoders.get(channel.id)!(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
  });
  await until('the channels to be advertised', () => channels.size === Object.keys(topics).length);
  const subscribe = (topic: string) => {
    const channel = [...channels.values()].find((c) => c.topic === topic)!;
    if (channel.encoding === 'cdr') {
      // The definition the server advertised, never this project's constants.
      const reader = new MessageReader(parse(channel.schema, { ros2: true }));
      decoders.set(channel.id, (bytes) => reader.readMessage(bytes));
      encoders.set(topic, (message) => ros2Codec(channel.schemaName as Ros2TypeName).writer.writeMessage(message));
    } else {
      decoders.set(channel.id, (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as unknown);
      encoders.set(topic, (message) => new TextEncoder().encode(JSON.stringify(message)));
    }
    bySubscription.set(client.subscribe(channel.id), channel);
  };
  /** A message as the channel of `topic` carries it: encoded the way the export encodes it, decoded as received. */
  const roundTrip = (topic: string, message: unknown) => {
    const channel = [...channels.values()].find((c) => c.topic === topic)!;
    return decoders.get(channel.id)!(encoders.get(topic)!(message));
  };
  return {
    client,
    channels,
    unadvertised,
    received,
    subscribe,
    roundTrip,
    messages: (topic: string) => received.get(topic) ?? [],
  };
}

/** One spoken utterance on the fake engines: a second of speech, then the silence that ends it. */
async function speak(server: VoiceAgentServer, sessionId: string) {
  const session = server.manager.get(sessionId)!;
  for (let i = 0; i < 50; i++) session.handle.pushAudio(makeSpeechFrame(RATE_HZ, FRAME_MS, i), RATE_HZ);
  for (let i = 0; i < 60; i++) session.handle.pushAudio(makeSilenceFrame(RATE_HZ, FRAME_MS), RATE_HZ);
  await until('the reply to start', () => session.handle.matches(DialogState.speaking));
  await until('the reply to finish', () => session.handle.matches(DialogState.idle));
}

/** What the MCAP export builds for `topic` from the stored recording of `sessionId`. */
function exported(records: RecordStore, sessionId: string, topic: keyof typeof topics) {
  records.flush();
  return sessionMessages(recordingData(records, sessionId))
    .filter((m) => m.topic === topic)
    .map((m) => m.message);
}

const configWith = (record: object) =>
  loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      // One transcript per utterance, across sessions.
      stt: { engine: 'fake', fakeTranscripts: ['hello robot', 'hello again'] },
      llm: { engine: 'fake', fakeReply: 'Okay, done.' },
      server: { port: 0, drainTimeoutMs: 200, foxglove: { port: 0 } },
      record,
    },
  });
const config = configWith({});

describe('serve --foxglove', () => {
  it(
    'publishes the MCAP channels live, to clients connected before and during the session, across ' + 'sessions',
    async () => {
      const server = await serve({ config, db: ':memory:', log: silentLogger });
      const records = server.records!;
      const live = server.foxglove!;
      expect(live.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      const early = await connect(live.url);
      try {
        expect(
          [...early.channels.values()]
            .map((c) => [c.topic, c.encoding, c.schemaName])
            .sort((a, b) => a[0]!.localeCompare(b[0]!)),
        ).toEqual(
          [
            [topics.events, 'json', 'voice_agent.ChartEvent'],
            [topics.state, 'json', 'voice_agent.ChartState'],
            [topics.emitted, 'json', 'voice_agent.ChartEmitted'],
            [topics.turns, 'json', 'voice_agent.TurnTimeline'],
            [topics.log, 'json', 'foxglove.Log'],
            [topics.userSpeech, 'cdr', 'hri_msgs/msg/LiveSpeech'],
            [topics.robotSpeechFeedback, 'cdr', 'tts_msgs/action/TTS_FeedbackMessage'],
            [topics.robotSpeechResult, 'cdr', 'tts_msgs/action/TTS_GetResult_Response'],
            [topics.actionGoal, 'cdr', 'voice_agent_msgs/action/Action_SendGoal_Request'],
            [topics.actionStatus, 'cdr', 'action_msgs/msg/GoalStatusArray'],
            [topics.actionFeedback, 'cdr', 'voice_agent_msgs/action/Action_FeedbackMessage'],
            [topics.actionResult, 'cdr', 'voice_agent_msgs/action/Action_GetResult_Response'],
            [topics.actionCancel, 'cdr', 'voice_agent_msgs/msg/ActionCancel'],
            [topics.microphone, 'cdr', 'audio_common_msgs/msg/AudioStamped'],
            [topics.microphoneRaw, 'json', 'foxglove.RawAudio'],
          ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
        );
        for (const topic of [topics.state, topics.userSpeech, topics.robotSpeechResult]) early.subscribe(topic);
        await until('the subscriptions to reach the server', () => live.subscribedTopics().length === 3);

        await server.manager.create({ sessionId: 'robot-7' });
        await speak(server, 'robot-7');
        // Connected mid-session: every channel is there for it too.
        const late = await connect(live.url);
        try {
          late.subscribe(topics.state);
          // A client's requests are handled in order: once its next, first-ever subscription is seen, so was this one.
          late.subscribe(topics.log);
          await until('the late subscriptions to reach the server', () => live.subscribedTopics().includes(topics.log));
          await server.manager.end('robot-7', 'client_closed');
          const state = exported(records, 'robot-7', 'state');
          const speech = exported(records, 'robot-7', 'userSpeech');
          await until(
            'the first session to be published',
            () =>
              early.messages(topics.state).length === state.length &&
              early.messages(topics.robotSpeechResult).length === 1,
            {
              detail: () =>
                `state ${early.messages(topics.state).length}/${state.length}, results ` +
                `${early.messages(topics.robotSpeechResult).length}`,
            },
          );
          expect(early.messages(topics.state)).toEqual(state);
          expect(state[0]).toMatchObject({ previous: '', event: 'xstate.init', seq: 0 });
          expect(state.map((s) => (s as { event: string }).event)).toContain('stt.final');
          // The user's speech, decoded as hri_msgs/msg/LiveSpeech: the transcript, on its turn.
          expect(
            early
              .messages(topics.userSpeech)
              .map((m) => JSON.stringify(m, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))),
          ).toEqual(speech.map((m) => JSON.stringify(m)));
          expect(early.messages(topics.userSpeech).at(-1)).toMatchObject({
            final: 'hello robot',
            header: { frame_id: 'u1' },
          });
          expect(early.messages(topics.robotSpeechResult)).toEqual([
            expect.objectContaining({ result: { error_msg: '', text: 'Okay, done.' } }),
          ]);
          // The late client saw the session's end: the states after it joined are the last of the session's.
          expect(late.messages(topics.state)).toEqual(state.slice(state.length - late.messages(topics.state).length));
          expect(late.messages(topics.state).at(-1)).toMatchObject({ status: 'done' });

          // The session ended; the channels stay, and the next session is published on them.
          await server.manager.create({ sessionId: 'robot-8' });
          await speak(server, 'robot-8');
          await server.manager.end('robot-8', 'client_closed');
          const next = exported(records, 'robot-8', 'state');
          await until(
            'robot-8 to be published',
            () => early.messages(topics.state).length === state.length + next.length,
          );
          expect(early.messages(topics.state)).toEqual([...state, ...next]);
          expect(late.messages(topics.state).slice(-next.length)).toEqual(next);
          expect(early.messages(topics.userSpeech).at(-1)).toMatchObject({
            final: 'hello again',
            header: { frame_id: 'u1' },
          });
          expect([...early.unadvertised, ...late.unadvertised]).toEqual([]);
        } finally {
          late.client.close();
        }
      } finally {
        early.client.close();
        await server.stop();
      }
    },
    60_000,
  );

  it('publishes on every channel, the microphone included, what the MCAP export builds from the records', async () => {
    const server = await serve({ config: configWith({ audio: true }), db: ':memory:', log: silentLogger });
    const client = await connect(server.foxglove!.url);
    try {
      const keys = Object.keys(topics) as Array<keyof typeof topics>;
      for (const key of keys) client.subscribe(topics[key]);
      await until(
        'the subscriptions to reach the server',
        () => server.foxglove!.subscribedTopics().length === keys.length,
      );
      await server.manager.create({ sessionId: 'robot-9' });
      await speak(server, 'robot-9');
      await server.manager.end('robot-9', 'client_closed');
      const records = server.records!;
      records.flush();
      const data = recordingData(records, 'robot-9');
      const all = sessionMessages(data);
      const expected = (key: keyof typeof topics) =>
        all.filter((m) => m.topic === key).map((m) => client.roundTrip(topics[key], m.message));
      await until(
        'the session to be published',
        () => keys.every((key) => client.messages(topics[key]).length === expected(key).length),
        {
          detail: () =>
            keys.map((key) => `${key} ${client.messages(topics[key]).length}/${expected(key).length}`).join(', '),
        },
      );
      for (const key of keys) expect(client.messages(topics[key]), key).toEqual(expected(key));
      expect(client.messages(topics.microphone).length).toBeGreaterThan(0);
      expect(client.messages(topics.turns)).toMatchObject([{ ordinal: 0, turnId: 'u1' }]);
    } finally {
      client.client.close();
      await server.stop();
    }
  }, 60_000);
});
