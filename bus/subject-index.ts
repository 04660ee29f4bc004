/**
 * A token trie of subscriptions, so routing a message costs the depth of its subject, not the number of
 * subscriptions (a process with 1000 sessions holds thousands of per-session wildcards).
 *
 * A node's tables are made when first needed: most nodes are leaves (`<session>.<stage>.<event>`) that
 * hold subscriptions and no children, and three hash tables per node, ~40 nodes per session, were a
 * large share of a 1000-session heap that every major garbage collection walks.
 */
interface TrieNode<T> {
  children?: Map<string, TrieNode<T>>;
  /** Subscriptions whose pattern ends at this node. */
  here?: Set<T>;
  /** Subscriptions whose pattern ends with `>` right after this node. */
  rest?: Set<T>;
}

const isEmpty = <T>(n: TrieNode<T>) => !n.children?.size && !n.here?.size && !n.rest?.size;

export class SubjectIndex<T> {
  private readonly root: TrieNode<T> = {};

  add(pattern: string, item: T): void {
    let current = this.root;
    const tokens = pattern.split('.');
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token === '>') {
        (current.rest ??= new Set()).add(item);
        return;
      }
      const children = (current.children ??= new Map());
      let next = children.get(token);
      if (!next) children.set(token, (next = {}));
      current = next;
    }
    (current.here ??= new Set()).add(item);
  }

  remove(pattern: string, item: T): void {
    const path: Array<[TrieNode<T>, string]> = [];
    let current = this.root;
    const tokens = pattern.split('.');
    for (const token of tokens) {
      if (token === '>') {
        current.rest?.delete(item);
        break;
      }
      const next = current.children?.get(token);
      if (!next) return;
      path.push([current, token]);
      current = next;
    }
    if (tokens[tokens.length - 1] !== '>') current.here?.delete(item);
    // Prune empty branches so churn of short-lived sessions does not grow the trie.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, token] = path[i]!;
      if (!isEmpty(parent.children!.get(token)!)) break;
      parent.children!.delete(token);
    }
  }

  /** Every item whose pattern matches the concrete `subject`, in no particular order. */
  match(subject: string, out: T[] = []): T[] {
    this.walk(this.root, subject.split('.'), 0, out);
    return out;
  }

  private walk(current: TrieNode<T>, tokens: string[], i: number, out: T[]): void {
    if (i === tokens.length) {
      if (current.here) for (const item of current.here) out.push(item);
      return;
    }
    if (current.rest) for (const item of current.rest) out.push(item);
    const children = current.children;
    if (!children) return;
    const exact = children.get(tokens[i]!);
    if (exact) this.walk(exact, tokens, i + 1, out);
    const any = children.get('*');
    if (any) this.walk(any, tokens, i + 1, out);
  }
}
