/**
 * Reads an ONNX file's `metadata_props` (what {@link encodeHead} writes: the phrase, the seed, the
 * threshold its training calibrated): the runtime loads models but does not hand their metadata on.
 *
 * @example
 * ```ts
 * readOnnxMetadata(readFileSync('heads/stop.onnx')).threshold; // '0.83'
 * ```
 */
const utf8 = new TextDecoder();

/** Protocol Buffers' varint at `at`: its value and where the next field starts. */
function varint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    value += (bytes[i]! & 0x7f) * scale;
    scale *= 128;
    if ((bytes[i]! & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new Error('a truncated varint');
}

/** Each top-level field of a message: its number, and its bytes when length-delimited. */
function* fields(bytes: Uint8Array): Generator<{ field: number; body?: Uint8Array }> {
  let at = 0;
  while (at < bytes.length) {
    const key = varint(bytes, at);
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    at = key.next;
    if (wire === 0) at = varint(bytes, at).next;
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint(bytes, at);
      yield { field, body: bytes.subarray(length.next, length.next + length.value) };
      at = length.next + length.value;
      continue;
    } else throw new Error(`wire type ${wire} is not ONNX's`);
    yield { field };
  }
}

/** The model's metadata (key → value); empty for a model without any, or bytes that are not ONNX. */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const { field, body } of fields(bytes)) {
      if (field !== 14 || !body) continue;
      const entry: { key?: string; value?: string } = {};
      for (const inner of fields(body)) {
        if (inner.field === 1 && inner.body) entry.key = utf8.decode(inner.body);
        if (inner.field === 2 && inner.body) entry.value = utf8.decode(inner.body);
      }
      if (entry.key !== undefined) out[entry.key] = entry.value ?? '';
    }
  } catch {
    return {};
  }
  return out;
}
