/**
 * The `voice-agent` command line. Each subcommand lives in bin/commands/.
 *
 * @example
 * ```sh
 * npx tsx bin/voice-agent.ts demo --fast
 * ```
 */
import { runDemo } from './commands/demo.js';
import { runRunCommand } from './commands/run.js';
import { runSayCommand } from './commands/say.js';
import { runWorkerCommand } from './commands/worker.js';

interface Command {
  summary: string;
  run(args: string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  demo: { summary: 'scripted conversation on the fakes (--fast: simulated clock, --json: timelines as JSON)', run: (args) => runDemo(args) },
  run: { summary: 'run a recording through a session: --in input.wav --out reply.wav (+ timeline JSON and table)', run: (args) => runRunCommand(args) },
  say: { summary: 'speak text with the configured TTS chain: say "text" --out file.wav', run: (args) => runSayCommand(args) },
  worker: { summary: 'serve one stage (tts|llm|stt) to all sessions on NATS, in a queue group (--nats URL)', run: runWorkerCommand },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return ['usage: voice-agent <command> [options]', '', 'commands:', ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`unknown command "${name}": use one of ${Object.keys(COMMANDS).join(', ')}\n\n${help()}`);
    return 2;
  }
  await command.run(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `voice-agent: ${error.message}` : error);
    process.exit(1);
  },
);
