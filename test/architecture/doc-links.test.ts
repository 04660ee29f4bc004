/**
 * Every link between the pages holds: README.md, CHANGELOG.md and docs/*.md link to files that exist and to headings
 * those pages have (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens). And every page stays short
 * enough to read: 20 KB at most (the generated configuration reference aside, and the changelog, which only grows), the
 * README 15 KB. A page that grows past it is split, and its history goes to CHANGELOG.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const PAGES = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync('docs').flatMap((f) => (f.endsWith('.md') ? [join('docs', f)] : [])),
];
const GENERATED = new Set(['docs/configuration.md', 'CHANGELOG.md']);
const LIMITS: Record<string, number> = { 'README.md': 15_000 };
const DEFAULT_LIMIT = 20_000;

/** GitHub's anchor of a heading. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a page: its headings', numbered as GitHub numbers repeats (`-1`, `-2`). */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(heading!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The broken links of one page: a missing file, or a heading the target does not have. */
function brokenLinks(page: string): string[] {
  const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].flatMap(([, target]) => {
    if (/^[a-z]+:/.test(target!)) return [];
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const file = path === '' ? page : normalize(join(dirname(page), path));
    if (!existsSync(file)) return [`${page}: ${target} (no file ${file})`];
    if (anchor === undefined || !file.endsWith('.md')) return [];
    return anchorsOf(readFileSync(file, 'utf8')).has(anchor)
      ? []
      : [`${page}: ${target} (no heading #${anchor} in ${file})`];
  });
}

describe('the pages', () => {
  it('link only to files and headings that exist', () => {
    expect(PAGES.flatMap(brokenLinks)).toEqual([]);
  });

  it('stay within their size (20 KB; the README 15 KB; the generated configuration reference aside)', () => {
    const over = PAGES.filter(
      (p) => !GENERATED.has(p) && Buffer.byteLength(readFileSync(p, 'utf8')) > (LIMITS[p] ?? DEFAULT_LIMIT),
    );
    expect(over).toEqual([]);
  });

  it('anchors as GitHub makes them', () => {
    expect(anchorOf('Realtime server: first audio')).toBe('realtime-server-first-audio');
    expect(anchorOf('MCAP for Foxglove and ROS 2')).toBe('mcap-for-foxglove-and-ros-2');
    expect(anchorOf("The room's noise: `auto`")).toBe('the-rooms-noise-auto');
    expect(anchorOf('Barge-in, STOP, new requests')).toBe('barge-in-stop-new-requests');
    expect([...anchorsOf('## Measured\n\n### Measured\n')]).toEqual(['measured', 'measured-1']);
  });
});
