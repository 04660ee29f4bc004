/**
 * Every sentence a JSGF grammar accepts, for grammars without repetition (`*`, `+`): a robot's command
 * set is finite, and a benchmark or a test wants each command once. Supports rules (`<name> = …;`,
 * `public`), alternatives `|`, groups `( )`, optional parts `[ ]`, weights `/w/` and tags `{…}` (both
 * ignored) and comments. Words are lower-cased, as the recognizer reports them.
 *
 * @example
 * ```ts
 * jsgfSentences('#JSGF V1.0; grammar g; public <c> = turn ( left | right ) | stop;');
 * // → ['turn left', 'turn right', 'stop']
 * ```
 */

export class JsgfError extends Error {
  override name = 'JsgfError';
}

type Node =
  | { kind: 'word'; word: string }
  | { kind: 'ref'; name: string }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'opt'; node: Node };

/** Why 100,000: far above any command set; a grammar past it is not a list one would say one by one. */
const MAX_SENTENCES = 100_000;

function tokenize(body: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(<[^>]+>|\/[^/]*\/|\{[^}]*\}|[()[\]|*+]|[^\s()[\]|*+<>{}/]+)/gy;
  let end = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    tokens.push(m[1]!);
    end = re.lastIndex;
  }
  if (body.slice(end).trim())
    throw new JsgfError(`JSGF: cannot read "${body.slice(end).trim().slice(0, 30)}": check the rule's syntax`);
  return tokens.filter((t) => !t.startsWith('/') && !t.startsWith('{'));
}

function parseExpansion(tokens: string[], rule: string): Node {
  let i = 0;
  const alt = (): Node => {
    const options = [seq()];
    while (tokens[i] === '|') {
      i++;
      options.push(seq());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  };
  const seq = (): Node => {
    const items: Node[] = [];
    for (let t = tokens[i]; t !== undefined && t !== '|' && t !== ')' && t !== ']'; t = tokens[i]) {
      i++;
      if (t === '*' || t === '+')
        throw new JsgfError(
          `JSGF rule <${rule}> repeats (${t}): its sentences cannot be listed; write the repetitions out`,
        );
      if (t === '(' || t === '[') {
        const inner = alt();
        const close = t === '(' ? ')' : ']';
        if (tokens[i++] !== close) throw new JsgfError(`JSGF rule <${rule}>: "${t}" without its "${close}"`);
        items.push(t === '(' ? inner : { kind: 'opt', node: inner });
      } else if (t.startsWith('<')) items.push({ kind: 'ref', name: t.slice(1, -1) });
      else items.push({ kind: 'word', word: t.toLowerCase() });
    }
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  };
  const node = alt();
  if (i < tokens.length) throw new JsgfError(`JSGF rule <${rule}>: unexpected "${tokens[i]}"`);
  return node;
}

/** The sentences of `grammar`'s public rules (all of them, in rule and alternative order, no duplicates). */
export function jsgfSentences(grammar: string): string[] {
  const text = grammar.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const rules = new Map<string, Node>();
  const publics: string[] = [];
  for (const m of text.matchAll(/(public\s+)?<([^>]+)>\s*=\s*([^;]*);/g)) {
    rules.set(m[2]!, parseExpansion(tokenize(m[3]!), m[2]!));
    if (m[1]) publics.push(m[2]!);
  }
  if (publics.length === 0)
    throw new JsgfError('JSGF: no public rule, so the grammar accepts nothing: mark the top rule `public`');

  const expand = (node: Node, stack: string[]): string[][] => {
    switch (node.kind) {
      case 'word':
        return node.word === '<null>' ? [[]] : [[node.word]];
      case 'ref': {
        if (node.name === 'NULL') return [[]];
        if (node.name === 'VOID') return [];
        const rule = rules.get(node.name);
        if (!rule) throw new JsgfError(`JSGF: rule <${node.name}> is used but not defined`);
        if (stack.includes(node.name))
          throw new JsgfError(`JSGF rule <${node.name}> refers to itself: its sentences cannot be listed`);
        return expand(rule, [...stack, node.name]);
      }
      case 'opt':
        return [[], ...expand(node.node, stack)];
      case 'alt':
        return node.options.flatMap((o) => expand(o, stack));
      case 'seq': {
        let out: string[][] = [[]];
        for (const item of node.items) {
          const tails = expand(item, stack);
          out = out.flatMap((head) => tails.map((tail) => [...head, ...tail]));
          if (out.length > MAX_SENTENCES)
            throw new JsgfError(`JSGF: more than ${MAX_SENTENCES} sentences: too many to list`);
        }
        return out;
      }
    }
  };
  return [...new Set(publics.flatMap((name) => expand({ kind: 'ref', name }, []).map((words) => words.join(' '))))];
}
