/**
 * Session configuration. Every timeout the chart uses is here, by name, in ms; the chart reads them
 * through named delays so tests and the model-based walk can drive each one on a simulated clock.
 */
import { z } from 'zod';

export const SessionConfigSchema = z
  .object({
    systemPrompt: z.string().default('You are a helpful robot assistant. Answer in one or two short sentences.'),
    /**
     * The system prompt when the user speaks another language (by tag, `zh`), as the STT detected it
     * (`stt.final.language`); a language without one gets `systemPrompt`. From `languages.<tag>.systemPrompt`.
     */
    languagePrompts: z.record(z.string().min(1).max(35), z.string().min(1)).default({}),
    /** Turns of history given to the LLM; older turns are dropped to keep the prompt (and its cache) small. */
    historyTurns: z.number().int().positive().default(20),
    /**
     * History entries the chart keeps (about two a turn); older ones are forgotten, so a robot's session
     * that runs for days keeps a bounded memory and a bounded per-turn cost. The whole conversation is
     * still on `session.history` and in the session records. Why 200: ten times what the LLM is given by
     * default (`historyTurns` 20 = 40 entries), a few tens of kB per session. At least `2 × historyTurns`.
     */
    historyLimit: z.number().int().positive().default(200),
    bargeIn: z
      .object({
        enabled: z.boolean().default(true),
        /**
         * Why 500 ms: shorter sounds (a cough, a chair, "mm-hm") are the main source of false interruptions;
         * half a second of speech is the common floor in production agents.
         */
        minSpeechMs: z.number().int().nonnegative().default(500),
        /** Words the STT partials must hold before speech interrupts; 0 disables the word check. */
        minWords: z.number().int().nonnegative().default(0),
        /**
         * A barge-in whose utterance turns out to carry no words (an empty or ignorable final transcript)
         * within this long of the barge-in resumes the cut reply from the first clause not heard in full;
         * 0 never resumes. Why 2 s: a cough or a slammed door is transcribed well within it, and LiveKit's
         * false-interruption timeout is the same; later, the user has moved on.
         */
        falseInterruptionMs: z.number().int().nonnegative().default(2000),
        /**
         * Backchannels that are not an interruption and get no answer ("mm-hm", "uh-huh"), matched whole,
         * ignoring case and punctuation. Empty by default: a robot's users decide what counts as noise.
         */
        ignorableWords: z.array(z.string().min(1).max(100)).max(100).default([]),
      })
      .strict()
      .prefault({}),
    timeouts: z
      .object({
        /** Why 8 s: long enough for a person to think, short enough for a robot to re-prompt. */
        noInputMs: z.number().int().positive().default(8000),
        /** Why 1.5 s: local and server STT finalize within a few hundred ms; beyond this use the partial. */
        sttFinalMs: z.number().int().positive().default(1500),
        /** Why 1.2 s: past ~1 s of silence people assume they were not heard; a filler fills the gap. */
        llmFirstTokenMs: z.number().int().positive().default(1200),
        /** Why 10 s: after this the model is considered down; the turn ends with a notice instead of wedging. */
        llmGiveUpMs: z.number().int().positive().default(10_000),
        /** Why 800 ms: the first-audio budget is < 400 ms ideal, < 800 ms p95; a slower engine is failed over. */
        ttsFirstChunkMs: z.number().int().positive().default(800),
      })
      .strict()
      .prefault({}),
    turn: z
      .object({
        /**
         * Adaptive end of turn: when the transcript so far is a complete command (the grammar's sentence, or a
         * rule matching it whole), the utterance ends after this much silence instead of the VAD's full
         * hangover; 0 always waits the hangover. Why 200 ms: longer than the gaps between words of a command
         * spoken in one go (~50–150 ms), a third of the 600 ms hangover; an incomplete sentence ("go to the …")
         * still waits the full hangover, so a user who pauses mid-sentence is not cut off.
         */
        completePauseMs: z.number().int().nonnegative().default(200),
        /**
         * Speculative replies: at that short pause, a transcript that is not a complete command starts the
         * reply anyway — generated and synthesized, but held silent (and its tool calls held) until the full
         * hangover confirms the user is done and the final transcript matches; discarded without a sound if
         * the user goes on. Worth it when the LLM is slow to its first audio; the rule policy answers in a few
         * ms, so `auto` (decided where config becomes runtime options) is on for every LLM but the rules.
         */
        speculate: z.enum(['auto', 'on', 'off']).default('auto'),
      })
      .strict()
      .prefault({}),
    /**
     * A final transcript whose `confidence` is below this is not understood: the user hears
     * `notUnderstoodText` and no intent or LLM request follows. Finals without a confidence are never
     * rejected. 0 (the chart's default) rejects nothing; the application default comes from
     * `stt.minConfidence`, measured by `npm run bench -- --scenario grammar`.
     */
    minConfidence: z.number().min(0).max(1).default(0),
    /** The re-prompt for a transcript below `minConfidence` (the server uses the rule policy's fallback reply). */
    notUnderstoodText: z.string().min(1).default("Sorry, I didn't catch that."),
    fillerText: z.string().min(1).default('Hmm, let me see.'),
    /** Speak `fillerText` when the LLM is slow (feature flag `filler`); off keeps silent until the answer. */
    filler: z.boolean().default(true),
    tts: z
      .object({
        /** Why 2: with a local engine and one backup, a third miss means TTS is down, not slow. */
        maxFallbacks: z.number().int().nonnegative().default(2),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((config) => config.historyLimit >= 2 * config.historyTurns, {
    path: ['historyLimit'],
    message: 'historyLimit must keep at least the entries the LLM is given (2 × historyTurns): raise historyLimit or lower historyTurns',
  });

export type SessionConfig = z.infer<typeof SessionConfigSchema>;
export type SessionConfigInput = z.input<typeof SessionConfigSchema>;

/** Parses and defaults a config; throws a zod error naming the bad field. */
export function resolveSessionConfig(input: SessionConfigInput = {}): SessionConfig {
  return SessionConfigSchema.parse(input);
}
