/**
 * The session chart's defaults: one value per setting, and above it the reason it has that value. The
 * schema (`config.ts`) refers to these; `docs/configuration.md` is generated from the schema and these
 * comments (`npm run config-reference`), so a reason is written once, here.
 */

export const SESSION_DEFAULTS = {
  systemPrompt: 'You are a helpful robot assistant. Answer in one or two short sentences.',
  languagePrompts: {},
  /** Why 20: enough context for a spoken conversation while the prompt (and its cache) stays small. */
  historyTurns: 20,
  /** Why 200: ten times the 40 entries the LLM is given by default, a few tens of kB per session. */
  historyLimit: 200,
  bargeIn: {
    enabled: true,
    /** Why 500 ms: shorter sounds (a cough, a chair, "mm-hm") are the main source of false interruptions. */
    minSpeechMs: 500,
    /**
     * Why 200 ms: a spoken word brings at least ~250 ms of voice (the shortest stop phrase of the benches'
     * voices ~290 ms), while what an echo canceller lets through of the agent's own voice comes in bursts of
     * 60–140 ms (the virtual room), which the VAD's 600 ms hangover would carry past `minSpeechMs`.
     */
    minVoiceMs: 200,
    /** Why 0: the word check waits for the STT's partials; most robots want the faster cut. */
    minWords: 0,
    /**
     * Why 2 s: a cough is transcribed (empty) well within it, as LiveKit's false-interruption timeout; later, the user
     * has moved on.
     */
    falseInterruptionMs: 2000,
    /** Why empty: a robot's users decide what counts as a backchannel. */
    ignorableWords: [],
  },
  timeouts: {
    /** Why 8 s: long enough for a person to think, short enough for a robot to re-prompt. */
    noInputMs: 8000,
    /** Why 1.5 s: local and server STT finalize within a few hundred ms; beyond this the partial is used. */
    sttFinalMs: 1500,
    /** Why 1.2 s: past ~1 s of silence people assume they were not heard; a filler fills the gap. */
    llmFirstTokenMs: 1200,
    /** Why 10 s: after this the model is considered down; the turn ends with a notice instead of wedging. */
    llmGiveUpMs: 10_000,
    /** Why 800 ms: the p95 first-audio budget; a slower engine is failed over. */
    ttsFirstChunkMs: 800,
  },
  turn: {
    /** Why 200 ms: longer than the gaps between the words of a command spoken in one go (~150 ms). */
    completePauseMs: 200,
    /**
     * Why auto: a guessed reply pays off only when the LLM is slow to its first audio; the rule policy answers in ms.
     */
    speculate: 'auto',
  },
  /** Why 0: the chart rejects nothing unless told; the application's value is `stt.minConfidence`. */
  minConfidence: 0,
  notUnderstoodText: "Sorry, I didn't catch that.",
  fillerText: 'Hmm, let me see.',
  filler: true,
  tts: {
    /** Why 2: with a local engine and one backup, a third miss means TTS is down, not slow. */
    maxFallbacks: 2,
  },
  actions: {
    /** Why 2 s: an executor on the bus answers within ms; no answer in 2 s means none is listening. */
    acceptTimeoutMs: 2_000,
    /** Why 8 s: as `noInputMs`: time to hear the question and answer it. */
    confirmTimeoutMs: 8_000,
    /** Why these: the grammar's yes words; anything else, and silence, cancels (a wrong "yes" moves a robot). */
    yesWords: ['yes', 'yeah', 'yep', 'sure', 'okay', 'ok', 'go ahead', 'do it', 'confirm'],
    /** Why these: a no is answered with `declinedText`; anything else cancels too, and is answered as a new turn. */
    noWords: ['no', 'nope', 'cancel', "don't", 'do not', 'never mind'],
    confirmedText: 'Okay.',
    declinedText: 'Cancelled.',
    refusedText: "Sorry, I can't do that.",
  },
  estop: {
    /** Why these: the words people shout at a machine; each is spotted at the end of a partial transcript. */
    phrases: ['stop', 'halt', 'emergency stop'],
    /**
     * Why 0.25 held on two reports of a partial, 0.1 on a final (the commands' gate is 0.2): a missed stop
     * costs more than a false one, and the microphone's stop spotter is the fast path. Two reports, not
     * one sure one: ordinary words ("snowboy", "smart mirror") are "stop" on their first syllable and gone
     * on the next report; 100 ms on the transcripts' path. Chosen on the grammar bench's voices and
     * recordings of real people (docs/estop.md).
     */
    minConfidence: 0.25,
    /**
     * Why 0.1 for an utterance begun over a reply: the robot's own voice under the user's, even after the
     * echo canceller, lowers the confidence — a real "stop" heard at 1.0 alone was 0.146, 0.065, 0.106
     * over a reply (the echo matrix's Realtime cell); at 0.25 it was lost. The echo matrix's replies
     * (0 false stops over 515) were measured at 0.1.
     */
    overReplyConfidence: 0.1,
    minFinalConfidence: 0.1,
    /**
     * Why on: a recognizer that answers after the utterance (a Whisper-class server: 750–810 ms after the
     * word) is too late for a stop; the spotter hears it on the microphone in tens of milliseconds.
     */
    spotter: true,
    /**
     * Why on: with a recognizer that reports no partials (a Whisper-class server), the stops the
     * spotter misses would wait for that recognizer's final, about 1 s after the phrase; decoded at the
     * user's pause, they come about 60 ms after it, with fewer false stops than partials judged without a
     * reply. Chosen on the e-stop bench and recordings of real people (docs/estop.md).
     */
    localRecognizer: true,
  },
  /** Why 1: a second false interruption in the same reply means the noise goes on; resuming again loops. */
  maxResumes: 1,
} as const;
