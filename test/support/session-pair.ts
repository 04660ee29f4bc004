/** Two sessions on one in-process bus and a ManualClock, each on its own controlled fakes. */
import {
  createControlledLlm,
  createControlledStt,
  createControlledTts,
  createFakeVad,
  createPacedSink,
  ManualClock,
  settle,
} from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus, parseBusMessage, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { startSession } from '../../runtime/session-host.js';

export const RATE = 16_000;

function startOne(sessionId: string, bus: MessageBus, clock: ManualClock) {
  const llm = createControlledLlm(`llm-${sessionId}`);
  const stt = createControlledStt(`stt-${sessionId}`);
  const tts = createControlledTts({ name: `tts-${sessionId}`, sampleRateHz: RATE });
  const sink = createPacedSink({ clock, sampleRateHz: RATE, frameMs: 20 });
  const session = startSession({
    sessionId,
    bus,
    clock,
    engines: { vad: createFakeVad({ sampleRateHz: RATE, frameMs: 20 }), stt, llm, tts: [tts], sink },
  });
  return { session, llm, stt, tts, sink };
}

export async function setupSessions() {
  const clock = new ManualClock();
  const handlerErrors: unknown[] = [];
  const bus = createMessageBus(createMemoryTransport({ onHandlerError: (error) => handlerErrors.push(error) }), {
    clock,
  });
  /**
   * Every payload on the bus, read from the raw transport so that observing never parses through the
   * typed bus (which would count and report invalid payloads a second time).
   */
  const raw: Array<{ subject: string; message: BusMessage | undefined }> = [];
  bus.transport.subscribe(`${bus.prefix}.>`, ({ subject, data }) => {
    let message: BusMessage | undefined;
    try {
      message = parseBusMessage(bus.prefix, subject, data);
    } catch {
      message = undefined;
    }
    raw.push({ subject, message });
  });
  const a = startOne('a', bus, clock);
  const b = startOne('b', bus, clock);
  const flush = async () => {
    await bus.flush();
    await settle();
    await bus.flush();
  };
  await flush();
  return {
    clock,
    bus,
    raw,
    handlerErrors,
    a,
    b,
    flush,
    /** Valid messages on one session's subjects. */
    messagesOf: (sessionId: string) =>
      raw.filter((r) => r.subject.startsWith(`${bus.prefix}.${sessionId}.`)).map((r) => r.message),
    errorsOf: (sessionId: string) =>
      raw
        .filter((r) => r.subject === `${bus.prefix}.${sessionId}.session.error`)
        .map((r) => r.message as Extract<BusMessage, { type: 'session.error' }>),
  };
}

export type Sessions = Awaited<ReturnType<typeof setupSessions>>;

/** Drives one text turn of a session to its end on the controlled fakes: reply text, 100 ms of audio. */
export async function driveTextTurn(s: Sessions, side: Sessions['a'], text: string, reply: string) {
  side.session.sendText(text);
  await s.flush();
  side.llm.emit(reply);
  side.llm.finish();
  await s.flush();
  const request = side.tts.activeRequests()[0];
  if (!request) throw new Error(`no TTS request for "${reply}"; state ${side.session.state()}`);
  request.channel.push(new Uint8Array(100 * (RATE / 1000) * 2).fill(1));
  request.channel.close();
  await s.flush();
  await s.clock.advance(200);
}
