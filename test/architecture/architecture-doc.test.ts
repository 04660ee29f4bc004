/**
 * docs/architecture.md, where `voice-agent --help` sends newcomers, stays true: every name it gives in
 * backticks exists. Nothing here lists today's names: the doc is read and each backticked span is
 * checked against the tree — a path must exist, an npm script or command must be defined, a chart state
 * must be a state of the machine, a dotted name must be a message type, a state, a configuration key or
 * a section, and every code-looking word (camelCase, snake_case, a call) must occur in the source. A count
 * of code things ("the 17 message types") goes stale silently, so the doc gives none. And it leaves
 * nothing out: every top-level folder, every file of `actors/` and every kind of turn id the source
 * mints (`u<n>`, …) must be named, found in the tree, not listed here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AnyStateNode } from 'xstate';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES } from '../../bus/messages.js';
import { STAGES } from '../../bus/subjects.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { appConfigKeys } from '../../runtime/config/env.js';

const DOC = 'docs/architecture.md';
const SOURCE_DIRS = [
  'bus',
  'adapters',
  'actors',
  'machines',
  'runtime',
  'server',
  'lib',
  'bin',
  'bench',
  'test',
  'web',
  'examples',
];
/** Words that look like code but name no code: units, example ids and texts. */
const NOT_CODE = new Set(['ms', 'dBFS']);

const THIS_FILE = 'test/architecture/architecture-doc.test.ts';

/** Files and folders (a folder as `name/`) under `dir`. */
function entries(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(path).isDirectory() ? [`${path}/`, ...entries(path)] : [path];
  });
}

const sourceFiles = SOURCE_DIRS.flatMap(entries).filter((f) => !f.endsWith('/') && f !== THIS_FILE);
const basenames = new Set(
  [...SOURCE_DIRS, 'docs'].flatMap(entries).map((f) => (f.endsWith('/') ? `${basename(f)}/` : basename(f))),
);
const words = new Set(
  sourceFiles
    .filter((f) => /\.(ts|js|json|html|jsgf)$/.test(f))
    .flatMap((f) => readFileSync(f, 'utf8').match(/[A-Za-z_$][\w$]*/g) ?? []),
);
const scripts = new Set(
  Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts),
);
const commands = new Set(readdirSync('bin/commands').map((f) => f.replace(/\.ts$/, '')));

/** Every state path of the chart, dotted (`processing.reply.thinking`), and every suffix of one (`reply.thinking`). */
const statePaths = new Set<string>();
const collect = (node: AnyStateNode) => {
  for (let i = 0; i < node.path.length; i++) statePaths.add(node.path.slice(i).join('.'));
  for (const child of Object.values(node.states) as AnyStateNode[]) collect(child);
};
collect(sessionMachine.root);
/** The chart's first-level states; under a parallel root (`dialog`, `actions`), its regions' states too. */
const topStates = new Set(
  (Object.values(sessionMachine.root.states) as AnyStateNode[]).flatMap((region) => [
    region.key,
    ...(sessionMachine.root.type === 'parallel' ? Object.keys(region.states) : []),
  ]),
);

const configPaths = appConfigKeys().flatMap((k) => k.segments.map((_, i) => k.segments.slice(0, i + 1).join('.')));
/**
 * A configuration key or section, absolute (`pipeline.ttsLookAheadMs`) or as the chart sees it (`bargeIn.minSpeechMs`).
 */
const isConfigPath = (path: string) =>
  configPaths.includes(path) || configPaths.includes(`session.${path}`) || path === 'session';
/** First names that make a dotted name a configuration key: `pipeline.…`, and the chart's `bargeIn.…`. */
const configRoots = new Set(
  configPaths.flatMap((p) => [p.split('.')[0]!, ...(p.startsWith('session.') ? [p.split('.')[1]!] : [])]),
);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const looksLikeCode = (word: string) =>
  /[a-z][A-Z]/.test(word) || /^[A-Za-z]+_\w/.test(word) || /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(word);

/** What is wrong with one backticked span, or undefined when it names something that exists. */
function problemWith(span: string): string | undefined {
  const npm = /^npm (?:run ([\w:-]+)|(start|test))\b/.exec(span);
  if (npm) return scripts.has(npm[1] ?? npm[2]!) ? undefined : `no npm script "${npm[1] ?? npm[2]}"`;
  const command = /^voice-agent ([\w-]+)/.exec(span);
  if (command) return commands.has(command[1]!) ? undefined : `no command "voice-agent ${command[1]}"`;
  if (/^[\w./-]+$/.test(span) && (span.includes('/') || /\.(ts|md|mmd|json|jsgf)$/.test(span))) {
    const name = span.endsWith('/') ? `${basename(span)}/` : basename(span);
    return existsSync(span) || existsSync(join('docs', span)) || basenames.has(name) ? undefined : `no file ${span}`;
  }
  // A state value: dotted paths joined by `+` (`speaking.reply.playing+user.candidate`), `*.` for any parent.
  const parts = span.split('+').map((p) => p.replace(/^\*\./, ''));
  if (parts.every((p) => p.split('.').every((s) => IDENTIFIER.test(s)))) {
    const first = span.replace(/^\*\./, '').split('.')[0]!;
    if (span.includes('+') || span.startsWith('*.') || topStates.has(first)) {
      const bad = parts.find((p) => !statePaths.has(p));
      return bad === undefined ? undefined : `no chart state ${bad}`;
    }
  }
  // A dotted name: a message type (or a stage's, `vad.*`), a configuration key or section.
  if (/^[\w$]+(\.[\w$*]+)+$/.test(span)) {
    const path = span.replace(/\.\*$/, '');
    if (
      (MESSAGE_TYPES as string[]).includes(span) ||
      (span.endsWith('.*') && (STAGES as readonly string[]).includes(path)) ||
      isConfigPath(path)
    )
      return undefined;
    // A message's field: `stt.final.language`.
    if (MESSAGE_TYPES.some((t) => span.startsWith(`${t}.`))) return undefined;
    if (configRoots.has(span.split('.')[0]!)) return `no configuration key ${span}`;
  }
  const unknown = (span.match(/[A-Za-z_$][\w$]*/g) ?? []).filter(
    (w) => looksLikeCode(w) && !NOT_CODE.has(w) && !words.has(w),
  );
  if (unknown.length > 0) return `${unknown.join(', ')} not found in the source`;
  if (/^[\w$]+(\.[\w$]+)+$/.test(span) && !span.split('.').every((s) => words.has(s)))
    return 'neither a message type, a state, a configuration key nor code';
  return undefined;
}

/** Top-level folders of the project (not the hidden ones, nor what installs and builds make). */
const topFolders = readdirSync('.').filter(
  (name) => !name.startsWith('.') && name !== 'node_modules' && name !== 'dist' && statSync(name).isDirectory(),
);
/** Every file of `actors/`, relative to it (`estop/stop-gate.ts`). */
const actorFiles = entries('actors')
  .filter((f) => !f.endsWith('/'))
  .map((f) => f.slice('actors/'.length));
/**
 * The kinds of turn id the source mints: the letter of a template like `f${context.followUps + 1}` on a
 * line that makes a turn id (or a reply's, `startingReply(...)`), or of a turn-id type (`` `u${number}` ``).
 */
function turnIdKinds(): string[] {
  const files = ['machines', 'actors', 'bus'].flatMap(entries).filter((f) => f.endsWith('.ts'));
  const kinds = files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((line) => /turnId|TurnId|startingReply\(/.test(line))
      .flatMap((line) => [...line.matchAll(/`([a-z])\$\{/g)].map((m) => m[1]!)),
  );
  return [...new Set(kinds)].sort();
}

/** What the doc leaves out: folders, actor files and turn-id kinds it never names in backticks. */
function omissions(spans: string[], found: { folders: string[]; actors: string[]; kinds: string[] }): string[] {
  const named = new Set(spans);
  return [
    ...found.folders.filter((f) => !named.has(`${f}/`)).map((f) => `the folder \`${f}/\``),
    ...found.actors
      .filter((f) => !spans.some((s) => s === f || s.endsWith(`/${f}`)))
      .map((f) => `the actor file \`${f}\``),
    ...found.kinds.filter((k) => !named.has(`${k}<n>`)).map((k) => `the turn id \`${k}<n>\``),
  ];
}

describe('docs/architecture.md', () => {
  const text = readFileSync(DOC, 'utf8');
  // Fenced blocks hold diagrams, not names; inline spans are what the reader looks up.
  const prose = text.replace(/```[\s\S]*?```/g, '');
  const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

  it('names only things that exist: files, scripts, commands, states, message types, settings, code', () => {
    expect(spans.length).toBeGreaterThan(50);
    const wrong = [...new Set(spans)].flatMap((span) => {
      const problem = problemWith(span);
      return problem ? [`\`${span}\`: ${problem}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it('a default given next to its key (`pipeline.ttsConcurrency` (2)) is the default', () => {
    const keys = appConfigKeys();
    const given = [...text.matchAll(/`([\w.]+)` \((-?\d[\d_,.]*) ?(ms|s)?\b/g)].flatMap(([, path, number, unit]) => {
      const key = keys.find((k) => k.path === path || k.path === `session.${path}`);
      return key
        ? [
            {
              path,
              given: Number(number!.replace(/[_,]/g, '')) * (unit === 's' && key.path.endsWith('Ms') ? 1000 : 1),
              default: key.default,
            },
          ]
        : [];
    });
    expect(given.length).toBeGreaterThan(0);
    for (const g of given) expect(g.given, `${g.path} in ${DOC}`).toBe(g.default);
  });

  it('gives no counts of code things, which go stale silently', () => {
    const counts =
      text.match(
        new RegExp(
          String.raw`\b(\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+` +
            String.raw`(message types|messages? kinds|event types|events|states|actors|stages|regions|commands)\b`,
          'gi',
        ),
      ) ?? [];
    expect(counts).toEqual([]);
  });

  it('leaves out no folder, actor file or kind of turn id', () => {
    const found = { folders: topFolders, actors: actorFiles, kinds: turnIdKinds() };
    expect(found.folders).toContain('actors');
    expect(found.actors).toContain('estop/index.ts');
    expect(found.kinds).toContain('u');
    expect(omissions(spans, found)).toEqual([]);
  });

  it('the omission check catches a missing folder, actor file and turn id', () => {
    const found = { folders: ['web', 'native'], actors: ['stop-spotter.ts', 'vad.ts'], kinds: ['u', 'f'] };
    expect(omissions(['web/', 'actors/vad.ts', 'u<n>'], found)).toEqual([
      'the folder `native/`',
      'the actor file `stop-spotter.ts`',
      'the turn id `f<n>`',
    ]);
  });

  it('the check catches a wrong name of each kind', () => {
    expect(problemWith('serveSessions')).toMatch(/not found/);
    expect(problemWith('npm run nothing')).toMatch(/no npm script/);
    expect(problemWith('voice-agent fly')).toMatch(/no command/);
    expect(problemWith('server/nothing.ts')).toMatch(/no file/);
    expect(problemWith('listening.hearing.mumbling')).toMatch(/no chart state/);
    expect(problemWith('speaking.reply.playing+user.dozing')).toMatch(/no chart state/);
    expect(problemWith('session.bargeIn.enable')).toMatch(/no configuration key/);
    expect(problemWith('timeouts.noInput')).toMatch(/no configuration key/);
    expect([
      problemWith('vad.speech_start'),
      problemWith('bargeIn.minSpeechMs'),
      problemWith('*.user.silent'),
      problemWith('npm run diagram -- --check'),
    ]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
