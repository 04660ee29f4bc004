/**
 * Generates docs/configuration.md, the configuration reference, from the code itself: every key, its
 * type, default and description from the zod schema (runtime/config/), its variable from the function
 * that reads variables (`envNameFor`), and why the default is what it is from the comment above the
 * value in its defaults table (runtime/config/defaults.ts and the tables {@link WHY_SOURCES} names).
 * `npm run config-reference` writes the file; `-- --check` exits 1 when the committed one is stale, and
 * test/config/config-reference.test.ts runs the same comparison in `npm test`.
 *
 * A development tool: it reads the sources with the TypeScript compiler, so it is not part of the build.
 *
 * @example
 * ```sh
 * npm run config-reference            # writes docs/configuration.md
 * npm run config-reference -- --check # exits 1 if the committed file is stale
 * ```
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { DEFAULT_ACTIVATION_OPTIONS } from '../actors/activation-settings.js';
import { DEFAULT_CLAUSE_CHUNKER_OPTIONS } from '../actors/clause-chunker.js';
import { DEFAULT_PIPELINE_OPTIONS } from '../actors/deps.js';
import { DEFAULT_VAD_SEGMENTER_OPTIONS } from '../actors/vad-segmenter.js';
import { SHERPA_DEFAULTS } from '../adapters/stt/sherpa.js';
import { SESSION_DEFAULTS } from '../machines/session-defaults.js';
import { CONFIG_DEFAULTS, EXAMPLES_DIR, TTS_ENGINE_DEFAULTS } from '../runtime/config/defaults.js';
import { appConfigKeys, envNameFor, MOVED_KEYS, NON_CONFIG_VARIABLES } from '../runtime/config/env.js';
import { unwrap, type ConfigKey } from '../runtime/config/keys.js';
import { AppConfigSchema } from '../runtime/config/schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = `${ROOT}docs/configuration.md`;

/**
 * The defaults tables, each for the keys under `prefix`: the values (to check the schema uses them) and
 * where their comments are. A variant's keys (`tts.engines[]`) are under `<title>:<variant>`.
 */
export const WHY_SOURCES = [
  { prefix: '', file: 'runtime/config/defaults.ts', name: 'CONFIG_DEFAULTS', values: CONFIG_DEFAULTS },
  { prefix: 'session', file: 'machines/session-defaults.ts', name: 'SESSION_DEFAULTS', values: SESSION_DEFAULTS },
  {
    prefix: 'session.activation',
    file: 'actors/activation-settings.ts',
    name: 'DEFAULT_ACTIVATION_OPTIONS',
    values: DEFAULT_ACTIVATION_OPTIONS,
  },
  { prefix: 'pipeline', file: 'actors/deps.ts', name: 'DEFAULT_PIPELINE_OPTIONS', values: DEFAULT_PIPELINE_OPTIONS },
  {
    prefix: 'pipeline.chunker',
    file: 'actors/clause-chunker.ts',
    name: 'DEFAULT_CLAUSE_CHUNKER_OPTIONS',
    values: DEFAULT_CLAUSE_CHUNKER_OPTIONS,
  },
  {
    prefix: 'pipeline.vad',
    file: 'actors/vad-segmenter.ts',
    name: 'DEFAULT_VAD_SEGMENTER_OPTIONS',
    values: DEFAULT_VAD_SEGMENTER_OPTIONS,
  },
  {
    prefix: 'TTS engine',
    file: 'runtime/config/defaults.ts',
    name: 'TTS_ENGINE_DEFAULTS',
    values: TTS_ENGINE_DEFAULTS,
  },
  { prefix: 'Sherpa model', file: 'adapters/stt/sherpa.ts', name: 'SHERPA_DEFAULTS', values: SHERPA_DEFAULTS },
] as const;

/** A default value and the comment above it in its table. */
export interface TableEntry {
  value: unknown;
  why: string | undefined;
  table: string;
}

const cleanComment = (text: string) =>
  text
    .replace(/^\/\*\*?|\*\/$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*(\*|\/\/)\s?/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The comments above each property of the object literal `name` in `file`, by dotted path. */
function commentsOf(file: string, name: string): Map<string, string> {
  const text = readFileSync(`${ROOT}${file}`, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = new Map<string, string>();
  const visitObject = (node: ts.Expression, path: string[]): void => {
    let inner: ts.Expression = node;
    while (
      ts.isAsExpression(inner) ||
      ts.isSatisfiesExpression(inner) ||
      ts.isParenthesizedExpression(inner) ||
      ts.isCallExpression(inner)
    ) {
      inner = ts.isCallExpression(inner) ? inner.arguments[0]! : inner.expression;
    }
    if (!ts.isObjectLiteralExpression(inner)) return;
    for (const property of inner.properties) {
      if (!ts.isPropertyAssignment(property)) continue;
      const key = [...path, property.name.getText(source).replace(/['"]/g, '')];
      const comments = ts.getLeadingCommentRanges(text, property.getFullStart()) ?? [];
      const why = comments.map((c) => cleanComment(text.slice(c.pos, c.end))).join(' ');
      if (why) found.set(key.join('.'), why);
      visitObject(property.initializer, key);
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText(source) === name && node.initializer)
      visitObject(node.initializer, []);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const tableComments = new Map<string, Map<string, string>>();

/** Where a key's default is defined: the first table under whose prefix it has a value. */
export function tableEntryFor(path: string): TableEntry | undefined {
  for (const source of WHY_SOURCES) {
    const inside =
      source.prefix === ''
        ? path
        : path.startsWith(`${source.prefix}.`) || path.startsWith(`${source.prefix}:`)
          ? path.slice(source.prefix.length + 1)
          : undefined;
    if (inside === undefined) continue;
    let value: unknown = source.values;
    for (const part of inside.split('.'))
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    if (value === undefined) continue;
    const id = `${source.file}#${source.name}`;
    if (!tableComments.has(id)) tableComments.set(id, commentsOf(source.file, source.name));
    return { value, why: tableComments.get(id)!.get(inside), table: `${source.name} (${source.file})` };
  }
  return undefined;
}

/**
 * The table path of a variant's key: `TTS engine:fake.latencyMs`, or `Sherpa model:numThreads` when the variants share
 * it.
 */
export function variantTablePath(title: string, variant: string, key: ConfigKey): string {
  const name = key.segments.at(-1)!;
  return tableEntryFor(`${title}:${variant}.${name}`) ? `${title}:${variant}.${name}` : `${title}:${name}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => `\`${text}\``;

const UNITS: Array<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
];

/** A default as JSON, with the bundled examples' path made relative and times of a minute or more in readable units. */
function formatDefault(key: ConfigKey): string {
  if (!key.hasDefault) return '—';
  const json = JSON.stringify(key.default).replaceAll(JSON.stringify(EXAMPLES_DIR).slice(1, -1), 'examples/');
  const ms = typeof key.default === 'number' && key.path.endsWith('Ms') ? key.default : undefined;
  const unit = ms === undefined ? undefined : UNITS.find(([size]) => ms >= size && ms % size === 0);
  return `${code(json)}${unit ? ` (${ms! / unit[0]} ${unit[1]})` : ''}`;
}

function whatAndWhy(key: ConfigKey, tablePath: string): string {
  if (!key.description) throw new Error(`${key.path} has no description: add .describe('…') to its schema`);
  const why = key.hasDefault ? tableEntryFor(tablePath)?.why : undefined;
  return [key.description, why].filter(Boolean).join(' ');
}

function keyTable(keys: readonly ConfigKey[], withVariable: boolean, tablePath: (key: ConfigKey) => string): string[] {
  // A variant's keys are named by themselves (`latencyMs`); the others by their whole path.
  const header = withVariable
    ? '| key | type | default | variable | what, and why this default |\n| --- | --- | --- | --- | --- |'
    : '| key | type | default | what, and why this default |\n| --- | --- | --- | --- |';
  return [
    header,
    ...keys.map((key) => {
      const cells = [
        code(withVariable ? key.path : key.segments.at(-1)!),
        cell(code(key.type)),
        cell(formatDefault(key)),
        ...(withVariable ? [code(envNameFor(key.segments))] : []),
        cell(whatAndWhy(key, tablePath(key))),
      ];
      return `| ${cells.join(' | ')} |`;
    }),
  ];
}

const INTRO = `# Configuration reference

<!-- Generated by \`npm run config-reference\` from runtime/config/ and the defaults tables; do not edit.
     test/config/config-reference.test.ts fails when this file is stale. -->

Every setting of \`voice-agent\`, generated from the schema: its type, default, environment variable, what it
does and why the default is what it is. Settings come from, lowest first: these defaults, the JSON file
(\`--config FILE\` or \`VA_CONFIG\`), \`VA_\` variables, then command-line flags \
(\`serve --host/--port/--nats/--prefix\`,
\`worker --nats/--prefix\`). A variable is the key's path in UPPER_SNAKE with \`__\` between levels; its value is
taken as text for a text key, else as JSON where it parses (\`VA_TTS__ENGINES='[{"engine":"flite"}]'\`). A bad
value or an unknown key or variable fails at start, naming the key, the problem and the variable to set.

Every command reads the keys it uses: \`serve\` all of them; \`run\` and \`replay --rerun\` the session, engines,
audio, pipeline and features (a \`remote\` engine is refused there: its worker is on \`serve\`'s NATS); \`say\`
\`tts.*\`, \`languages.<main>.tts/voice\`, \`pipeline.language\` and \`audio.outputRateHz\`; \`worker\` its stage's
engine, \`nats.*\` and \`server.logLevel\`; \`demo\`, \`watch\` and \`export\` no configuration.
`;

/** The whole reference, as the committed docs/configuration.md should read. */
export function generateConfigReference(): string {
  const keys = appConfigKeys();
  const shape = (AppConfigSchema as unknown as { shape: Record<string, Parameters<typeof unwrap>[0]> }).shape;
  const lines = [INTRO, '## Variables that are not settings', '', '| variable | what |', '| --- | --- |'];
  for (const [name, what] of Object.entries(NON_CONFIG_VARIABLES)) lines.push(`| ${code(name)} | ${cell(what)} |`);
  lines.push(
    '| `OPENAI_API_KEY` | the API key of every OpenAI engine without one of its own (`llm.apiKey`, `stt.apiKey`, ' +
      "an `openai` voice's `apiKey`) |",
  );
  lines.push(
    '',
    '## Keys that moved',
    '',
    'A file or variable that still sets one fails at start, naming the key that replaced it.',
    '',
    '| was | now |',
    '| --- | --- |',
  );
  for (const [was, now] of Object.entries(MOVED_KEYS))
    lines.push(`| ${code(was)} | ${code(now)} (${code(envNameFor(now.split('.')))}) |`);
  const variantKeys = new Map<string, ConfigKey>();
  for (const section of Object.keys(shape)) {
    lines.push('', `## \`${section}\``, '', unwrap(shape[section]!).description ?? '', '');
    lines.push(
      ...keyTable(
        keys.filter((k) => k.segments[0] === section),
        true,
        (k) => k.path,
      ),
    );
    for (const key of keys)
      if (key.segments[0] === section && key.variants) variantKeys.set(key.type.replace(/\[\]$/, ''), key);
  }
  for (const [title, key] of variantKeys) {
    const users = keys.filter((k) => k.variants && k.type.replace(/\[\]$/, '') === title).map((k) => code(k.path));
    const pick = key.variants![0]!.keys[0]!.segments.at(-1)!;
    lines.push(
      '',
      `## ${title} (${users.join(', ')})`,
      '',
      `Objects, set as JSON in the file or the key's variable; \`${pick}\` picks which of these a ${title} is.`,
    );
    for (const variant of key.variants!) {
      lines.push(
        '',
        `### \`${variant.name}\``,
        '',
        ...keyTable(variant.keys, false, (k) => variantTablePath(title, variant.name, k)),
      );
    }
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

const invokedPath = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedPath === realpathSync(fileURLToPath(import.meta.url))) {
  const generated = generateConfigReference();
  if (process.argv.includes('--check')) {
    let committed: string | undefined;
    try {
      committed = readFileSync(OUTPUT, 'utf8');
    } catch {
      // A missing file counts as stale.
    }
    if (committed !== generated) {
      console.error('docs/configuration.md is stale: run npm run config-reference and commit the result.');
      process.exit(1);
    }
    console.log('docs/configuration.md matches the schema.');
  } else {
    writeFileSync(OUTPUT, generated);
    console.log(
      `wrote docs/configuration.md (${generated.split('\n').length - 1} lines) from the configuration schema`,
    );
  }
}
