/**
 * Session configuration. Every timeout the chart uses is here, by name, in ms; the chart reads them
 * through named delays so tests and the model-based walk can drive each one on a simulated clock.
 * Defaults, and why each has its value: `session-defaults.ts`.
 *
 * Two schemas: {@link SessionConfigSchema}, what the chart runs on, and {@link SessionSettingsSchema},
 * what an application configures under `session` — the same less the settings the application sets
 * elsewhere (`features.bargeIn`, `features.filler`, `stt.minConfidence`, `languages.<tag>.systemPrompt`),
 * so each has one switch.
 *
 * @example
 * ```ts
 * const config = resolveSessionConfig({ timeouts: { noInputMs: 5000 } });
 * config.bargeIn.minSpeechMs; // 500
 * ```
 */
import { z } from 'zod';
import { ActionSetSchema } from '../adapters/actions/declaration.js';
import { ACTIVATION_MODES, DEFAULT_ACTIVATION_OPTIONS as ACTIVATION } from '../actors/activation-settings.js';
import { SESSION_DEFAULTS as D } from './session-defaults.js';

const bargeInSettings = {
  minSpeechMs: z
    .number()
    .int()
    .nonnegative()
    .default(D.bargeIn.minSpeechMs)
    .describe('Speech the user must keep up over a reply before it is cut (ms).'),
  minVoiceMs: z
    .number()
    .int()
    .nonnegative()
    .default(D.bargeIn.minVoiceMs)
    .describe(
      'Speech over a reply that falls quiet (`vad.pause`) within this long of its start is a click, a cough or a ' +
        "burst of the agent's own echo: it interrupts only if the voice comes back (ms); 0: no onset check.",
    ),
  minWords: z
    .number()
    .int()
    .nonnegative()
    .default(D.bargeIn.minWords)
    .describe('Words the STT partials must hold before speech interrupts; 0: no word check.'),
  falseInterruptionMs: z
    .number()
    .int()
    .nonnegative()
    .default(D.bargeIn.falseInterruptionMs)
    .describe(
      'A barge-in whose utterance carries no words (an empty or ignorable final transcript) within this long ' +
        'resumes the cut reply from the first clause not heard in full (ms); 0: never resume.',
    ),
  ignorableWords: z
    .array(z.string().min(1).max(100))
    .max(100)
    .default(() => [...D.bargeIn.ignorableWords])
    .describe(
      'Backchannels that are no interruption and get no answer ("mm-hm"), matched whole, ignoring case and ' +
        'punctuation.',
    ),
};

const sessionSettings = {
  systemPrompt: z
    .string()
    .default(D.systemPrompt)
    .describe("The LLM's system prompt (the main language's; see `languages.<tag>.systemPrompt`)."),
  historyTurns: z
    .number()
    .int()
    .positive()
    .default(D.historyTurns)
    .describe('Turns of history given to the LLM; older turns are dropped from the prompt.'),
  historyLimit: z
    .number()
    .int()
    .positive()
    .default(D.historyLimit)
    .describe(
      'History entries the chart keeps (about two a turn; at least 2 × `historyTurns`); the records keep the whole ' +
        'conversation.',
    ),
  timeouts: z
    .object({
      noInputMs: z
        .number()
        .int()
        .positive()
        .default(D.timeouts.noInputMs)
        .describe('Silence before a `no_input` notice (ms).'),
      sttFinalMs: z
        .number()
        .int()
        .positive()
        .default(D.timeouts.sttFinalMs)
        .describe('Wait for the STT final after speech ends; then the last partial is used (ms).'),
      llmFirstTokenMs: z
        .number()
        .int()
        .positive()
        .default(D.timeouts.llmFirstTokenMs)
        .describe("Wait for the LLM's first token before the filler is spoken (ms)."),
      llmGiveUpMs: z
        .number()
        .int()
        .positive()
        .default(D.timeouts.llmGiveUpMs)
        .describe('Further wait after the filler before the turn fails (ms).'),
      ttsFirstChunkMs: z
        .number()
        .int()
        .positive()
        .default(D.timeouts.ttsFirstChunkMs)
        .describe("Wait for a TTS engine's first audio before the next engine of the chain takes over (ms)."),
    })
    .strict()
    .prefault({}),
  turn: z
    .object({
      completePauseMs: z
        .number()
        .int()
        .nonnegative()
        .default(D.turn.completePauseMs)
        .describe(
          'A transcript that is a complete command ends the utterance after this much silence instead of the VAD ' +
            'hangover (ms); 0: always the hangover.',
        ),
      speculate: z
        .enum(['auto', 'on', 'off'])
        .default(D.turn.speculate)
        .describe(
          'Start the reply at that short pause even for an incomplete transcript, held silent until the hangover ' +
            'confirms it; `auto`: on for every LLM but the rules.',
        ),
    })
    .strict()
    .prefault({}),
  notUnderstoodText: z
    .string()
    .min(1)
    .default(D.notUnderstoodText)
    .describe(
      "The re-prompt for a transcript below the confidence floor (with the rules: the rule policy's fallback " +
        'reply).',
    ),
  fillerText: z
    .string()
    .min(1)
    .default(D.fillerText)
    .describe('What the agent says while the LLM is slow (`features.filler`).'),
  tts: z
    .object({
      maxFallbacks: z
        .number()
        .int()
        .nonnegative()
        .default(D.tts.maxFallbacks)
        .describe('Engine switches a reply may make along the TTS chain before the turn fails.'),
    })
    .strict()
    .prefault({}),
  actions: z
    .object({
      acceptTimeoutMs: z
        .number()
        .int()
        .positive()
        .default(D.actions.acceptTimeoutMs)
        .describe('Wait for an executor to accept or reject an action before it fails (ms).'),
      confirmTimeoutMs: z
        .number()
        .int()
        .positive()
        .default(D.actions.confirmTimeoutMs)
        .describe('Wait for the yes or no to a confirmation question; silence cancels (ms).'),
      yesWords: z
        .array(z.string().min(1).max(100))
        .min(1)
        .max(100)
        .default(() => [...D.actions.yesWords])
        .describe(
          'Answers that confirm an action, matched whole, ignoring case and punctuation; anything else cancels.',
        ),
      noWords: z
        .array(z.string().min(1).max(100))
        .max(100)
        .default(() => [...D.actions.noWords])
        .describe(
          'Answers that decline an action (answered with `declinedText`); anything else declines too and is ' +
            'answered as a new turn.',
        ),
      confirmedText: z
        .string()
        .min(1)
        .default(D.actions.confirmedText)
        .describe('Said when the user confirms an action.'),
      declinedText: z
        .string()
        .min(1)
        .default(D.actions.declinedText)
        .describe('Said when the user declines, or does not answer, a confirmation.'),
      refusedText: z
        .string()
        .min(1)
        .default(D.actions.refusedText)
        .describe('Said when an action is refused (unknown, invalid arguments, over its rate).'),
    })
    .strict()
    .prefault({}),
  estop: z
    .object({
      phrases: z
        .array(z.string().min(1).max(100))
        .max(50)
        .default(() => [...D.estop.phrases])
        .describe(
          'Stop phrases spotted at the end of any partial transcript, in any state: playback cleared, every ' +
            'action cancelled, `stop` published; [] : off.',
        ),
      minConfidence: z
        .number()
        .min(0)
        .max(1)
        .default(D.estop.minConfidence)
        .describe(
          'A partial transcript ending with a stop phrase stops when the STT is this sure of it (its confidence ' +
            'on the audio so far) on two reports while the hypothesis keeps ending with it; transcripts without a ' +
            'confidence stop at once, and 0 is no gate.',
        ),
      overReplyConfidence: z
        .number()
        .min(0)
        .max(1)
        .default(D.estop.overReplyConfidence)
        .describe(
          "`minConfidence` for an utterance begun while the robot was speaking (its voice under the user's lowers " +
            'the confidence).',
        ),
      minFinalConfidence: z
        .number()
        .min(0)
        .max(1)
        .default(D.estop.minFinalConfidence)
        .describe('A final transcript ending with a stop phrase stops when the STT is this sure of it.'),
      spotter: z
        .boolean()
        .default(D.estop.spotter)
        .describe(
          'Also spot the stop phrases on the microphone itself (after echo cancellation), in every activation ' +
            'mode and whatever `stt.engine` is, without waiting for a transcript: pocketsphinx keyphrase search, a ' +
            'decoder per session (about 28 MB, and a few % of a core: docs/actions.md); false: transcripts only.',
        ),
      localRecognizer: z
        .boolean()
        .default(D.estop.localRecognizer)
        .describe(
          'A pocketsphinx decoder with `stt.grammarPath` for the stop alone, its transcripts through the same ' +
            "gate and nowhere else. Beside a recognizer without partial transcripts (openai, sherpa's offline " +
            'kinds, remote; the grammar must then hold the stop phrases): every utterance, so a stop does not wait ' +
            "for that recognizer's final. Beside pocketsphinx: the audio so far at each of the user's pauses, and " +
            "the session's own partials then count only over a reply. Partials of either count only for an " +
            'utterance begun over a reply; elsewhere a stop is judged at the pause. False: the spotter and ' +
            "`stt.engine`'s transcripts, every partial judged.",
        ),
    })
    .strict()
    .prefault({}),
  maxResumes: z
    .number()
    .int()
    .nonnegative()
    .default(D.maxResumes)
    .describe(
      'Times one reply may resume after false interruptions; past it further false interruptions leave it cut.',
    ),
};

const keepsPrompt = (config: { historyLimit: number; historyTurns: number }) =>
  config.historyLimit >= 2 * config.historyTurns;
const keepsPromptError = {
  path: ['historyLimit'],
  message:
    'historyLimit must keep at least the entries the LLM is given (2 × historyTurns): raise historyLimit or lower ' +
    'historyTurns',
};

/** What the chart runs on. */
export const SessionConfigSchema = z
  .object({
    ...sessionSettings,
    /**
     * The system prompt per language tag (`zh`), as the STT detected it; a language without one gets `systemPrompt`.
     */
    languagePrompts: z.record(z.string().min(1).max(35), z.string().min(1)).default(() => ({ ...D.languagePrompts })),
    /**
     * A final transcript whose `confidence` is below this is not understood: `notUnderstoodText` is said, no action
     * follows.
     */
    minConfidence: z.number().min(0).max(1).default(D.minConfidence),
    /** The declared actions (the application's `actions.path` file, or the library's `defineAction`). */
    declaredActions: ActionSetSchema.default(() => []),
    /** Speak `fillerText` when the LLM is slow; off keeps silent until the answer. */
    filler: z.boolean().default(D.filler),
    bargeIn: z
      .object({ enabled: z.boolean().default(D.bargeIn.enabled), ...bargeInSettings })
      .strict()
      .prefault({}),
    /**
     * `session.activation` as the chart's activation region runs it (docs/activation.md): the mode, and the
     * wake window. The application sets it under `session.activation` with the spotter's settings.
     */
    activation: z
      .object({
        mode: z.enum(ACTIVATION_MODES).default(ACTIVATION.mode),
        windowMs: z.number().int().positive().default(ACTIVATION.windowMs),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine(keepsPrompt, keepsPromptError);

/** What an application configures under `session`: the chart's settings less those it sets elsewhere. */
export const SessionSettingsSchema = z
  .object({ ...sessionSettings, bargeIn: z.object(bargeInSettings).strict().prefault({}) })
  .strict()
  .refine(keepsPrompt, keepsPromptError);

export type SessionConfig = z.infer<typeof SessionConfigSchema>;
export type SessionConfigInput = z.input<typeof SessionConfigSchema>;
export type SessionSettings = z.infer<typeof SessionSettingsSchema>;

/** Parses and defaults a config; throws a zod error naming the bad field. */
export function resolveSessionConfig(input: SessionConfigInput = {}): SessionConfig {
  return SessionConfigSchema.parse(input);
}
