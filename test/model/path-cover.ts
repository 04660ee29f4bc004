/**
 * A path cover of the model's graph: walks from the initial state that together take every edge, each
 * going on from where its last edge left the session instead of starting over for every edge.
 *
 * Two things the graph does not say make a long walk drift from the chart, so walks are planned with care:
 * - The graph is abstract: a state stands for every snapshot with its key, and its edges were found from
 *   the first of them the breadth-first search met. Walks are therefore stepped on the chart snapshot by
 *   snapshot: each step's expected state is what the chart does from the walk's own snapshot, and an edge
 *   counts as taken only when that lands where the graph says.
 * - The model has no clock: a delay stimulus fires the timer shortest by configuration, which is the one
 *   due first only while no time has passed since the timers started. So a walk lets time pass (a
 *   `timed` edge) only as its last step, or in the breadth-first path the one-walk-per-edge plan took.
 *
 * Phase 1 covers what walks without time passing reach from the start; phase 2 takes each edge left
 * after its breadth-first path, then goes on without time passing while it finds untaken edges.
 */

/** One edge of the abstract graph: a stimulus that takes state `from` to state `to`. */
export interface Edge {
  from: string;
  stimulus: string;
  to: string;
}

/** Edges out of each state, in the order the breadth-first search took them; a state with none is final. */
export type Graph = ReadonlyMap<string, readonly Edge[]>;

/** The chart as the planner steps it: a concrete snapshot, its abstract key, and what a stimulus does to it. */
export interface WalkModel<S> {
  initial: S;
  key(snapshot: S): string;
  /** The snapshot after `stimulus`, or undefined when the stimulus cannot happen in `snapshot`. */
  next(snapshot: S, stimulus: string): S | undefined;
  /** Whether the stimulus lets time pass on the live session's clock. */
  timed(stimulus: string): boolean;
}

/** One step of a walk: the stimulus to drive and the key the live session must then have. */
export interface WalkStep {
  stimulus: string;
  expected: string;
}

/** The edges back from `state` to the search's start, as a route forward. */
function unwind(via: ReadonlyMap<string, Edge | null>, state: string): Edge[] {
  const route: Edge[] = [];
  for (let e = via.get(state); e; e = via.get(e.from)) route.unshift(e);
  return route;
}

/**
 * Shortest route over edges that `usable` admits from `from` to the nearest other state `wanted` holds
 * for. `dead` holds states known to reach no such state: not searched again, and joined by every state a
 * failed search went through (edges are only ever taken, so what `wanted` holds for only shrinks).
 */
function routeTo(
  graph: Graph,
  from: string,
  wanted: (state: string) => boolean,
  usable: (edge: Edge) => boolean,
  dead: Set<string>,
): Edge[] | undefined {
  const via = new Map<string, Edge | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const state = queue[i]!;
    if (state !== from && wanted(state)) return unwind(via, state);
    for (const edge of graph.get(state) ?? []) {
      if (via.has(edge.to) || dead.has(edge.to) || !usable(edge)) continue;
      via.set(edge.to, edge);
      queue.push(edge.to);
    }
  }
  // Unless `from` is wanted itself, whatever reaches it reaches nothing wanted either.
  if (!wanted(from)) for (const state of queue) dead.add(state);
  return undefined;
}

/** The breadth-first tree from `initial`, in the graph's edge order (the one `xstate/graph` searched in). */
function shortestPaths(graph: Graph, initial: string): Map<string, Edge | null> {
  const via = new Map<string, Edge | null>([[initial, null]]);
  const queue = [initial];
  for (let i = 0; i < queue.length; i++) {
    for (const edge of graph.get(queue[i]!) ?? []) {
      if (via.has(edge.to)) continue;
      via.set(edge.to, edge);
      queue.push(edge.to);
    }
  }
  return via;
}

/**
 * Walks that together take every edge of `graph` reachable from the model's initial snapshot, planned one
 * at a time as they are asked for: a caller that drives each before asking for the next never holds the
 * event loop for the whole plan (tens of seconds for the dialog walk). A walk heads for its end once it
 * is `maxSteps` long: a live session's logs grow with its walk, and the invariants read them after every step.
 */
export function* coverEdges<S>(
  graph: Graph,
  model: WalkModel<S>,
  maxSteps: number,
): Generator<WalkStep[], void, undefined> {
  const plan = new Planner(graph, model, maxSteps);
  for (;;) {
    const walk = plan.walk(model.initial, [], true);
    if (!walk) break;
    yield walk;
  }
  const tree = shortestPaths(graph, model.key(model.initial));
  for (const edge of plan.remaining()) {
    if (!plan.untaken(edge)) continue;
    const prefix = unwind(tree, edge.from);
    const walk = plan.walk(model.initial, [...prefix.map((e) => e.stimulus), edge.stimulus], false);
    if (!walk || plan.untaken(edge))
      throw new Error(`path cover: ${edge.from} -${edge.stimulus}-> ${edge.to} not taken after its shortest path`);
    yield walk;
  }
}

class Planner<S> {
  /** Untaken edges by source: into live states without time passing, and the walk-ending rest. */
  private readonly onward = new Map<string, Edge[]>();
  private readonly last = new Map<string, Edge[]>();
  /** States that reach no untaken edge of a kind by timeless edges (see `routeTo`), by kind. */
  private readonly dead = new Map<string, Set<string>>();

  constructor(
    private readonly graph: Graph,
    private readonly model: WalkModel<S>,
    private readonly maxSteps: number,
  ) {
    for (const [state, edges] of graph) {
      const ending = edges.filter((e) => this.ends(e));
      this.last.set(state, ending);
      this.onward.set(
        state,
        edges.filter((e) => !ending.includes(e)),
      );
    }
  }

  /** Edges after which a walk stops: into a final state, or letting time pass. */
  private ends(edge: Edge): boolean {
    return (this.graph.get(edge.to) ?? []).length === 0 || this.model.timed(edge.stimulus);
  }

  untaken(edge: Edge): boolean {
    return (this.ends(edge) ? this.last : this.onward).get(edge.from)!.includes(edge);
  }

  remaining(): Edge[] {
    return [...this.graph.values()].flat().filter((e) => this.untaken(e));
  }

  /**
   * One walk from `start`: the `forced` stimuli first (each must be possible), then untaken edges without
   * time passing, ending on an untaken final edge (or, when `mayEnd` and no time has passed, a timed one).
   * Undefined when it took no untaken edge.
   */
  walk(start: S, forced: string[], mayEnd: boolean): WalkStep[] | undefined {
    let at = start;
    const steps: WalkStep[] = [];
    let took = 0;
    const go = (stimulus: string, next: S) => {
      const key = this.model.key(next);
      const edge = this.graph.get(this.model.key(at))?.find((e) => e.stimulus === stimulus && e.to === key);
      if (edge && this.untaken(edge)) {
        const list = (this.ends(edge) ? this.last : this.onward).get(edge.from)!;
        list.splice(list.indexOf(edge), 1);
        took++;
      }
      at = next;
      steps.push({ stimulus, expected: key });
    };
    for (const stimulus of forced) {
      const next = this.model.next(at, stimulus);
      if (next === undefined)
        throw new Error(`path cover: ${stimulus} cannot happen after ${steps.map((s) => s.stimulus).join(' → ')}`);
      go(stimulus, next);
    }
    const timeless = (e: Edge) => !this.model.timed(e.stimulus);
    const endsHere = (s: string) => (this.last.get(s) ?? []).some((e) => mayEnd || !this.model.timed(e.stimulus));
    let finishing = false;
    let route: Edge[] = [];
    while (steps.length <= 3 * this.maxSteps) {
      const key = this.model.key(at);
      if ((this.graph.get(key) ?? []).length === 0) break;
      finishing ||= steps.length >= this.maxSteps;
      if (!finishing && this.takeOne(at, this.ordered(this.onward.get(key) ?? []), go)) continue;
      const enders = (this.last.get(key) ?? []).filter((e) => mayEnd || timeless(e));
      if (finishing && this.takeOne(at, enders, go)) break;
      if (route[0]?.from !== key) {
        const kind = finishing ? `end ${mayEnd}` : 'onward';
        if (!this.dead.has(kind)) this.dead.set(kind, new Set());
        const wanted = finishing ? endsHere : (s: string) => (this.onward.get(s) ?? []).length > 0;
        route = routeTo(this.graph, key, wanted, timeless, this.dead.get(kind)!) ?? [];
        // Nothing onward left within reach: head for an ending edge, from here first.
        if (!finishing && (route.length === 0 || steps.length + route.length > this.maxSteps)) {
          [finishing, route] = [true, []];
          continue;
        }
        if (route.length === 0) break;
      }
      const edge = route.shift()!;
      const next = this.model.next(at, edge.stimulus);
      if (next === undefined) break;
      go(edge.stimulus, next);
      if (this.model.key(next) !== edge.to) route = [];
    }
    return took > 0 ? steps : undefined;
  }

  /** Takes the first of `edges` that lands where the graph says from the walk's snapshot; whether one did. */
  private takeOne(at: S, edges: readonly Edge[], go: (stimulus: string, next: S) => void): boolean {
    for (const edge of edges) {
      const next = this.model.next(at, edge.stimulus);
      if (next === undefined || this.model.key(next) !== edge.to) continue;
      go(edge.stimulus, next);
      return true;
    }
    return false;
  }

  /** Fewer detours: a loop back first, then an edge to a state with untaken edges of its own, then the rest. */
  private ordered(edges: readonly Edge[]): Edge[] {
    const rank = (e: Edge) => (e.to === e.from ? 0 : (this.onward.get(e.to) ?? []).length > 0 ? 1 : 2);
    return [...edges].sort((a, b) => rank(a) - rank(b));
  }
}
