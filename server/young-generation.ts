/**
 * The size of V8's young generation for a server process: `--max-semi-space-size=128`, which the
 * `voice-agent` command passes to node from its first two lines (a shell launcher that node reads as a
 * comment: bin/voice-agent.ts) and `npm start` on its command line.
 *
 * Why: every object starts in the young generation and is promoted to the old one once it has lived
 * through two scavenges. With V8's default semi-spaces (16 MB) a busy server scavenges several times a
 * second, so whatever lives a few hundred milliseconds (a turn's actors, frames waiting in a sink) is
 * promoted and the old generation fills up to full collections in the turns' path to first audio; with
 * 128 MB those objects die young (a full collection every ~2.5 s at 100 clients became none in a 10 s
 * window). Measurements: docs/server.md, *Garbage collection*.
 *
 * Why a start flag and not a setting: V8 sizes the young generation when the process starts;
 * `v8.setFlagsFromString` later changes nothing (checked). So `serve` can only say when it is missing.
 *
 * @example
 * ```ts
 * youngGenerationAdvice(['--max-semi-space-size=128'], undefined); // undefined: nothing to say
 * youngGenerationAdvice([], undefined); // 'start node with --max-semi-space-size=128 …'
 * ```
 */

/** The node flag, as the `voice-agent` launcher, `npm start` and `npm run bench` pass it. */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=128';

/** Whether node was started with its young generation sized (by us or by the user, to any size). */
export function youngGenerationSized(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env['NODE_OPTIONS'],
): boolean {
  const sets = (arg: string) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(arg);
  return execArgv.some(sets) || (nodeOptions ?? '').split(/\s+/).some(sets);
}

/** What to tell the user when the young generation has V8's default size; undefined when it is sized. */
export function youngGenerationAdvice(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env['NODE_OPTIONS'],
): string | undefined {
  if (youngGenerationSized(execArgv, nodeOptions)) return undefined;
  return (
    `start node with ${YOUNG_GENERATION_FLAG} (the installed voice-agent command and npm start do; ` +
    `or NODE_OPTIONS=${YOUNG_GENERATION_FLAG}): with V8's default young generation, a busy server makes a full ` +
    'garbage collection every few seconds, each a pause of 5-12 ms in the replies (docs/server.md, Garbage collection)'
  );
}
