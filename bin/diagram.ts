/**
 * Generates the session chart's diagram (Mermaid stateDiagram-v2) from the machine itself, so the picture
 * never drifts from the code. `npm run diagram` writes docs/session-chart.mmd; `npm run diagram -- --check`
 * exits 1 when the committed file differs from what the machine generates.
 *
 * Drawing rules (Mermaid cannot draw an edge between states of different composite states, so every
 * transition is declared inside the innermost state that contains both ends):
 * - a transition whose source is nested deeper is drawn from that state's ancestor at this level, its
 *   label starting with the path of the real source (`user.candidate: after minInterruption …`);
 * - labels read `event [guard] / actions`; `after <delay>` names the delay from session.setup.ts, and
 *   `always` marks an eventless transition;
 * - transitions without a target (actions only, no state change) are listed in a note on their state;
 * - transitions of the machine root apply in every state: drawn from each top-level state.
 *
 * @example
 * ```sh
 * npm run diagram            # writes docs/session-chart.mmd
 * npm run diagram -- --check # exits 1 if the committed file is stale
 * ```
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyStateNode } from 'xstate';
import { sessionMachine } from '../machines/session.machine.js';
import { guardLabel } from '../server/inspect/chart-graph.js';

const OUTPUT = fileURLToPath(new URL('../docs/session-chart.mmd', import.meta.url));
const root = sessionMachine.root;

interface Transition {
  eventType: string;
  source: AnyStateNode;
  target?: readonly AnyStateNode[];
  guard?: unknown;
  actions: readonly unknown[];
}

const mermaidId = (node: AnyStateNode) => (node === root ? 'session' : node.path.join('_'));
const childrenOf = (node: AnyStateNode) => Object.values(node.states) as AnyStateNode[];
/** `reply.stalled`: the path of `node` below `ancestor`. */
const relativePath = (node: AnyStateNode, ancestor: AnyStateNode) => node.path.slice(ancestor.path.length).join('.');

/** `cancelReply(barge_in)`: the action's name and, when it has one, the reason it is given. */
function actionLabel(action: unknown): string {
  if (typeof action === 'string') return action;
  const named = action as { type?: string; params?: { reason?: unknown }; name?: string };
  const name = named.type ?? named.name ?? 'action';
  return typeof named.params?.reason === 'string' ? `${name}(${named.params.reason})` : name;
}

function eventLabel(eventType: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  return eventType === '' ? 'always' : eventType;
}

function label(t: Transition): string {
  const guard = guardLabel(t.guard);
  const actions = t.actions.map(actionLabel);
  return `${eventLabel(t.eventType)}${guard ? ` [${guard}]` : ''}${actions.length ? ` / ${actions.join(', ')}` : ''}`;
}

function transitionsOf(node: AnyStateNode): Transition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])] as unknown as Transition[];
}

/** The ancestors of `node` from the root down to `node` itself. */
function lineage(node: AnyStateNode): AnyStateNode[] {
  const chain: AnyStateNode[] = [];
  for (let n: AnyStateNode | undefined = node; n; n = n.parent) chain.unshift(n);
  return chain;
}

interface Edge {
  from: string;
  to: string;
  text: string;
}

export function generateMermaid(): string {
  /** Edges to declare inside each state's block (by the state's id), and notes per state. */
  const edges = new Map<AnyStateNode, Edge[]>();
  const notes = new Map<AnyStateNode, string[]>();
  const push = <T>(map: Map<AnyStateNode, T[]>, key: AnyStateNode, value: T) =>
    map.set(key, [...(map.get(key) ?? []), value]);

  const collect = (node: AnyStateNode) => {
    for (const t of transitionsOf(node)) {
      if (!t.target || t.target.length === 0) {
        push(notes, node, label(t));
        continue;
      }
      for (const target of t.target) {
        if (node === root) {
          // The root's transitions apply in every state: one edge from each top-level state.
          for (const top of childrenOf(root))
            if (top !== target && top.type !== 'final')
              push(edges, root, { from: mermaidId(top), to: mermaidId(target), text: label(t) });
          continue;
        }
        // Declared in the innermost state that strictly contains both ends (a self-loop: its parent).
        const a = lineage(node);
        const b = lineage(target);
        let depth = 0;
        while (depth + 2 < a.length && depth + 2 < b.length && a[depth + 1] === b[depth + 1]) depth++;
        const container = a[depth]!;
        const from = a[depth + 1]!;
        const to = b[depth + 1]!;
        const prefix = from === node ? '' : `${relativePath(node, from)}: `;
        const suffix = to === target ? '' : ` (→ ${relativePath(target, to)})`;
        push(edges, container, { from: mermaidId(from), to: mermaidId(to), text: `${prefix}${label(t)}${suffix}` });
      }
    }
    for (const child of childrenOf(node)) collect(child);
  };
  collect(root);

  const lines: string[] = [
    '%% Generated by `npm run diagram` from machines/session.machine.ts. Do not edit.',
    'stateDiagram-v2',
  ];
  const emit = (node: AnyStateNode, indent: string) => {
    const children = childrenOf(node);
    const inner = node === root ? indent : `${indent}  `;
    if (node !== root) {
      if (children.length === 0) {
        lines.push(`${indent}state "${node.key}" as ${mermaidId(node)}`);
      } else {
        lines.push(
          `${indent}state "${node.key}${node.type === 'parallel' ? ' (parallel)' : ''}" as ${mermaidId(node)} {`,
        );
      }
    }
    if (node.type === 'parallel') {
      children.forEach((child, i) => {
        if (i > 0) lines.push(`${inner}--`);
        emit(child, inner);
      });
    } else if (children.length > 0) {
      const initial = (node.initial as unknown as { target?: readonly AnyStateNode[] } | undefined)?.target?.[0];
      if (initial) lines.push(`${inner}[*] --> ${mermaidId(initial)}`);
      for (const child of children) emit(child, inner);
      for (const child of children) if (child.type === 'final') lines.push(`${inner}${mermaidId(child)} --> [*]`);
    }
    // Transitions between the same two states share one arrow: one bulleted label line each.
    const merged = new Map<string, { from: string; to: string; texts: string[] }>();
    for (const e of edges.get(node) ?? []) {
      const key = `${e.from} ${e.to}`;
      merged.set(key, { from: e.from, to: e.to, texts: [...(merged.get(key)?.texts ?? []), e.text] });
    }
    for (const e of merged.values()) {
      const text = e.texts.length === 1 ? e.texts[0]! : e.texts.map((t) => `• ${t}`).join('<br/>');
      lines.push(`${inner}${e.from} --> ${e.to}: ${text}`);
    }
    if (node !== root && children.length > 0) lines.push(`${indent}}`);
    for (const text of notes.get(node) ?? []) {
      const where = node === root ? mermaidId(childrenOf(root)[0]!) : mermaidId(node);
      lines.push(`${indent}note right of ${where}: ${node === root ? 'in every state, ' : ''}${text}`);
    }
  };
  emit(root, '  ');
  return `${lines.join('\n')}\n`;
}

const invokedPath = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedPath === realpathSync(fileURLToPath(import.meta.url))) {
  const generated = generateMermaid();
  if (process.argv.includes('--check')) {
    let committed: string | undefined;
    try {
      committed = readFileSync(OUTPUT, 'utf8');
    } catch {
      // A missing file counts as drift.
    }
    if (committed !== generated) {
      console.error(
        `docs/session-chart.mmd ` +
          `${committed === undefined ? 'is missing' : 'is out of date with machines/session.machine.ts'}: run ` +
          `\`npm run diagram\` and commit the result.`,
      );
      process.exit(1);
    }
    console.log('docs/session-chart.mmd matches the machine.');
  } else {
    writeFileSync(OUTPUT, generated);
    console.log(
      `wrote docs/session-chart.mmd (${generated.split('\n').length - 1} lines) from machines/session.machine.ts`,
    );
  }
}
