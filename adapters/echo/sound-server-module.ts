/**
 * The sound server's own echo canceller for `voice-agent live --echo-cancel-module`: PulseAudio's (or
 * PipeWire's pulse server's) `module-echo-cancel` with `aec_method=webrtc` — the same WebRTC audio
 * processing as `audio.echoCanceller: "webrtc"`, run by the server on the device's clock, where the
 * speaker's and the microphone's timing is known exactly. It is loaded on the chosen microphone (source)
 * and speaker (sink) and gives a virtual pair the session uses instead: what is played on the virtual
 * sink is the reference, what is recorded from the virtual source has the echo removed. Unloaded by
 * `unload()` (the session's end).
 *
 * @example
 * ```ts
 * const ec = await loadEchoCancelModule(server, { input: 'room.monitor', output: 'agent' });
 * // record from ec.input, play to ec.output …
 * await ec.unload();
 * ```
 */
import { runClient, SoundServerError, type SoundServer } from '../audio/sound-server.js';

export interface EchoCancelModule {
  /** The virtual source to record from (echo removed). */
  readonly input: string;
  /** The virtual sink to play to (the canceller's reference). */
  readonly output: string;
  /** The module's index on the server. */
  readonly index: number;
  /** Unloads the module (once; later calls do nothing). */
  unload(): Promise<void>;
}

export interface EchoCancelModuleOptions {
  /** The microphone (a pulse source); default: the server's default source. */
  input?: string;
  /** The speaker (a pulse sink); default: the server's default sink. */
  output?: string;
  /** Name stem of the virtual pair; default `voice_agent_ec_<pid>` (unique per process). */
  name?: string;
}

/**
 * Why the gain controls off: the WebRTC AGC in the module moves the microphone's hardware volume, which
 * the session's own conditioning (`audio.agc`) does not expect. Why the extended filter: 128 ms of the
 * room instead of 48 (at 16 kHz), as `audio.echoCanceller: "webrtc"` runs it. The rest is the module's
 * defaults (high-pass and noise suppression on, the full-band AEC).
 */
const AEC_ARGS = 'analog_gain_control=0 digital_gain_control=0 extended_filter=1';

/**
 * Loads `module-echo-cancel` on the microphone and speaker; throws {@link SoundServerError} naming the
 * fix on plain ALSA or when the server refuses (the module missing, a device unknown).
 */
export async function loadEchoCancelModule(
  server: SoundServer,
  options: EchoCancelModuleOptions = {},
): Promise<EchoCancelModule> {
  if (server.kind !== 'pulse') {
    throw new SoundServerError(
      `--echo-cancel-module needs PulseAudio or PipeWire's pulse server, not ${server.name}: leave it out (the ` +
        `session's own canceller, audio.echoCanceller, runs)`,
    );
  }
  const name = options.name ?? `voice_agent_ec_${process.pid}`;
  const input = options.input ?? server.defaultInput;
  const output = options.output ?? server.defaultOutput;
  const args = [
    'load-module',
    'module-echo-cancel',
    'aec_method=webrtc',
    `aec_args="${AEC_ARGS}"`,
    ...(input ? [`source_master=${input}`] : []),
    ...(output ? [`sink_master=${output}`] : []),
    `source_name=${name}_source`,
    `sink_name=${name}_sink`,
    // The master's rate and channels: nothing resampled twice.
    'use_master_format=1',
  ];
  let index: number;
  try {
    const { stdout } = await runClient('pactl', args);
    index = Number(stdout.trim());
    if (!Number.isInteger(index)) throw new Error(`pactl load-module said "${stdout.trim()}"`);
  } catch (error) {
    const said = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new SoundServerError(
      `${server.name} did not load module-echo-cancel on ${input ?? 'the default source'} / ` +
        `${output ?? 'the default sink'} (${said}): ` +
        'check the devices (`voice-agent devices`) and that the server has the module (Debian: pulseaudio, or ' +
        'pipewire-pulse), or leave --echo-cancel-module out',
    );
  }
  let unloaded = false;
  return {
    input: `${name}_source`,
    output: `${name}_sink`,
    index,
    async unload() {
      if (unloaded) return;
      unloaded = true;
      await runClient('pactl', ['unload-module', String(index)]);
    },
  };
}
