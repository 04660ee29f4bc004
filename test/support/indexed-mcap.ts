/** An MCAP file through `@mcap/core`'s indexed reader, as Foxglove and the mcap CLI open it (summary, index, CRCs). */
import { open } from 'node:fs/promises';
import { McapIndexedReader } from '@mcap/core';

export async function openIndexedMcap(file: string): Promise<{ reader: McapIndexedReader; close(): Promise<void> }> {
  const handle = await open(file, 'r');
  try {
    const size = BigInt((await handle.stat()).size);
    const reader = await McapIndexedReader.Initialize({
      readable: {
        size: async () => size,
        read: async (offset, length) => {
          const buffer = new Uint8Array(Number(length));
          await handle.read(buffer, 0, buffer.byteLength, Number(offset));
          return buffer;
        },
      },
    });
    return { reader, close: () => handle.close() };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
