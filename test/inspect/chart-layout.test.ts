/**
 * The session chart as laid out for the inspector, measured on its geometry: it prints the edge crossings,
 * the routes drawn and the size (docs/inspector.md quotes them), and checks what makes it readable — the
 * flow runs top to bottom in the machine's order, every transition is drawn once or listed once in the
 * legend, parallel transitions share one route. The same holds for a chart the layout has never seen (the
 * flow under a parallel region, a state added), so it keeps working as the machine grows.
 */
import { setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { chartGraph } from '../../server/inspect/chart-graph.js';
import { drawnChart } from '../../server/inspect/chart-drawn.js';
import { chartLayout, layoutChart, type ChartLayout } from '../../server/inspect/chart-layout.js';
import { measureChart, segmentCrossing } from '../../server/inspect/chart-measure.js';

const geometry = (layout: ChartLayout) => ({
  ...layout,
  nodes: layout.nodes.map((n) => ({ ...n, leaf: n.type === 'atomic' || n.type === 'final' })),
});

/** Edges between siblings that go forward in declaration order but are drawn upwards. */
function upwardForwardEdges(layout: ChartLayout, order: (ids: string[]) => string[]): string[] {
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  const out: string[] = [];
  for (const e of layout.edges) {
    const s = e.source.split('.');
    const t = e.target.split('.');
    let i = 0;
    while (i < Math.min(s.length, t.length) && s[i] === t[i]) i++;
    if (i >= s.length || i >= t.length) continue;
    const a = s.slice(0, i + 1).join('.');
    const b = t.slice(0, i + 1).join('.');
    const siblings = order(layout.nodes.filter((n) => n.parent === s.slice(0, i).join('.')).map((n) => n.id));
    if (siblings.indexOf(a) < siblings.indexOf(b) && byId.get(b)!.y + 1 < byId.get(a)!.y) out.push(`${a} → ${b}`);
  }
  return out;
}

describe('chart layout', () => {
  it('draws the session chart top to bottom in flow order, each transition once, with few crossings', async () => {
    const layout = await chartLayout();
    const graph = chartGraph();
    const measures = measureChart(geometry(layout));
    console.log(
      `session chart: ${measures.crossings} crossings, ${measures.edges} drawn edges (of ${graph.edges.length} ` +
        `transitions), ${measures.width} × ${measures.height} px`,
    );

    const top = ['idle', 'listening', 'processing', 'speaking'].map(
      (key) => layout.nodes.find((n) => n.id === `session.dialog.${key}`)!.y,
    );
    expect(top).toEqual([...top].sort((a, b) => a - b));
    expect(upwardForwardEdges(layout, (ids) => ids)).toEqual([]);
    // Every transition is drawn once or in the legend once.
    const shown = [...layout.edges.flatMap((e) => e.members), ...layout.legend.flatMap((l) => l.members)];
    expect(shown.sort()).toEqual([...graph.edges.map((e) => e.id), ...graph.everywhere.map((t) => t.id)].sort());
    expect(new Set(layout.edges.map((e) => e.id)).size).toBe(layout.edges.length);
    expect(layout.legend.filter((l) => l.target).map((l) => `${l.from}: ${l.label} → ${l.target}`)).toEqual([
      'every dialog state: control.end → session.dialog.ended',
      'every actions state: control.estop → session.actions.idle',
      'every actions state: control.end → session.actions.ended',
      'every activation state: control.end → session.activation.ended',
      'every dialog state: user.text [answersYesOrNo] → session.dialog.processing',
      'every dialog state: user.text → session.dialog.processing',
      'every dialog state: control.say → session.dialog.processing',
    ]);
    // The actions region is a lane of its own beside the dialog, from the top, its flow downwards too.
    const box = (id: string) => layout.nodes.find((n) => n.id === id)!;
    const [dialog, actions] = [box('session.dialog'), box('session.actions')];
    expect(actions.x).toBeGreaterThanOrEqual(dialog.x + dialog.width);
    expect(actions.y).toBe(dialog.y);
    const lane = ['idle', 'requested', 'running'].map((k) => box(`session.actions.${k}`).y);
    expect(lane).toEqual([...lane].sort((a, b) => a - b));
    for (const e of layout.edges.filter((x) => x.source.startsWith('session.actions.'))) {
      for (const p of e.points)
        expect(
          p.x >= actions.x && p.x <= actions.x + actions.width && p.y >= actions.y && p.y <= actions.y + actions.height,
        ).toBe(true);
    }
    // Measured here with the barge-in's onset (`user.quietAfterOnset`): 7 crossings, 92 edges, 970 × 1327;
    // with the actions region before it: 5 crossings (all in the dialog), 71 edges, 685 × 1215; the
    // dialog alone before that: 1 crossing, 54 edges, 531 × 981; the chart drawn before that: 63, 73, 713 × 1616.
    expect(measures.crossings).toBeLessThanOrEqual(7);
    expect(measures.width).toBeLessThan(1000);
    expect(measures.height).toBeLessThan(1400);
    expect(measures.edges).toBeLessThan(graph.edges.length);
    expect(measures.throughStates).toBe(0);
    for (const e of layout.edges) {
      // Orthogonal routes, from the source's box to the target's.
      for (let i = 1; i < e.points.length; i++)
        expect(
          Math.min(Math.abs(e.points[i]!.x - e.points[i - 1]!.x), Math.abs(e.points[i]!.y - e.points[i - 1]!.y)),
        ).toBeLessThan(0.5);
    }
  });

  it(
    'keeps the flow order for a chart it has never seen: the flow under a parallel region, a state ' + 'added',
    async () => {
      const machine = setup({}).createMachine({
        id: 'robot',
        type: 'parallel',
        states: {
          dialog: {
            initial: 'idle',
            states: {
              // Declared out of order, with a new state in the middle: the hint orders the four it knows.
              speaking: { on: { DONE: 'idle', STOP: 'idle', TALK: 'listening' } },
              confirming: { on: { YES: 'processing', NO: 'idle' } },
              idle: { on: { TALK: 'listening', ASK: 'confirming' } },
              processing: { on: { AUDIO: 'speaking', FAIL: 'idle' } },
              listening: { on: { HEARD: 'processing', SILENCE: 'idle' } },
            },
          },
          actions: {
            initial: 'ready',
            states: {
              ready: { on: { GO: 'moving' } },
              moving: { on: { ARRIVED: 'ready', ESTOP: 'stopped' } },
              stopped: { on: { RESET: 'ready' } },
            },
          },
        },
      });
      const layout = await layoutChart(drawnChart(chartGraph(machine.root)));
      const y = (id: string) => layout.nodes.find((n) => n.id === id)!.y;
      const flow = ['idle', 'listening', 'processing', 'speaking'].map((k) => y(`robot.dialog.${k}`));
      expect(flow).toEqual([...flow].sort((a, b) => a - b));
      expect(y('robot.actions.ready')).toBeLessThan(y('robot.actions.moving'));
      expect(measureChart(geometry(layout)).crossings).toBeLessThanOrEqual(2);
    },
  );

  it('counts a crossing where two routes cross, not where they touch or run along each other', () => {
    expect(segmentCrossing({ x: 0, y: 5 }, { x: 10, y: 5 }, { x: 5, y: 0 }, { x: 5, y: 10 })).toEqual({ x: 5, y: 5 });
    expect(segmentCrossing({ x: 0, y: 5 }, { x: 10, y: 5 }, { x: 10, y: 0 }, { x: 10, y: 10 })).toBeUndefined();
    expect(segmentCrossing({ x: 0, y: 5 }, { x: 10, y: 5 }, { x: 2, y: 5 }, { x: 8, y: 5 })).toBeUndefined();
    const square = (id: string, points: Array<[number, number]>) => ({
      id,
      points: points.map(([x, y]) => ({ x, y })),
    });
    expect(
      measureChart({
        width: 10,
        height: 10,
        nodes: [],
        edges: [
          square('a', [
            [0, 5],
            [10, 5],
          ]),
          square('b', [
            [5, 0],
            [5, 10],
          ]),
          square('c', [
            [2, 0],
            [2, 10],
          ]),
        ],
      }).crossings,
    ).toBe(2);
  });
});
