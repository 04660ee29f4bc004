/**
 * The figures tables of the benchmark pages (docs/benchmarks.md and the pages it lists), made from the
 * rows the bench writes (`--json bench/results/<name>.json`). Each table sits between
 * `<!-- bench-table NAME -->` and `<!-- /bench-table -->`, on one page only; `npm run bench:tables`
 * rewrites them, and a test fails when a page and the JSON disagree. A row without a field (a scenario run before the bench measured it) shows "—".
 *
 * @example
 * ```ts
 * renderTable('guards', [{ scenario: 'phrase', samples: 20, measuredMs: { p50: 0.9, p99: 1.5 }, targetMs: 5, what: 'SAY' }]);
 * // '| guard | samples | p50 / p99 ms | target ms | what |\n| --- | … |\n| phrase | 20 | 0.9 / 1.5 | < 5 | SAY |'
 * ```
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cellName, type EchoCell } from '../sim/echo-cell.js';
import { echoOverlapColumns } from './echo-overlap-table.js';
import { field, kind, MISSING, P95, P95_MAX, share, spread, type Cell, type Row } from './table-cells.js';

export type { Row };

interface TableSpec {
  /** The results file, `bench/results/<file>.json`. */
  file: string;
  /** Which of the file's rows this table shows (a scenario writes rows of several kinds). */
  rows: (row: Row) => boolean;
  columns: Array<[header: string, cell: Cell]>;
}

/** The e-stop's real-speech rows (`estop-real`, `estop-session`): what the spotter, the transcripts and either stopped. */
const STOPS_COLUMN: [string, Cell] = [
  'stops: spotter / transcripts / either',
  (row) => `${field('bySpotter')(row)} / ${field('byTranscripts')(row)} / ${share('byEither', 'stops')(row)}`,
];
const FALSE_STOPS_COLUMN: [string, Cell] = [
  'false stops: spotter / transcripts / either',
  (row) =>
    row['others']
      ? `${field('falseBySpotter')(row)} / ${field('falseByTranscripts')(row)} / ${share('falseByEither', 'others')(row)} = ${field('falsePercent', ' %')(row)}`
      : MISSING,
];

export const TABLES: Record<string, TableSpec> = {
  reply: {
    file: 'reply',
    rows: kind('reply'),
    columns: [
      ['transport', field('transport')],
      ['sessions', field('sessions')],
      ['turns', field('turns')],
      ['first audio p50 / p99', spread('firstAudioMs')],
      ['ideal p50', field('idealFirstAudioMs')],
      ['over ideal p50 / p99', spread('firstAudioOverIdealMs')],
      ['STOP → silence p50 / p99', spread('interruptToSilenceMs')],
      ['frames after', field('framesAfterInterrupt')],
      ['VAD onset → silence p50 / p99', spread('vadOnsetToSilenceMs')],
      ['loop lag p50 / p99', spread('loopLagMs')],
      ['CPU %', field('cpuPercent')],
      ['bus hop p50 / p99', spread('natsHopMs')],
    ],
  },
  scale: {
    file: 'scale',
    rows: kind('scale'),
    columns: [
      ['transport', field('transport')],
      ['sessions', field('sessions')],
      ['turns', field('turns')],
      ['over ideal p50 / p99', spread('firstAudioOverIdealMs')],
      ['STOP → silence p50 / p99', spread('interruptToSilenceMs')],
      ['loop lag p50 / p99', spread('loopLagMs')],
      ['I/O wait p50 / p99', spread('ioWaitMs')],
      ['loop busy %', field('loopBusyPercent')],
      ['CPU %', field('cpuPercent')],
      ['MB / session', field('rssPerSessionMb')],
    ],
  },
  guards: {
    file: 'guards',
    rows: kind('memory', 'failover', 'phrase'),
    columns: [
      ['guard', field('scenario')],
      ['samples', field('samples')],
      ['p50 / p99 ms', spread('measuredMs')],
      ['target ms', (row) => `< ${field('targetMs')(row)}`],
      ['what', field('what')],
    ],
  },
  local: {
    file: 'local',
    rows: kind('local'),
    columns: [
      ['utterances (recognized)', (row) => `${field('utterances')(row)} (${field('recognized')(row)})`],
      ['transcript p50 / p95', spread('stages.transcript', P95)],
      ['first token', spread('stages.firstToken', P95)],
      ['first clause', spread('stages.firstClause', P95)],
      ['TTS first chunk', spread('stages.ttsFirstChunk', P95)],
      ['first audio frame', spread('stages.firstAudio', P95)],
    ],
  },
  server: {
    file: 'server',
    rows: kind('server'),
    columns: [
      ['clients', field('sessions')],
      ['server processes', field('processes')],
      ['turns', field('turns')],
      ['first audio over ideal p50 / p99', spread('firstAudioOverIdealMs')],
      ['cancel → last audio p50 / p99', spread('cancelToLastAudioMs')],
      ['errors', field('errors')],
      ['late turns', field('lateTurns')],
      ['full GCs', field('fullGcs')],
      ['server CPU %', field('cpuPercent')],
      ['MB / session', field('rssPerSessionMb')],
    ],
  },
  cost: {
    file: 'cost',
    rows: kind('cost'),
    columns: [
      ['sessions', field('sessions')],
      ['CPU per turn (ms)', field('cpuPerTurnMs')],
      ['loop busy per turn (ms)', field('busyPerTurnMs')],
      ['of it the chart (ms)', field('chartPerTurnMs')],
      ['events per turn', field('eventsPerTurn')],
      ['µs per microphone frame', field('microsecondsPerMicFrame')],
    ],
  },
  sessions: {
    file: 'sessions',
    rows: kind('sessions'),
    columns: [
      ['sessions', field('sessions')],
      ['create p50 / p99 / max ms', spread('createMs', ['p50', 'p99', 'max'])],
      ['RSS MB / session', field('rssPerSessionMb')],
      ['heap MB / session', field('heapPerSessionMb')],
      ['end p50 / p99 ms', spread('endMs')],
    ],
  },
  records: {
    file: 'records',
    rows: kind('records'),
    columns: [
      ['sessions', field('sessions')],
      ['recording', field('recording')],
      ['turns', field('turns')],
      ['first audio p50 / p99', spread('firstAudioMs')],
      ['Δ first audio p50', field('deltaFirstAudioP50Ms')],
      ['over ideal p50 / p99', spread('firstAudioOverIdealMs')],
      ['events/s', field('eventsPerSecond')],
      ['rows per transaction', field('rowsPerTransaction')],
      ['commit p50 / p99', spread('commitMs')],
      ['file MB', field('dbMb')],
    ],
  },
  'records-write': {
    file: 'records',
    rows: kind('records-write'),
    columns: [
      ['event rows', field('rows')],
      ['rows per transaction', field('rowsPerTransaction')],
      ['rows/s', field('rowsPerSecond')],
    ],
  },
  eot: {
    file: 'eot',
    rows: kind('eot'),
    columns: [
      ['part', field('part')],
      ['end of turn', field('mode')],
      ['utterances', field('utterances')],
      ['p50 / p95', spread('firstAudioMs', P95)],
      ['whole', share('whole', 'utterances')],
      ['guesses started / committed / discarded', (row) => ['guessesStarted', 'guessesCommitted', 'guessesDiscarded'].map((k) => field(k)(row)).join(' / ')],
      ['discarded frames heard', field('discardedFramesHeard')],
    ],
  },
  page: {
    file: 'page',
    rows: kind('page'),
    columns: [
      ['replies', field('replies')],
      ['speech end → first reply audio played p50 / p95', spread('firstAudioMs', P95)],
      ["the server's share: its speech end → first frame sent", spread('serverFirstAudioMs', P95)],
      ['barge-ins', field('bargeIns')],
      ["the user's first sound → page silent", spread('onsetToSilentMs', P95)],
      ['`speech_started` received → page silent', spread('speechStartedToSilentMs', P95)],
      ['output latency (not included)', field('outputLatencyMs')],
    ],
  },
  capacity: {
    file: 'capacity',
    rows: kind('capacity'),
    columns: [
      ['run', field('run')],
      ['N (serve processes)', (row) => `${field('sessions')(row)} (${field('processes')(row)})`],
      ['admitted (capacity)', (row) => `${field('admitted')(row)} (${field('capacity')(row)})`],
      ['first audio after speech p50 / p95 ms', (row) => `${field('firstAudioMs.p50')(row)} / ${field('firstAudioMs.p95')(row)}`],
      ['e-stop after the phrase p95 ms', field('estopMs.p95')],
      ['stops delivered', share('stopped', 'stops')],
      ['commands answered', share('answered', 'commands')],
      ['server CPU % of a core', field('cpuPercent')],
      ['RSS per session MB (total)', (row) => `${field('rssPerSessionMb')(row)} (${field('rssMb')(row)})`],
      ['loop lag p99 ms (longest stall)', (row) => `${field('loopLagP99Ms')(row)} (${field('longestStallMs')(row)})`],
      ['promises kept', (row) => (row['promisesKept'] ? 'yes' : 'no')],
    ],
  },
  keyword: {
    file: 'keyword',
    rows: (row) => row['head'] !== undefined,
    columns: [
      ['head', field('head')],
      ['phrase', field('phrase')],
      ['detected', share('detected', 'positives')],
      ['false accepts (other clips)', share('falseAccepts', 'negatives')],
      [
        'Mycroft clips: detected; false',
        (row) => {
          const m = row['mycroft'] as Row | undefined;
          return m ? `${share('detected', 'positives')(m)}; ${share('falseAccepts', 'negatives')(m)}` : MISSING;
        },
      ],
      ['CPU ms per s of audio', field('cpuMsPerAudioS')],
    ],
  },
  check: {
    file: 'check',
    rows: (row) => row['scenario'] === 'check' && row['entry'] !== undefined,
    columns: [
      ['entry', field('entry')],
      ['sessions', field('sessions')],
      ['decisions compared', field('decisions')],
      ['sessions with differences', field('differing')],
      ['check p50 ms', field('checkMs.p50')],
    ],
  },
  'realtime-clients': {
    file: 'realtime-clients',
    rows: kind('realtime-clients'),
    columns: [
      ['client', field('client')],
      ['scenario', field('case')],
      ['result', field('result')],
      ['first audio ms', field('firstAudioMs')],
    ],
  },
  inspect: {
    file: 'inspect',
    rows: kind('inspect'),
    columns: [
      ['round', field('round')],
      ['phase', field('phase')],
      ['turns', field('turns')],
      ['server CPU % of a core', field('cpuPercent')],
      ['loop lag p99 ms', field('loopLagP99Ms')],
      ['messages/s', field('messagesPerSecond')],
      ['hub % (upper bound)', field('hubPercent')],
    ],
  },
  live: {
    file: 'live',
    rows: kind('live'),
    columns: [
      [
        'echo cancelled by',
        (row) => `${row['canceller'] === undefined ? 'builtin' : String(row['canceller'])}${row['cpuHog'] === true ? ', CPU hog beside it' : ''}`,
      ],
      ['turns', field('turns')],
      ['mouth-to-ear p50 / p99', spread('mouthToEarMs')],
      ['mic side', spread('micSideMs')],
      ['pipeline', spread('pipelineMs')],
      ['speaker side', spread('speakerSideMs')],
      ['TTS leading silence', spread('ttsLeadingSilenceMs')],
      ['mouth-to-audible', spread('mouthToAudibleMs')],
      ['false barge-ins', field('falseBargeIns')],
      ['underruns', field('underruns')],
      ['"turn left" over an outcome: heard', share('overFollowUp.heard', 'overFollowUp.trials')],
      ['outcome cut', share('overFollowUp.cut', 'overFollowUp.trials')],
      ['`echo_held_user` spans', field('echoHeldUserSpans')],
      ['half duplex (ms)', field('echoHalfDuplexMs')],
    ],
  },
  estop: {
    file: 'estop',
    rows: kind('estop'),
    columns: [
      ['path', field('path')],
      ['stops delivered', share('delivered', 'trials')],
      ["phrase's last sample → stop p50 / p95 / max", spread('afterEndMs', P95_MAX)],
      ['first sample → stop', spread('stopMs', P95_MAX)],
      ['"stop", "halt" alone, from the first sample', spread('oneWordStopMs', P95_MAX)],
      ["the phrases' own length", spread('phraseEndMs', P95_MAX)],
      ['reply cancelled p50 / p95 / max', spread('cancelMs', P95_MAX)],
    ],
  },
  'estop-command': {
    file: 'estop',
    rows: kind('estop-command'),
    columns: [
      ['path', field('path')],
      ['commands over a reply executed', share('executed', 'commands')],
    ],
  },
  'estop-false': {
    file: 'estop',
    rows: kind('estop-false'),
    columns: [
      ['path', field('path')],
      ['voices', field('voices')],
      ['false stops, out-of-grammar phrases', (row) => `${field('falseStopsPercent', ' %')(row)} (${share('falseStops', 'outOfGrammar')(row)})`],
      ['stop phrases spotted', share('stopsSpotted', 'stopPhrases')],
    ],
  },
  'estop-real': {
    file: 'estop',
    rows: kind('estop-real'),
    columns: [['speakers', field('group')], STOPS_COLUMN, FALSE_STOPS_COLUMN],
  },
  'estop-session': {
    file: 'estop',
    rows: kind('estop-session'),
    columns: [
      ['stack', field('stack')],
      ['speakers', field('group')],
      STOPS_COLUMN,
      ["transcripts' stops from the phrase's last sample p50 / p95 / max", spread('transcriptsAfterEndMs', P95_MAX)],
      FALSE_STOPS_COLUMN,
      ["the VAD's pauses", field('pauses')],
      ['local recognizer CPU ms per s of audio', field('localRecognizerCpuMsPerAudioS')],
      ['local recognizer MB per decoder set', field('localRecognizerMbPerDecoderSet')],
    ],
  },
  'estop-spotter': {
    file: 'estop',
    rows: kind('estop-spotter'),
    columns: [
      ['voices', (row) => `${field('voices')(row)}: ${field('group')(row)}`],
      ['stops spotted', share('spotted', 'phrases')],
      ["from the phrase's last sample p50 / p95 / max", (row) => [field('p50Ms')(row), field('p95Ms')(row), field('maxMs')(row)].join(' / ')],
      ['false stops', (row) => (row['others'] ? share('falseSpots', 'others')(row) : MISSING)],
      ['CPU ms per s of audio', field('cpuMsPerAudioS')],
    ],
  },
  'wake-real': {
    file: 'wake',
    rows: kind('wake-real'),
    columns: [
      ['phrase or speakers', field('group')],
      ['detected', share('spotted', 'phrases')],
      ['false wakes (clips)', (row) => (row['others'] ? share('falseSpots', 'others')(row) : MISSING)],
      ['false per hour', (row) => (row['others'] ? field('falsePerHour')(row) : MISSING)],
    ],
  },
  'echo-matrix': {
    file: 'echo-matrix',
    rows: kind('echo-matrix'),
    columns: [
      ['room: delay, RT60, speaker over user, client', (row) => cellName(row as unknown as EchoCell)],
      ['false barge-ins / replies', (row) => `${field('falseBargeIns')(row)} / ${field('replies')(row)}`],
      ['barge-ins stopped', share('bargeInsStopped', 'bargeInsAttempted')],
      ['ERLE dB settled (overall)', (row) => `${field('erleDb')(row)} (${field('erleOverallDb')(row)})`],
    ],
  },
  'echo-overlap': {
    file: 'echo-overlap',
    rows: kind('echo-matrix'),
    columns: echoOverlapColumns,
  },
  'wake-scan': {
    file: 'wake',
    rows: (row) =>
      kind('wake')(row) &&
      (row['kind'] !== 'candidate' ||
        (row['minLeadDb'] == null && row['minConfidence'] == null) ||
        (row['phrase'] === 'wake' && row['minLeadDb'] === 9 && row['minConfidence'] === 0.68) ||
        (row['phrase'] === 'stop' && row['minLeadDb'] === 15 && row['minConfidence'] == null)),
    columns: [
      [
        'phrase',
        (row) =>
          row['kind'] === 'chosen'
            ? `${field('phrase')(row)} (chosen on the tuning voices)`
            : row['kind'] === 'configured'
              ? `${field('phrase')(row)} (default, as a session runs)`
              : field('phrase')(row),
      ],
      ['threshold', (row) => (typeof row['threshold'] === 'number' ? Number(row['threshold'].toPrecision(2)).toExponential() : MISSING)],
      ['lead ≥', field('minLeadDb', ' dB')],
      ['confidence ≥', field('minConfidence')],
      ['false per hour (count)', (row) => `${field('falsePerHour')(row)} (${field('falseCount')(row)})`],
      ['false / h, tuning · fresh voices', (row) => `${field('tunedFalsePerHour')(row)} · ${field('freshFalsePerHour')(row)}`],
      ['detected, grammar-bench (tuning) voices', (row) => `${share('detected', 'trials')(row)} = ${field('detectedPercent', ' %')(row)}`],
      ['detected, fresh voices', (row) => `${share('freshDetected', 'freshTrials')(row)} = ${field('freshDetectedPercent', ' %')(row)}`],
    ],
  },
  wake: {
    file: 'wake',
    rows: (row) => kind('wake')(row) && row['kind'] === 'configured',
    columns: [
      ['phrase', field('phrase')],
      ['false per hour (count)', (row) => `${field('falsePerHour')(row)} (${field('falseCount')(row)})`],
      ['distractor hours', field('distractorHours')],
      ['detected, tuning voices', (row) => `${share('detected', 'trials')(row)} = ${field('detectedPercent', ' %')(row)}`],
      ['detected, fresh voices', (row) => `${share('freshDetected', 'freshTrials')(row)} = ${field('freshDetectedPercent', ' %')(row)}`],
      ['CPU ms per s of audio', field('cpuMsPerSecond')],
    ],
  },
};

/** One table as Markdown, from the rows of its results file. */
export function renderTable(name: string, rows: Row[]): string {
  const spec = TABLES[name];
  if (!spec) throw new Error(`no bench table "${name}": use one of ${Object.keys(TABLES).join(', ')}`);
  const shown = rows.filter(spec.rows);
  if (shown.length === 0) throw new Error(`bench/results/${spec.file}.json has no rows for the table "${name}"`);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(spec.columns.map(([header]) => header)),
    line(spec.columns.map(() => '---')),
    ...shown.map((row) => line(spec.columns.map(([, cell]) => cell(row)))),
  ].join('\n');
}

/** A marked table: its opening comment, any lines but another marker (none yet: a new table), its closing one. */
const MARKED = /(<!-- bench-table ([\w-]+) -->\n)(?:(?!<!-- )[^\n]*\n)*?(<!-- \/bench-table -->)/g;

/** The tables a doc marks, by name. */
export function markedTables(doc: string): string[] {
  return [...doc.matchAll(MARKED)].map((m) => m[2]!);
}

/** The doc with every marked table rendered again from its results file (`load(file)` gives its rows). */
export function renderDoc(doc: string, load: (file: string) => Row[]): string {
  return doc.replace(MARKED, (_, open: string, name: string, close: string) => {
    const spec = TABLES[name];
    if (!spec) throw new Error(`no bench table "${name}": use one of ${Object.keys(TABLES).join(', ')}`);
    return `${open}${renderTable(name, load(spec.file))}\n${close}`;
  });
}

/** The rows of `bench/results/<file>.json`: the JSON array `--json` writes. */
export function loadResults(file: string, dir = 'bench/results'): Row[] {
  const rows: unknown = JSON.parse(readFileSync(`${dir}/${file}.json`, 'utf8'));
  if (!Array.isArray(rows)) throw new Error(`${dir}/${file}.json: expected the JSON array of rows that --json writes`);
  return rows as Row[];
}

/** The pages with marked tables: docs/benchmarks.md, and any other page that shows one next to its design. */
export function docsWithTables(): string[] {
  const pages = ['README.md', ...readdirSync('docs').flatMap((f) => (f.endsWith('.md') ? [`docs/${f}`] : []))];
  return pages.filter((page) => readFileSync(page, 'utf8').includes('<!-- bench-table '));
}
