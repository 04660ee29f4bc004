/**
 * The figures tables of speech in and out (doc-tables.ts renders them): the end of turn, the learned
 * keyword heads, `voice-agent live`, the emergency stop, wake phrases and the echo matrix, each from its
 * results file (`bench/results/<file>.json`).
 */
import { cellName, type EchoCell } from '../sim/echo-cell.js';
import { echoOverlapColumns } from './echo-overlap-table.js';
import {
  field,
  kind,
  MISSING,
  P95,
  P95_MAX,
  share,
  spread,
  type Cell,
  type Row,
  type TableSpec,
} from './table-cells.js';

/**
 * The e-stop's real-speech rows (`estop-real`, `estop-session`): what the spotter, the transcripts and either stopped.
 */
const STOPS_COLUMN: [string, Cell] = [
  'stops: spotter / transcripts / either',
  (row) => `${field('bySpotter')(row)} / ${field('byTranscripts')(row)} / ${share('byEither', 'stops')(row)}`,
];
const FALSE_STOPS_COLUMN: [string, Cell] = [
  'false stops: spotter / transcripts / either',
  (row) =>
    row['others']
      ? `${field('falseBySpotter')(row)} / ${field('falseByTranscripts')(row)} / ` +
        `${share('falseByEither', 'others')(row)} = ${field('falsePercent', ' %')(row)}`
      : MISSING,
];

export const SPEECH_TABLES: Record<string, TableSpec> = {
  eot: {
    file: 'eot',
    rows: kind('eot'),
    columns: [
      ['part', field('part')],
      ['end of turn', field('mode')],
      ['utterances', field('utterances')],
      ['p50 / p95', spread('firstAudioMs', P95)],
      ['whole', share('whole', 'utterances')],
      [
        'guesses started / committed / discarded',
        (row) => ['guessesStarted', 'guessesCommitted', 'guessesDiscarded'].map((k) => field(k)(row)).join(' / '),
      ],
      ['discarded frames heard', field('discardedFramesHeard')],
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
  live: {
    file: 'live',
    rows: kind('live'),
    columns: [
      [
        'echo cancelled by',
        (row) =>
          `${row['canceller'] === undefined ? 'builtin' : String(row['canceller'])}` +
          `${row['cpuHog'] === true ? ', CPU hog beside it' : ''}`,
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
      [
        'false stops, out-of-grammar phrases',
        (row) => `${field('falseStopsPercent', ' %')(row)} (${share('falseStops', 'outOfGrammar')(row)})`,
      ],
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
      [
        "from the phrase's last sample p50 / p95 / max",
        (row) => [field('p50Ms')(row), field('p95Ms')(row), field('maxMs')(row)].join(' / '),
      ],
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
      [
        'threshold',
        (row) =>
          typeof row['threshold'] === 'number' ? Number(row['threshold'].toPrecision(2)).toExponential() : MISSING,
      ],
      ['lead ≥', field('minLeadDb', ' dB')],
      ['confidence ≥', field('minConfidence')],
      ['false per hour (count)', (row) => `${field('falsePerHour')(row)} (${field('falseCount')(row)})`],
      [
        'false / h, tuning · fresh voices',
        (row) => `${field('tunedFalsePerHour')(row)} · ${field('freshFalsePerHour')(row)}`,
      ],
      [
        'detected, grammar-bench (tuning) voices',
        (row) => `${share('detected', 'trials')(row)} = ${field('detectedPercent', ' %')(row)}`,
      ],
      [
        'detected, fresh voices',
        (row) => `${share('freshDetected', 'freshTrials')(row)} = ${field('freshDetectedPercent', ' %')(row)}`,
      ],
    ],
  },
  wake: {
    file: 'wake',
    rows: (row) => kind('wake')(row) && row['kind'] === 'configured',
    columns: [
      ['phrase', field('phrase')],
      ['false per hour (count)', (row) => `${field('falsePerHour')(row)} (${field('falseCount')(row)})`],
      ['distractor hours', field('distractorHours')],
      [
        'detected, tuning voices',
        (row) => `${share('detected', 'trials')(row)} = ${field('detectedPercent', ' %')(row)}`,
      ],
      [
        'detected, fresh voices',
        (row) => `${share('freshDetected', 'freshTrials')(row)} = ${field('freshDetectedPercent', ' %')(row)}`,
      ],
      ['CPU ms per s of audio', field('cpuMsPerSecond')],
    ],
  },
};
