/**
 * Wire format shared by both transports: `[u32 BE header length][UTF-8 JSON header][binary audio]`.
 * JSON keeps control data readable (`nats sub` shows it); audio stays binary, never base64.
 * Both transports encode, so a subscriber in-process gets its own copy exactly as over NATS.
 */
import { InvalidMessageError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEADER_BYTES = 4;

/** Encodes a plain object; an `audio` field of type `Uint8Array` goes to the binary section. */
export function encodeMessage(message: object): Uint8Array {
  const { audio, ...rest } = message as { audio?: unknown };
  const binary = audio instanceof Uint8Array ? audio : undefined;
  const header = encoder.encode(JSON.stringify(binary ? { ...rest, $audio: binary.byteLength } : message));
  const out = new Uint8Array(HEADER_BYTES + header.byteLength + (binary?.byteLength ?? 0));
  new DataView(out.buffer).setUint32(0, header.byteLength);
  out.set(header, HEADER_BYTES);
  if (binary) out.set(binary, HEADER_BYTES + header.byteLength);
  return out;
}

/** Decodes bytes made by {@link encodeMessage}; throws {@link InvalidMessageError} on malformed input. */
export function decodeMessage(data: Uint8Array, subject: string): Record<string, unknown> {
  if (data.byteLength < HEADER_BYTES) {
    throw new InvalidMessageError(`payload of ${data.byteLength} bytes on ${subject} is too short: publish with encodeMessage().`, subject);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = view.getUint32(0);
  const headerEnd = HEADER_BYTES + headerLength;
  if (headerEnd > data.byteLength) {
    throw new InvalidMessageError(`header length ${headerLength} on ${subject} exceeds the payload: publish with encodeMessage().`, subject);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data.subarray(HEADER_BYTES, headerEnd)));
  } catch (cause) {
    throw new InvalidMessageError(`header on ${subject} is not JSON: publish with encodeMessage().`, subject, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidMessageError(`header on ${subject} is not a JSON object.`, subject);
  }
  const record = parsed as Record<string, unknown>;
  const audioBytes = record.$audio;
  if (audioBytes !== undefined) {
    if (typeof audioBytes !== 'number' || headerEnd + audioBytes !== data.byteLength) {
      throw new InvalidMessageError(`audio section on ${subject} does not match its declared length.`, subject);
    }
    delete record.$audio;
    // Copy so the receiver owns its audio even if the transport reuses its buffer.
    record.audio = data.slice(headerEnd);
  }
  return record;
}
