/**
 * Ambient names the page's JavaScript is type-checked against (`tsconfig.web.json`): the test hook on
 * `window`, and the AudioWorkletGlobalScope that TypeScript's DOM library does not describe.
 */
interface Window {
  voiceAgentPage?: import('./page-hook.js').PageHook;
  voiceAgentInspector?: import('./inspect-hook.js').InspectorHook;
}

declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}
declare function registerProcessor(
  name: string,
  processor: new (
    options?: AudioWorkletNodeOptions,
  ) => AudioWorkletProcessor & { process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean },
): void;
/** The worklet's AudioContext rate. */
declare const sampleRate: number;
