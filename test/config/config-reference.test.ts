/**
 * The configuration reference and the code cannot drift: docs/configuration.md is what the schema
 * generates; every default the schema gives comes from a defaults table (one definition per value); every
 * key's documented variable is the one `configFromEnv` reads; and every `VA_` name the code reads or the
 * docs mention is a real variable.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateConfigReference, tableEntryFor, variantTablePath, WHY_SOURCES } from '../../bin/config-reference.js';
import { CONFIG_DEFAULTS } from '../../runtime/config/defaults.js';
import { appConfigKeys, configFromEnv, envNameFor, NON_CONFIG_VARIABLES } from '../../runtime/config/env.js';
import { RECORD_KEY, type ConfigKey } from '../../runtime/config/keys.js';

const keys = appConfigKeys();
/** Every key, a variant's keys (`tts.engines[].voice`) with the table path of their defaults. */
const everyKey: Array<[ConfigKey, string]> = keys.flatMap((key) => [
  [key, key.path] as [ConfigKey, string],
  ...(key.variants ?? []).flatMap((v) =>
    v.keys.map((k) => [k, variantTablePath(key.type.replace(/\[\]$/, ''), v.name, k)] as [ConfigKey, string]),
  ),
]);

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, pattern) : pattern.test(name) ? [path] : [];
  });
}

describe('configuration reference', () => {
  it('docs/configuration.md is what the schema generates', () => {
    const committed = readFileSync('docs/configuration.md', 'utf8');
    expect(
      committed === generateConfigReference(),
      'docs/configuration.md is stale: run npm run config-reference',
    ).toBe(true);
  });

  it('every default the schema gives is the value of a defaults table', () => {
    const wrong = everyKey.flatMap(([key, tablePath]) => {
      if (!key.hasDefault) return [];
      const entry = tableEntryFor(tablePath);
      if (!entry)
        return [`${key.path}: its default is not in a defaults table (${WHY_SOURCES.map((s) => s.name).join(', ')})`];
      return isDeepStrictEqual(JSON.parse(JSON.stringify(entry.value)), key.default)
        ? []
        : [
            `${key.path}: the schema gives ${JSON.stringify(key.default)}, ${entry.table} ` +
              `${JSON.stringify(entry.value)}`,
          ];
    });
    expect(wrong).toEqual([]);
  });

  it('the application defaults table has no value the schema does not use', () => {
    const leaves = (node: object, path: string[]): string[] =>
      Object.entries(node).flatMap(([k, v]) =>
        v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0
          ? leaves(v, [...path, k])
          : [[...path, k].join('.')],
      );
    const used = new Set(keys.filter((k) => k.hasDefault).map((k) => k.path));
    expect(leaves(CONFIG_DEFAULTS, []).filter((path) => !used.has(path))).toEqual([]);
  });

  it("every key's variable is the one configFromEnv reads", () => {
    for (const key of keys) {
      const segments = key.segments.map((s) => (s === RECORD_KEY ? 'zh' : s));
      const value =
        key.type === 'boolean'
          ? true
          : key.type.startsWith('integer') || key.type.startsWith('number')
            ? 7
            : key.type.endsWith('[]')
              ? ['x']
              : 'x';
      const name = envNameFor(segments);
      let node: unknown = configFromEnv({ [name]: JSON.stringify(value).replace(/^"|"$/g, '') });
      for (const s of segments) node = (node as Record<string, unknown>)[s];
      expect(node, `${name} → ${key.path}`).toEqual(value);
    }
  });

  it('every VA_ name the code reads or the docs mention is a real variable', () => {
    const settings = new Set(keys.map((k) => envNameFor(k.segments)));
    const isSetting = (name: string) =>
      settings.has(name) ||
      [...settings].some((s) => s.includes('<TAG>') && new RegExp(`^${s.replace('<TAG>', '[A-Z]+')}$`).test(name));
    const values = new Set(everyKey.filter(([k]) => typeof k.default === 'string').map(([k]) => k.default as string));
    const sources = [
      ...files('bin', /\.ts$/),
      ...files('runtime', /\.ts$/),
      ...files('server', /\.ts$/),
      ...files('bench', /\.ts$/),
      ...files('docs', /\.md$/),
      'README.md',
    ];
    const unknown = new Set<string>();
    const readDirectly = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      // A name ending in `_` is a prefix (`VA_`, `VA_SERVER__*`), a name before `<` a pattern (`VA_<PATH>`).
      for (const [name] of text.matchAll(/\bVA_[A-Z0-9_]*[A-Z0-9](?![_<A-Za-z0-9])/g)) {
        if (!isSetting(name) && !(name in NON_CONFIG_VARIABLES) && !values.has(name)) unknown.add(`${file}: ${name}`);
      }
      // Settings are read through loadConfig only; code reads a VA_ variable itself only when it is no setting.
      for (const m of text.matchAll(/env(?:\.|\[['"])(VA_[A-Z0-9_]+)/g))
        if (!(m[1]! in NON_CONFIG_VARIABLES)) readDirectly.add(`${file}: ${m[1]}`);
    }
    expect([...unknown]).toEqual([]);
    expect([...readDirectly]).toEqual([]);
  });
});
