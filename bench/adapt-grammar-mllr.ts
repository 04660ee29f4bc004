/**
 * Regenerates `examples/en-us-grammar.mllr`: a global MLLR transform of pocketsphinx's en-us acoustic
 * model, estimated on the grammar benchmark's tuning voices (flite and eSpeak, every robot command and
 * every ordinary phrase of `bench/grammar-corpus.ts`), with the grammar decoder's own front end (its
 * frequency warp). The pocketsphinx adapter applies it to the grammar decoder (`stt.mllrPath`);
 * docs/out-of-grammar.md has what it changes.
 *
 * Needs Debian's training tools: `apt-get install -y sphinxtrain sphinxbase-utils pocketsphinx`. Debian's
 * model has no `mixture_weights` (only the quantized `sendump` the decoder reads), which Baum-Welch
 * needs: they are expanded from the sendump here, as sphinxtrain's `sendump.py` does.
 *
 * @example
 * ```sh
 * npx tsx bench/adapt-grammar-mllr.ts                  # writes examples/en-us-grammar.mllr
 * npx tsx bench/adapt-grammar-mllr.ts --out /tmp/my.mllr
 * ```
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GRAMMAR_FRONT_END, POCKETSPHINX_MODEL_DIR } from '../adapters/stt/pocketsphinx.js';
import { buildGrammarCorpus, corpusVoices } from './grammar-corpus.js';
import { asVadUtterance } from '../sim/vad-utterance.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOOLS_HINT = 'apt-get install -y sphinxtrain sphinxbase-utils pocketsphinx';
const TRAINER_DIR = '/usr/lib/sphinxtrain';

const at = process.argv.indexOf('--out');
const out = at >= 0 ? process.argv[at + 1]! : join(ROOT, 'examples', 'en-us-grammar.mllr');
const log = (line: string) => process.stderr.write(`${line}\n`);

function run(tool: string, args: string[], cwd: string): void {
  if (!existsSync(tool)) throw new Error(`${tool} is missing: ${TOOLS_HINT}`);
  try {
    execFileSync(tool, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 2 ** 20 });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '')
      .split('\n')
      .filter((l) => /ERROR|FATAL/.test(l))
      .slice(-5)
      .join('\n');
    throw new Error(`${tool} failed:\n${stderr}`, { cause: error });
  }
}

/**
 * The mixture weights of a sendump (8-bit quantized, negated log base 1.0001, shifted by `mixw_shift`) as a
 * Sphinx-3 `mixture_weights` file: [senones][streams][densities] floats.
 */
function sendumpToMixtureWeights(sendump: Buffer): Buffer {
  let offset = 0;
  let bigEndian = false;
  const int = () => {
    let n = bigEndian ? sendump.readUInt32BE(offset) : sendump.readUInt32LE(offset);
    if (!bigEndian && n > 65_536) {
      bigEndian = true;
      n = sendump.readUInt32BE(offset);
    }
    offset += 4;
    return n;
  };
  const string = () => {
    const n = int();
    if (n === 0) return undefined;
    const s = sendump.toString('latin1', offset, offset + n - 1);
    offset += n;
    return s;
  };
  string(); // title
  const header: Record<string, number> = {};
  for (let line = string(); line !== undefined; line = string()) {
    const [key, value] = line.split(/\s+/);
    if (key && value && /^\d+$/.test(value)) header[key] = Number(value);
  }
  let densities = header.model_count ?? 0;
  let senones = header.mixture_count ?? 0;
  const streams = header.feature_count ?? 0;
  const shift = header.mixw_shift ?? 10;
  if (!header.cluster_count) {
    densities = int();
    senones = int();
  }
  if (!(densities > 0 && senones > 0 && streams > 0))
    throw new Error(`unexpected sendump header ${JSON.stringify(header)}`);
  const weights = new Float32Array(senones * streams * densities);
  for (let stream = 0; stream < streams; stream++) {
    for (let density = 0; density < densities; density++) {
      for (let senone = 0; senone < senones; senone++)
        weights[(senone * streams + stream) * densities + density] = 1.0001 ** -(sendump[offset + senone]! << shift);
      offset += senones;
    }
  }
  // A Sphinx-3 binary file: text header, byte-order word, then the dimensions and the floats.
  let head = 's3\nversion 1.0\n';
  const misaligned = (head.length + 'endhdr\n'.length) & 3;
  head += `${' '.repeat(misaligned ? 4 - misaligned : 0)}endhdr\n`;
  const dims = Buffer.alloc(20);
  dims.writeInt32LE(0x11223344, 0);
  [senones, streams, densities, weights.length].forEach((n, i) => dims.writeUInt32LE(n, 4 + i * 4));
  return Buffer.concat([Buffer.from(head, 'latin1'), dims, Buffer.from(weights.buffer)]);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'voice-agent-mllr-'));
  try {
    const { voices, skipped } = corpusVoices();
    if (skipped) throw new Error(`the tuning voices need eSpeak-NG: ${skipped}`);
    const corpus = await buildGrammarCorpus(join(ROOT, 'examples', 'robot-commands.jsgf'), voices, log);
    mkdirSync(join(work, 'raw'));
    mkdirSync(join(work, 'mfc'));
    const ids: string[] = [];
    const transcripts: string[] = [];
    corpus.forEach((utterance, i) => {
      const id = `u${String(i).padStart(4, '0')}`;
      // As the decoder gets it: the VAD's prefix and hangover over a room's noise floor. Digital silence
      // around the speech would have the transform fit silence that no microphone makes.
      const heard = asVadUtterance(utterance.samples);
      writeFileSync(join(work, 'raw', `${id}.raw`), Buffer.from(heard.buffer, heard.byteOffset, heard.byteLength));
      ids.push(id);
      transcripts.push(`<s> ${utterance.text.toLowerCase()} </s> (${id})`);
    });
    writeFileSync(join(work, 'adapt.fileids'), `${ids.join('\n')}\n`);
    writeFileSync(join(work, 'adapt.transcription'), `${transcripts.join('\n')}\n`);

    const hmm = join(POCKETSPHINX_MODEL_DIR, 'en-us');
    const model = join(work, 'model');
    mkdirSync(model);
    for (const file of ['means', 'variances', 'transition_matrices', 'feat.params', 'noisedict'])
      copyFileSync(join(hmm, file), join(model, file));
    writeFileSync(join(model, 'mixture_weights'), sendumpToMixtureWeights(readFileSync(join(hmm, 'sendump'))));
    run('/usr/bin/pocketsphinx_mdef_convert', ['-text', join(hmm, 'mdef'), join(model, 'mdef.txt')], work);

    log(`  features of ${ids.length} utterances (sphinx_fe, the grammar decoder's front end)`);
    run(
      '/usr/bin/sphinx_fe',
      [
        '-argfile',
        join(hmm, 'feat.params'),
        '-samprate',
        '16000',
        '-c',
        'adapt.fileids',
        '-di',
        'raw',
        '-do',
        'mfc',
        '-ei',
        'raw',
        '-eo',
        'mfc',
        '-raw',
        'yes',
        '-input_endian',
        'little',
        ...GRAMMAR_FRONT_END,
      ],
      work,
    );
    log('  Baum-Welch statistics (bw)');
    run(
      join(TRAINER_DIR, 'bw'),
      [
        '-hmmdir',
        model,
        '-moddeffn',
        join(model, 'mdef.txt'),
        '-ts2cbfn',
        '.ptm.',
        '-feat',
        '1s_c_d_dd',
        '-svspec',
        '0-12/13-25/26-38',
        '-cmn',
        'batch',
        '-agc',
        'none',
        '-dictfn',
        join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict'),
        '-fdictfn',
        join(model, 'noisedict'),
        '-ctlfn',
        'adapt.fileids',
        '-lsnfn',
        'adapt.transcription',
        '-cepdir',
        'mfc',
        '-cepext',
        'mfc',
        '-accumdir',
        '.',
      ],
      work,
    );
    log('  one global transform (mllr_solve)');
    run(
      join(TRAINER_DIR, 'mllr_solve'),
      [
        '-meanfn',
        join(model, 'means'),
        '-varfn',
        join(model, 'variances'),
        '-outmllrfn',
        'mllr_matrix',
        '-accumdir',
        '.',
      ],
      work,
    );
    copyFileSync(join(work, 'mllr_matrix'), out);
    log(`wrote ${out}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`adapt-grammar-mllr: ${(error as Error).message}`);
    process.exit(1);
  },
);
