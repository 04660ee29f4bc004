/**
 * Wire format shared by both transports: `[u32 BE header length][UTF-8 JSON header][binary audio]`.
 * JSON keeps control data readable (`nats sub` shows it); audio stays binary, never base64.
 * Both transports encode, so a subscriber in-process gets its own copy exactly as over NATS.
 *
 * This runs for every audio frame of every session, so it uses Node's Buffer string routines (several
 * times faster than TextEncoder/TextDecoder on short headers) and one allocation per message.
 */
import { Buffer } from 'node:buffer';
import { InvalidMessageError } from './errors.js';

const HEADER_BYTES = 4;

/** Encodes a plain object; an `audio` field of type `Uint8Array` goes to the binary section. */
export function encodeMessage(message: object): Uint8Array {
  const audio = (message as { audio?: unknown }).audio;
  const binary = audio instanceof Uint8Array ? audio : undefined;
  let header: string;
  if (binary) {
    const { audio: _audio, ...rest } = message as { audio?: unknown };
    header = JSON.stringify({ ...rest, $audio: binary.byteLength });
  } else header = JSON.stringify(message);
  const headerBytes = Buffer.byteLength(header);
  const out = Buffer.allocUnsafe(HEADER_BYTES + headerBytes + (binary?.byteLength ?? 0));
  out.writeUInt32BE(headerBytes, 0);
  out.write(header, HEADER_BYTES, 'utf8');
  if (binary) out.set(binary, HEADER_BYTES + headerBytes);
  // A plain Uint8Array view: Buffer#slice shares memory, and receivers must be able to copy with slice().
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decodes bytes made by {@link encodeMessage}; throws {@link InvalidMessageError} on malformed input. */
export function decodeMessage(data: Uint8Array, subject: string): Record<string, unknown> {
  if (data.byteLength < HEADER_BYTES) {
    throw new InvalidMessageError(
      `payload of ${data.byteLength} bytes on ${subject} is too short: publish with encodeMessage().`,
      subject,
    );
  }
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = buffer.readUInt32BE(0);
  const headerEnd = HEADER_BYTES + headerLength;
  if (headerEnd > data.byteLength) {
    throw new InvalidMessageError(
      `header length ${headerLength} on ${subject} exceeds the payload: publish with encodeMessage().`,
      subject,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(buffer.toString('utf8', HEADER_BYTES, headerEnd));
  } catch (cause) {
    throw new InvalidMessageError(`header on ${subject} is not JSON: publish with encodeMessage().`, subject, {
      cause,
    });
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
    record.audio = Uint8Array.prototype.slice.call(data, headerEnd);
  }
  return record;
}
