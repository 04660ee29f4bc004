/**
 * A token trie of subscriptions, so routing a message costs the depth of its subject, not the number of
 * subscriptions (a process with 1000 sessions holds thousands of per-session wildcards).
 */
interface TrieNode<T> {
  children: Map<string, TrieNode<T>>;
  /** Subscriptions whose pattern ends at this node. */
  here: Set<T>;
  /** Subscriptions whose pattern ends with `>` right after this node. */
  rest: Set<T>;
}

const node = <T>(): TrieNode<T> => ({ children: new Map(), here: new Set(), rest: new Set() });

export class SubjectIndex<T> {
  private readonly root: TrieNode<T> = node();

  add(pattern: string, item: T): void {
    let current = this.root;
    const tokens = pattern.split('.');
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token === '>') {
        current.rest.add(item);
        return;
      }
      let next = current.children.get(token);
      if (!next) current.children.set(token, (next = node()));
      current = next;
    }
    current.here.add(item);
  }

  remove(pattern: string, item: T): void {
    const path: Array<[TrieNode<T>, string]> = [];
    let current = this.root;
    const tokens = pattern.split('.');
    for (const token of tokens) {
      if (token === '>') {
        current.rest.delete(item);
        break;
      }
      const next = current.children.get(token);
      if (!next) return;
      path.push([current, token]);
      current = next;
    }
    if (tokens[tokens.length - 1] !== '>') current.here.delete(item);
    // Prune empty branches so churn of short-lived sessions does not grow the trie.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, token] = path[i]!;
      const child = parent.children.get(token)!;
      if (child.children.size > 0 || child.here.size > 0 || child.rest.size > 0) break;
      parent.children.delete(token);
    }
  }

  /** Every item whose pattern matches the concrete `subject`, in no particular order. */
  match(subject: string, out: T[] = []): T[] {
    this.walk(this.root, subject.split('.'), 0, out);
    return out;
  }

  private walk(current: TrieNode<T>, tokens: string[], i: number, out: T[]): void {
    if (i === tokens.length) {
      for (const item of current.here) out.push(item);
      return;
    }
    for (const item of current.rest) out.push(item);
    const exact = current.children.get(tokens[i]!);
    if (exact) this.walk(exact, tokens, i + 1, out);
    const any = current.children.get('*');
    if (any) this.walk(any, tokens, i + 1, out);
  }
}
