/**
 * The Realtime session's own settings (formats, turn detection, instructions, voice, tools, lip sync) as a
 * pure value: a client's `session.update` gives new settings and the `control.configure` fields the
 * session must hear about; the session object clients see is drawn from the settings. A new setting is one
 * field here, one line in `applySessionUpdate` and one in `sessionObject`.
 *
 * @example
 * ```ts
 * let settings = INITIAL_SETTINGS;
 * const applied = applySessionUpdate(settings, { instructions: 'You are a robot.' });
 * settings = applied.settings; // applied.configure: { systemPrompt: 'You are a robot.' }
 * send({ type: 'session.updated', session: sessionObject('s1', settings) });
 * ```
 */
import type { MessageOf, ToolChoice, ToolDefinition, TurnDetection } from '../../bus/messages.js';
import type { NoiseReductionSetting } from './noise-reduction.js';
import type {
  AudioFormat,
  RealtimeTool,
  RealtimeToolChoice,
  RealtimeTurnDetection,
  SessionUpdate,
} from './protocol.js';

export interface SessionSettings {
  readonly inputFormat: AudioFormat;
  readonly outputFormat: AudioFormat;
  /** `null`: manual turns (the client commits). */
  readonly turnDetection: RealtimeTurnDetection | null;
  readonly instructions: string | undefined;
  readonly voice: string;
  readonly lipSync: boolean;
  /** Functions the client runs itself. */
  readonly tools: readonly RealtimeTool[];
  readonly toolChoice: RealtimeToolChoice;
  /** The Realtime `noise_reduction`: how this session's own microphone is conditioned (noise-reduction.ts). */
  readonly noiseReduction: NoiseReductionSetting;
  /** The STT engine the server runs (`stt.engine`): the session's transcription model, whatever a client asks for. */
  readonly transcriptionModel: string;
}

export const INITIAL_SETTINGS: SessionSettings = {
  inputFormat: { type: 'audio/pcm', rate: 24_000 },
  outputFormat: { type: 'audio/pcm', rate: 24_000 },
  turnDetection: {
    type: 'server_vad',
    threshold: 0.5,
    prefix_padding_ms: 200,
    silence_duration_ms: 600,
    create_response: true,
    interrupt_response: true,
  },
  instructions: undefined,
  voice: 'default',
  lipSync: false,
  tools: [],
  toolChoice: 'auto',
  noiseReduction: null,
  transcriptionModel: 'default',
};

/** What the server really runs, for the session a client is first told about. */
export interface ServerSpeechDefaults {
  transcriptionModel: string;
  /** `pipeline.vad.hangoverMs`. */
  silenceDurationMs: number;
  /** `pipeline.vad.prefixPaddingMs`. */
  prefixPaddingMs: number;
}

/** The settings a connection starts with: the server's own VAD timing and STT. */
export function initialSettings(defaults: ServerSpeechDefaults | undefined): SessionSettings {
  if (!defaults) return INITIAL_SETTINGS;
  const turnDetection = {
    ...INITIAL_SETTINGS.turnDetection!,
    silence_duration_ms: defaults.silenceDurationMs,
    prefix_padding_ms: defaults.prefixPaddingMs,
  };
  return { ...INITIAL_SETTINGS, turnDetection, transcriptionModel: defaults.transcriptionModel };
}

/** What of a `session.update` the session itself must apply (`control.configure`'s fields). */
export type ConfigureFields = Partial<
  Pick<MessageOf<'control.configure'>, 'systemPrompt' | 'voice' | 'turnDetection' | 'clientTools' | 'toolChoice'>
>;

export interface AppliedUpdate {
  settings: SessionSettings;
  /** `undefined` when the session has nothing to change. */
  configure: ConfigureFields | undefined;
  /** The client set the output format: the sink plays at its rate from the next reply. */
  outputFormatChanged: boolean;
}

/** The sample rate of a Realtime audio format: pcm16 is 24 kHz, G.711 8 kHz. */
export const sampleRateOf = (format: AudioFormat): number => (format.type === 'audio/pcm' ? 24_000 : 8_000);

/** A `session.update` applied: absent fields keep their value. */
export function applySessionUpdate(settings: SessionSettings, update: SessionUpdate): AppliedUpdate {
  const next: { -readonly [K in keyof SessionSettings]: SessionSettings[K] } = { ...settings };
  const configure: ConfigureFields = {};
  const input = update.audio?.input;
  const output = update.audio?.output;
  if (input?.format) next.inputFormat = input.format;
  if (output?.format) next.outputFormat = output.format;
  if (input?.turn_detection !== undefined) {
    const td = input.turn_detection;
    next.turnDetection = td === null ? null : { ...(settings.turnDetection ?? {}), ...td };
    configure.turnDetection = toTurnDetection(td);
  }
  if (update.instructions !== undefined) configure.systemPrompt = next.instructions = update.instructions;
  if (output?.voice !== undefined) configure.voice = next.voice = output.voice;
  if (update.voice_agent?.lip_sync !== undefined) next.lipSync = update.voice_agent.lip_sync;
  if (update.tools !== undefined) {
    next.tools = update.tools;
    configure.clientTools = update.tools.map(toToolDefinition);
  }
  const noiseReduction =
    input?.noise_reduction !== undefined ? input.noise_reduction : update.input_audio_noise_reduction;
  if (noiseReduction !== undefined) next.noiseReduction = noiseReduction;
  if (update.tool_choice !== undefined) configure.toolChoice = next.toolChoice = update.tool_choice as ToolChoice;
  return {
    settings: next,
    configure: Object.keys(configure).length > 0 ? configure : undefined,
    outputFormatChanged: output?.format !== undefined,
  };
}

/** The `session` object of `session.created` / `session.updated`. */
export function sessionObject(id: string, settings: SessionSettings) {
  return {
    type: 'realtime' as const,
    object: 'realtime.session' as const,
    id,
    model: 'voice-agent',
    output_modalities: ['audio' as const],
    instructions: settings.instructions ?? '',
    audio: {
      input: {
        format: settings.inputFormat,
        // The chart always answers and applies its own barge-in policy (docs/server.md, *Barge-in*): said as it is.
        turn_detection:
          settings.turnDetection === null
            ? null
            : { ...settings.turnDetection, create_response: true, interrupt_response: true },
        transcription: { model: settings.transcriptionModel, language: null, prompt: '' },
        noise_reduction: settings.noiseReduction,
      },
      output: { format: settings.outputFormat, voice: settings.voice, speed: 1 },
    },
    tools: settings.tools.map((t) => ({
      type: 'function' as const,
      name: t.name,
      description: t.description ?? '',
      parameters: t.parameters ?? { type: 'object', properties: {} },
    })),
    tool_choice: settings.toolChoice,
    max_output_tokens: 'inf' as const,
    voice_agent: { lip_sync: settings.lipSync },
  };
}
export type SessionObject = ReturnType<typeof sessionObject>;

function toTurnDetection(td: RealtimeTurnDetection | null): TurnDetection {
  if (td === null) return { mode: 'manual' };
  return {
    mode: 'server_vad',
    ...(td.threshold !== undefined ? { threshold: td.threshold } : {}),
    ...(td.prefix_padding_ms !== undefined ? { prefixPaddingMs: td.prefix_padding_ms } : {}),
    ...(td.silence_duration_ms !== undefined ? { hangoverMs: td.silence_duration_ms } : {}),
  };
}

function toToolDefinition(tool: RealtimeTool): ToolDefinition {
  return {
    name: tool.name,
    description: tool.description ?? '',
    parameters: tool.parameters ?? { type: 'object', properties: {} },
  };
}
