/**
 * Writes a keyword head as an ONNX model file that openWakeWord (and any ONNX runtime) loads: input
 * `embeddings` `[1, frames, 96]`, output `score` `[1, 1]`, a small dense network (Flatten, then Gemm and
 * Relu per hidden layer, Gemm and Sigmoid out). The bytes depend only on the weights and metadata, so a
 * head trained from the same seed is the same file.
 *
 * @example
 * ```ts
 * writeFileSync('stop.onnx', encodeHead({ frames: 16, layers, metadata: { phrase: 'stop' } }));
 * ```
 */

/** One dense layer: `out = in × weights + bias`, weights row-major `[inputs, outputs]`. */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  bias: Float32Array;
}

export interface HeadGraph {
  frames: number;
  embeddingSize?: number;
  /** Hidden layers (Relu after each), then the output layer (one output, Sigmoid). */
  layers: readonly DenseLayer[];
  /** Written as the model's metadata (`metadata_props`). */
  metadata?: Record<string, string>;
}

const utf8 = new TextEncoder();

/** Protocol Buffers' wire format, only what ONNX's messages here need. */
class Writer {
  private readonly parts: Uint8Array[] = [];

  private varint(value: number): void {
    const bytes: number[] = [];
    let rest = BigInt.asUintN(64, BigInt(value));
    do {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      bytes.push(rest === 0n ? low : low | 0x80);
    } while (rest !== 0n);
    this.parts.push(Uint8Array.from(bytes));
  }

  int(field: number, value: number): this {
    this.varint((field << 3) | 0);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  run(build: (w: Writer) => void): this {
    build(this);
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

const FLOAT = 1;
const ATTRIBUTE_INT = 2;

function floatBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function tensorInfo(w: Writer, name: string, dims: readonly number[]): void {
  w.string(1, name).message(2, (type) =>
    type.message(1, (t) =>
      t.int(1, FLOAT).message(2, (shape) => dims.forEach((d) => shape.message(1, (dim) => dim.int(1, d)))),
    ),
  );
}

function node(g: Writer, op: string, inputs: string[], output: string, attributes: Record<string, number> = {}): void {
  g.message(1, (n) => {
    for (const input of inputs) n.string(1, input);
    n.string(2, output).string(3, output).string(4, op);
    for (const [name, value] of Object.entries(attributes))
      n.message(5, (a) => a.string(1, name).int(3, value).int(20, ATTRIBUTE_INT));
  });
}

/** The ONNX file of `head`. */
export function encodeHead(head: HeadGraph): Uint8Array {
  const embeddingSize = head.embeddingSize ?? 96;
  const last = head.layers.length - 1;
  return new Writer()
    .int(1, 8) // IR version 8
    .string(2, 'voice-agent')
    .string(3, '1')
    .message(7, (g) => {
      node(g, 'Flatten', ['embeddings'], 'flat', { axis: 1 });
      let input = 'flat';
      head.layers.forEach((layer, i) => {
        node(g, 'Gemm', [input, `w${i}`, `b${i}`], `z${i}`);
        input = `h${i}`;
        node(g, i === last ? 'Sigmoid' : 'Relu', [`z${i}`], i === last ? 'score' : input);
      });
      g.string(2, 'keyword_head');
      head.layers.forEach((layer, i) => {
        g.message(5, (t) =>
          t
            .int(1, layer.inputs)
            .int(1, layer.outputs)
            .int(2, FLOAT)
            .string(8, `w${i}`)
            .bytes(9, floatBytes(layer.weights)),
        );
        g.message(5, (t) => t.int(1, layer.outputs).int(2, FLOAT).string(8, `b${i}`).bytes(9, floatBytes(layer.bias)));
      });
      g.message(11, (v) => tensorInfo(v, 'embeddings', [1, head.frames, embeddingSize]));
      g.message(12, (v) => tensorInfo(v, 'score', [1, 1]));
    })
    .message(8, (op) => op.string(1, '').int(2, 13))
    .run((w) => {
      for (const [key, value] of Object.entries(head.metadata ?? {}))
        w.message(14, (e) => e.string(1, key).string(2, value));
    })
    .finish();
}
