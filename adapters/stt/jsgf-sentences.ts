/**
 * Every sentence a JSGF grammar accepts, for small command grammars (a robot's command set): what the
 * adaptive end of turn checks a partial transcript against, and what the grammar bench speaks. Supports
 * what command grammars use — rule references, alternatives `|`, groups `( )`, optional `[ ]`, comments;
 * not weights, tags, `*`/`+` repeats or imports (those make the language infinite or need a resolver).
 *
 * @example
 * ```ts
 * expandJsgf('#JSGF V1.0; grammar g; public <c> = turn ( left | right ) [ now ];');
 * // ['turn left', 'turn left now', 'turn right', 'turn right now']
 * ```
 */

export class JsgfError extends Error {
  override name = 'JsgfError';
}

/** Why 10,000: a command set is a few hundred sentences; more means a grammar that is not a command list. */
const MAX_SENTENCES = 10_000;

type Node = { kind: 'word'; word: string } | { kind: 'ref'; name: string } | { kind: 'seq'; items: Node[] } | { kind: 'alt'; options: Node[] } | { kind: 'opt'; item: Node };

const tokenize = (body: string): string[] => body.match(/<[^>]+>|[()[\]|]|[^\s()[\]|<>]+/g) ?? [];

function parseBody(tokens: string[], source: string): Node {
  let at = 0;
  const alternatives = (): Node => {
    const options = [sequence()];
    while (tokens[at] === '|') {
      at++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  };
  const sequence = (): Node => {
    const items: Node[] = [];
    for (;;) {
      const token = tokens[at];
      if (token === undefined || token === '|' || token === ')' || token === ']') break;
      at++;
      if (token === '(' || token === '[') {
        const inner = alternatives();
        const close = token === '(' ? ')' : ']';
        if (tokens[at++] !== close) throw new JsgfError(`${source}: "${token}" without its "${close}"`);
        items.push(token === '(' ? inner : { kind: 'opt', item: inner });
      } else if (token.startsWith('<')) items.push({ kind: 'ref', name: token.slice(1, -1) });
      else items.push({ kind: 'word', word: token.toLowerCase() });
    }
    return { kind: 'seq', items };
  };
  const node = alternatives();
  if (at < tokens.length) throw new JsgfError(`${source}: unexpected "${tokens[at]}"`);
  return node;
}

/** Parses the grammar text and lists the sentences of its public rules (sorted, unique). */
export function expandJsgf(text: string, source = 'grammar'): string[] {
  const clean = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const rules = new Map<string, Node>();
  const publicRules: string[] = [];
  for (const statement of clean.split(';')) {
    const match = /^\s*(public\s+)?<([^>]+)>\s*=([\s\S]*)$/.exec(statement);
    if (!match) continue;
    rules.set(match[2]!, parseBody(tokenize(match[3]!), `${source} <${match[2]}>`));
    if (match[1]) publicRules.push(match[2]!);
  }
  if (publicRules.length === 0) throw new JsgfError(`${source}: no public rule (a JSGF grammar needs "public <name> = …;")`);
  const expanding = new Set<string>();
  const expand = (node: Node): string[][] => {
    switch (node.kind) {
      case 'word':
        return [[node.word]];
      case 'opt':
        return [[], ...expand(node.item)];
      case 'alt':
        return node.options.flatMap(expand);
      case 'ref': {
        const rule = rules.get(node.name);
        if (!rule) throw new JsgfError(`${source}: <${node.name}> is used but not defined`);
        if (expanding.has(node.name)) throw new JsgfError(`${source}: <${node.name}> refers to itself (recursive grammars have no finite sentence list)`);
        expanding.add(node.name);
        const out = expand(rule);
        expanding.delete(node.name);
        return out;
      }
      case 'seq': {
        let out: string[][] = [[]];
        for (const item of node.items) {
          const next = expand(item);
          out = out.flatMap((head) => next.map((tail) => [...head, ...tail]));
          if (out.length > MAX_SENTENCES) throw new JsgfError(`${source}: more than ${MAX_SENTENCES} sentences; this check is meant for command grammars`);
        }
        return out;
      }
    }
  };
  const sentences = new Set(publicRules.flatMap((name) => expand({ kind: 'ref', name })).map((words) => words.join(' ')).filter(Boolean));
  return [...sentences].sort();
}
