/**
 * The echo matrix's third phase as a table (`<!-- bench-table echo-overlap -->` in docs/echo.md): per
 * room and canceller, the user's commands and stops said over the robot (sim/echo-overlap.ts)
 * and what came of them, from `bench/results/echo-overlap.json` (the rows `bench/echo-matrix.ts
 * --overlaps … --json` writes, one run per canceller joined).
 *
 * @example
 * ```ts
 * echoOverlapColumns.find(([header]) => header === 'stops heard')![1](row); // '13/14'
 * ```
 */
import { momentName, type OverlapOutcome as Outcome } from '../sim/echo-overlap.js';
import { cellName, type EchoCell } from '../sim/echo-cell.js';

type Row = Record<string, unknown>;
type Cell = (row: Row) => string;

const outcomes = (row: Row): Outcome[] => (Array.isArray(row['overlaps']) ? (row['overlaps'] as Outcome[]) : []);
const ran = (o: Outcome) => o.result === 'heard' || o.result === 'lost';
const voice = (o: Outcome) => (o.voice === 'human' ? 'real' : 'flite');

const heardOf =
  (utterance: Outcome['utterance']): Cell =>
  (row) => {
    const run = outcomes(row).filter((o) => o.utterance === utterance && ran(o));
    return `${run.filter((o) => o.heard).length}/${run.length}`;
  };

export const echoOverlapColumns: Array<[header: string, cell: Cell]> = [
  ['canceller', (row) => String(row['label'])],
  ['room: delay, RT60, speaker over user, client', (row) => cellName(row as unknown as EchoCell)],
  ['commands heard', heardOf('command')],
  [
    'commands that e-stopped',
    (row) => String(outcomes(row).filter((o) => o.utterance === 'command' && o.estoppedBy !== undefined).length),
  ],
  ['stops heard', heardOf('stop')],
  ['barge-ins stopped (phase 2)', (row) => `${String(row['bargeInsStopped'])}/${String(row['bargeInsAttempted'])}`],
  ['false barge-ins / replies', (row) => `${String(row['falseBargeIns'])} / ${String(row['replies'])}`],
  [
    'lost',
    (row) =>
      outcomes(row)
        .filter((o) => o.result === 'lost')
        .map((o) => `${voice(o)} ${o.utterance} ${momentName(o.moment)}`)
        .join('; ') || '—',
  ],
  ['µs / frame', (row) => String(row['conditionerMicrosPerFrame'])],
];
