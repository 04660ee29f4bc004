/**
 * The cells of the figures tables (doc-tables.ts): a field, several percentiles, a share, and which rows a
 * table takes. A row without a field (a scenario run before the bench measured it) shows "—".
 *
 * @example
 * ```ts
 * share('executed', 'commands')({ executed: 15, commands: 16 }); // '15/16'
 * ```
 */
export type Row = Record<string, unknown>;
export type Cell = (row: Row) => string;

/** One figures table: the rows of its results file it shows, and its columns. */
export interface TableSpec {
  /** The results file, `bench/results/<file>.json`. */
  file: string;
  /** Which of the file's rows this table shows (a scenario writes rows of several kinds). */
  rows: (row: Row) => boolean;
  columns: Array<[header: string, cell: Cell]>;
}

export const MISSING = '—';

function at(row: Row, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) => (value !== null && typeof value === 'object' ? (value as Row)[key] : undefined),
      row,
    );
}

/** One field, or "—" when the run did not measure it (`null`: JSON's NaN). */
export const field =
  (path: string, suffix = ''): Cell =>
  (row) => {
    const value = at(row, path);
    return value === undefined || value === null ? MISSING : `${String(value)}${suffix}`;
  };

/** Several percentiles of one measure, `p50 / p99`. */
export const spread =
  (path: string, keys: string[] = ['p50', 'p99']): Cell =>
  (row) => {
    const cells = keys.map((key) => field(`${path}.${key}`)(row));
    return cells.every((c) => c === MISSING) ? MISSING : cells.join(' / ');
  };

/** `done/of` (`15/16`). */
export const share =
  (done: string, of: string): Cell =>
  (row) => {
    const [a, b] = [field(done)(row), field(of)(row)];
    return a === MISSING || b === MISSING ? MISSING : `${a}/${b}`;
  };

export const kind =
  (...scenarios: string[]) =>
  (row: Row) =>
    scenarios.includes(String(row['scenario']));

export const P95 = ['p50', 'p95'];
export const P95_MAX = ['p50', 'p95', 'max'];
