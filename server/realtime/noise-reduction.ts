/**
 * A Realtime session's own microphone conditioning, from the Realtime contract's noise reduction
 * setting: `audio.input.noise_reduction` (GA session shape) or `input_audio_noise_reduction` (the beta
 * shape, still sent by older clients).
 *
 * | `noise_reduction` | meaning | this session's input |
 * | --- | --- | --- |
 * | `{type: 'far_field'}` | a microphone metres from its speaker (a robot, a laptop on a table) | echo cancellation |
 * | `{type: 'near_field'}` | a headset or a handset: no echo comes back | noise suppression only |
 * | `null` (the default) | the client conditions its own audio (a browser's getUserMedia) | off |
 *
 * Why not RNNoise with `far_field` too: after the echo canceller it turned the suppressor's comfort noise
 * and residual echo into speech-like bursts — 2 false barge-ins over 11 replies in the echo matrix's
 * Realtime cell, none without it (docs/echo.md).
 *
 * `audio.echoCancel: "on"` and `audio.noiseSuppression: true` in the server's config force their step on
 * for every session whatever the client says; `audio.echoCancel: "off"` keeps echo cancellation off even
 * for `far_field`. The switches are read by the session's
 * input conditioner at every microphone frame, so a `session.update` takes effect at the next one; echo
 * cancellation switched on learns the room from the agent's next words (half duplex meanwhile).
 *
 * @example
 * ```ts
 * const noiseReduction = createNoiseReduction();
 * await manager.create({ sink, inputSwitches: noiseReduction.switches });
 * noiseReduction.apply(update); // a parsed session.update's session
 * sessionObject.audio.input.noise_reduction = noiseReduction.value();
 * ```
 */
import { z } from 'zod';
import type { InputSwitches } from '../../adapters/audio/input-conditioner.js';

export const NoiseReductionSchema = z.object({ type: z.enum(['near_field', 'far_field']) }).nullable();
export type NoiseReductionSetting = z.infer<typeof NoiseReductionSchema>;

/** The part of a parsed `session.update` that carries the setting, in either shape. */
export interface NoiseReductionUpdate {
  audio?: { input?: { noise_reduction?: NoiseReductionSetting | undefined } | undefined } | undefined;
  input_audio_noise_reduction?: NoiseReductionSetting | undefined;
}

export interface NoiseReduction {
  /**
   * What the session's input conditioner reads (see `InputSwitches`): the client's wish, before the config's forcing.
   */
  readonly switches: InputSwitches;
  /** Applies a `session.update` (the GA field wins when both shapes are given; absent: unchanged). */
  apply(update: NoiseReductionUpdate): void;
  /** The setting as the session object reports it. */
  value(): NoiseReductionSetting;
}

export function createNoiseReduction(): NoiseReduction {
  let setting: NoiseReductionSetting = null;
  const switches: InputSwitches = { echo: false, noiseSuppression: false };
  return {
    switches,
    apply(update) {
      const next =
        update.audio?.input?.noise_reduction !== undefined
          ? update.audio.input.noise_reduction
          : update.input_audio_noise_reduction;
      if (next === undefined) return;
      setting = next;
      switches.echo = next?.type === 'far_field';
      switches.noiseSuppression = next?.type === 'near_field';
    },
    value: () => setting,
  };
}
