/**
 * The keyword head's network and its training: dense layers with Relu, a sigmoid out, binary
 * cross-entropy with per-example weights, Adam. Plain loops in a fixed order, so the same seed and
 * examples give the same weights bit for bit.
 *
 * @example
 * ```ts
 * const net = createMlp([1536, 32, 32, 1], seededRandom(1));
 * trainMlp(net, examples, { steps: 800, batch: 128, rng: seededRandom(2) });
 * const p = predict(net, window);
 * ```
 */
import type { DenseLayer } from '../onnx-writer.js';
import type { Random } from './random.js';

export interface Mlp {
  readonly layers: DenseLayer[];
}

/** He-initialised layers of the given sizes (first: the input size, last: 1). */
export function createMlp(sizes: readonly number[], rng: Random): Mlp {
  const layers: DenseLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const inputs = sizes[i]!;
    const outputs = sizes[i + 1]!;
    const scale = Math.sqrt(2 / inputs);
    layers.push({
      inputs,
      outputs,
      weights: Float32Array.from({ length: inputs * outputs }, () => rng.normal() * scale),
      bias: new Float32Array(outputs),
    });
  }
  return { layers };
}

/** Each layer's activations for one input (the last: the sigmoid's probability). */
function forward(net: Mlp, input: Float32Array): Float32Array[] {
  const activations = [input];
  net.layers.forEach((layer, k) => {
    const x = activations[k]!;
    const z = Float32Array.from(layer.bias);
    for (let i = 0; i < layer.inputs; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const row = i * layer.outputs;
      for (let o = 0; o < layer.outputs; o++) z[o] = z[o]! + xi * layer.weights[row + o]!;
    }
    const last = k === net.layers.length - 1;
    for (let o = 0; o < z.length; o++) z[o] = last ? 1 / (1 + Math.exp(-z[o]!)) : Math.max(0, z[o]!);
    activations.push(z);
  });
  return activations;
}

/** The network's probability for one window. */
export function predict(net: Mlp, input: Float32Array): number {
  return forward(net, input).at(-1)![0]!;
}

export interface Example {
  input: Float32Array;
  label: 0 | 1;
}

export interface TrainOptions {
  steps: number;
  /** Examples per step, half positive and half negative (drawn with the seeded generator). */
  batch: number;
  rng: Random;
  learningRate?: number;
  /** How much a negative counts against a positive (higher: fewer false accepts, more misses). */
  negativeWeight?: number;
  /** L2 decay of the weights (AdamW style). */
  weightDecay?: number;
  onProgress?: (step: number, loss: number) => void;
}

/** Trains `net` in place on balanced batches of `positives` and `negatives`. */
export function trainMlp(
  net: Mlp,
  positives: readonly Example[],
  negatives: readonly Example[],
  options: TrainOptions,
): void {
  const rate = options.learningRate ?? 1e-3;
  const negativeWeight = options.negativeWeight ?? 1;
  const decay = options.weightDecay ?? 1e-4;
  const params = net.layers.flatMap((l) => [l.weights, l.bias]);
  const grads = params.map((p) => new Float32Array(p.length));
  const m = params.map((p) => new Float32Array(p.length));
  const v = params.map((p) => new Float32Array(p.length));
  const half = options.batch >> 1;
  for (let step = 1; step <= options.steps; step++) {
    grads.forEach((g) => g.fill(0));
    let loss = 0;
    for (let b = 0; b < options.batch; b++) {
      const example = b < half ? options.rng.pick(positives) : options.rng.pick(negatives);
      const weight = (example.label === 1 ? 1 : negativeWeight) / options.batch;
      loss += backward(net, example, weight, grads);
    }
    const correction1 = 1 - 0.9 ** step;
    const correction2 = 1 - 0.999 ** step;
    params.forEach((p, k) => {
      const g = grads[k]!;
      const mk = m[k]!;
      const vk = v[k]!;
      const isWeight = k % 2 === 0;
      for (let i = 0; i < p.length; i++) {
        mk[i] = 0.9 * mk[i]! + 0.1 * g[i]!;
        vk[i] = 0.999 * vk[i]! + 0.001 * g[i]! * g[i]!;
        const stepSize = (rate * (mk[i]! / correction1)) / (Math.sqrt(vk[i]! / correction2) + 1e-8);
        p[i] = p[i]! - stepSize - (isWeight ? rate * decay * p[i]! : 0);
      }
    });
    if (step % 100 === 0) options.onProgress?.(step, loss);
  }
}

/** Adds one example's gradients (scaled by `weight`) into `grads`; returns its weighted loss. */
function backward(net: Mlp, example: Example, weight: number, grads: Float32Array[]): number {
  const activations = forward(net, example.input);
  const p = activations.at(-1)![0]!;
  const eps = 1e-7;
  const loss = -weight * (example.label === 1 ? Math.log(p + eps) : Math.log(1 - p + eps));
  let delta: Float32Array = Float32Array.of((p - example.label) * weight);
  for (let k = net.layers.length - 1; k >= 0; k--) {
    const layer = net.layers[k]!;
    const gb = grads[2 * k + 1]!;
    for (let o = 0; o < layer.outputs; o++) gb[o] = gb[o]! + delta[o]!;
    // The input layer: weight gradients only (nothing below it learns).
    if (k === 0) addWeightGradients(layer, activations[k]!, delta, grads[2 * k]!);
    else delta = backThroughLayer(layer, activations[k]!, delta, grads[2 * k]!);
  }
  return loss;
}

/** Adds the gradients of `layer`'s weights, for input `x` and output error `delta`, into `gw`. */
function addWeightGradients(layer: DenseLayer, x: Float32Array, delta: Float32Array, gw: Float32Array): void {
  for (let i = 0; i < layer.inputs; i++) {
    const xi = x[i]!;
    const row = i * layer.outputs;
    for (let o = 0; o < layer.outputs; o++) gw[row + o] = gw[row + o]! + xi * delta[o]!;
  }
}

/**
 * Adds the gradients of `layer`'s weights into `gw` (as {@link addWeightGradients}) and returns the error at
 * its input, through the Relu below it.
 */
function backThroughLayer(layer: DenseLayer, x: Float32Array, delta: Float32Array, gw: Float32Array): Float32Array {
  const below = new Float32Array(layer.inputs);
  for (let i = 0; i < layer.inputs; i++) {
    const xi = x[i]!;
    const row = i * layer.outputs;
    let sum = 0;
    for (let o = 0; o < layer.outputs; o++) {
      gw[row + o] = gw[row + o]! + xi * delta[o]!;
      sum += layer.weights[row + o]! * delta[o]!;
    }
    below[i] = xi <= 0 ? 0 : sum; // Relu's derivative
  }
  return below;
}
