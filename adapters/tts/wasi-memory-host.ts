/**
 * A minimal WASI preview1 host in plain JavaScript for one-shot command-line programs (flite): argv in,
 * files written to one preopened directory kept in memory, stdout/stderr captured, exit code out.
 *
 * Why not `node:wasi`: Node's WASI binds its syscalls as V8 fast API calls, and a fast call that reports
 * external memory can start a garbage collection in the middle of the call (nodejs/node#46777, still
 * open on Node 22). The heap is then corrupted and the process dies later at a random place — seen here
 * as a crash of a test worker right after `wasi.start()` returned. This host makes ordinary JS calls, so
 * a GC at any point is safe; keeping the output in memory also spares a temp directory and a file write
 * and read per sentence.
 *
 * Only the 13 imports such a program needs are real (`args_*`, `clock_time_get`, `fd_*`, `path_open`,
 * `proc_exit`); files live only under the preopened directory, there is no stdin (reads return end of
 * file) and no environment.
 *
 * @example
 * ```ts
 * const host = createWasiMemoryHost({ args: ['flite', '-t', 'hello', '-o', '/out/a.wav'], preopen: '/out' });
 * const instance = await WebAssembly.instantiate(module, host.imports);
 * const code = host.start(instance);           // 0 on success
 * const wav = host.files.get('a.wav');          // the bytes the program wrote
 * ```
 */

/** The syscalls a module imports, by name. */
type SyscallTable = Record<string, (...args: never[]) => number>;

/** What a run produced. */
export interface WasiMemoryHost {
  /** The import object to instantiate the module with (`wasi_snapshot_preview1`). */
  readonly imports: { wasi_snapshot_preview1: SyscallTable };
  /** Runs `_start`; returns the program's exit code (0 when `_start` returns normally). */
  start(instance: object): number;
  /** Files written under the preopened directory, by path relative to it. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** What the program wrote to stdout and stderr (for error messages). */
  output(): string;
}

export interface WasiMemoryHostOptions {
  /** argv, program name first. */
  args: readonly string[];
  /** The one directory the program may open files in, as the program names it (e.g. `/out`). */
  preopen: string;
}

// WASI preview1 error numbers (wasi_snapshot_preview1 `errno`).
const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
const ERRNO_NOENT = 44;
const ERRNO_EXIST = 20;
const ERRNO_SPIPE = 70;
// path_open `oflags` bits.
const OFLAG_CREAT = 1;
const OFLAG_EXCL = 4;
const OFLAG_TRUNC = 8;
// fd_fdstat filetypes.
const FILETYPE_CHARACTER_DEVICE = 2;
const FILETYPE_DIRECTORY = 3;
const FILETYPE_REGULAR_FILE = 4;
const ALL_RIGHTS = 0xffff_ffff_ffff_ffffn;
/** The first file descriptor after stdin/stdout/stderr; wasi-libc scans preopens from here. */
const PREOPEN_FD = 3;

/** Thrown by `proc_exit` to unwind out of the wasm stack; caught by {@link WasiMemoryHost.start}. */
class ProcessExit {
  constructor(readonly code: number) {}
}

/** A file being written or read: bytes with a length and a cursor. */
interface OpenFile {
  path: string;
  bytes: Uint8Array;
  length: number;
  position: number;
}

/** What a run keeps between the program's calls. */
interface HostState {
  /** The program's memory, once it runs. */
  memory: { buffer: ArrayBuffer } | undefined;
  /** Files written under the preopened directory, by path relative to it. */
  readonly files: Map<string, Uint8Array>;
  readonly open: Map<number, OpenFile>;
  /** What the program wrote to stdout and stderr, call by call. */
  readonly printed: string[];
  nextFd: number;
}

/** What a WASI command exports: its memory and its entry point. */
interface CommandExports {
  memory?: { buffer: ArrayBuffer };
  _start?: () => void;
}

export function createWasiMemoryHost(options: WasiMemoryHostOptions): WasiMemoryHost {
  const state: HostState = {
    memory: undefined,
    files: new Map(),
    open: new Map(),
    printed: [],
    nextFd: PREOPEN_FD + 1,
  };
  return {
    imports: { wasi_snapshot_preview1: wasiSyscalls(options, state) as unknown as SyscallTable },
    files: state.files,
    output: () => state.printed.join(''),
    start(instance) {
      const { exports } = instance as { exports: CommandExports };
      if (!exports.memory || !exports._start) {
        throw new Error('this WebAssembly module is not a WASI command: it exports no memory or no _start');
      }
      state.memory = exports.memory;
      try {
        exports._start();
        return 0;
      } catch (error) {
        if (error instanceof ProcessExit) return error.code;
        throw error;
      }
    },
  };
}

// Memory can grow during a call (which detaches the old buffer), so every access takes a fresh view.
function view(state: HostState): DataView {
  return new DataView(state.memory!.buffer);
}

function bytesAt(state: HostState, pointer: number, length: number): Uint8Array {
  return new Uint8Array(state.memory!.buffer, pointer, length);
}

/** The buffers of the `count` iovecs at `pointer` (each a pointer and a length). */
function iovecs(state: HostState, pointer: number, count: number): Uint8Array[] {
  const data = view(state);
  return Array.from({ length: count }, (_, i) => {
    const entry = pointer + i * 8;
    return bytesAt(state, data.getUint32(entry, true), data.getUint32(entry + 4, true));
  });
}

function fileWrite(file: OpenFile, chunk: Uint8Array): void {
  const end = file.position + chunk.byteLength;
  if (end > file.bytes.byteLength) {
    const grown = new Uint8Array(Math.max(end, file.bytes.byteLength * 2, 4096));
    grown.set(file.bytes.subarray(0, file.length));
    file.bytes = grown;
  }
  file.bytes.set(chunk, file.position);
  file.position = end;
  file.length = Math.max(file.length, end);
}

/** Reads from `file`'s cursor into `target`, up to the file's end; returns the bytes read. */
function fileRead(file: OpenFile, target: Uint8Array): number {
  const chunk = file.bytes.subarray(file.position, Math.min(file.length, file.position + target.byteLength));
  target.set(chunk);
  file.position += chunk.byteLength;
  return chunk.byteLength;
}

/** The fd_fdstat filetype of `fd`; 0 when it is not open. */
function fileTypeOf(state: HostState, fd: number): number {
  if (fd <= 2) return FILETYPE_CHARACTER_DEVICE;
  if (fd === PREOPEN_FD) return FILETYPE_DIRECTORY;
  return state.open.has(fd) ? FILETYPE_REGULAR_FILE : 0;
}

/** The WASI preview1 calls the host answers, over `state`. */
function wasiSyscalls(options: WasiMemoryHostOptions, state: HostState) {
  const encoder = new TextEncoder();
  const argBytes = options.args.map((arg) => encoder.encode(`${arg}\0`));
  const preopenName = encoder.encode(options.preopen);
  const { files, open, printed } = state;
  return {
    args_sizes_get(countPointer: number, sizePointer: number) {
      const data = view(state);
      data.setUint32(countPointer, argBytes.length, true);
      data.setUint32(
        sizePointer,
        argBytes.reduce((n, a) => n + a.byteLength, 0),
        true,
      );
      return ERRNO_SUCCESS;
    },
    args_get(argvPointer: number, bufferPointer: number) {
      const data = view(state);
      let at = bufferPointer;
      argBytes.forEach((arg, i) => {
        data.setUint32(argvPointer + i * 4, at, true);
        bytesAt(state, at, arg.byteLength).set(arg);
        at += arg.byteLength;
      });
      return ERRNO_SUCCESS;
    },
    clock_time_get(_clockId: number, _precision: bigint, timePointer: number) {
      view(state).setBigUint64(timePointer, process.hrtime.bigint(), true);
      return ERRNO_SUCCESS;
    },
    fd_prestat_get(fd: number, pointer: number) {
      if (fd !== PREOPEN_FD) return ERRNO_BADF;
      const data = view(state);
      data.setUint8(pointer, 0); // preopen type: directory
      data.setUint32(pointer + 4, preopenName.byteLength, true);
      return ERRNO_SUCCESS;
    },
    fd_prestat_dir_name(fd: number, pointer: number, length: number) {
      if (fd !== PREOPEN_FD) return ERRNO_BADF;
      bytesAt(state, pointer, Math.min(length, preopenName.byteLength)).set(preopenName.subarray(0, length));
      return ERRNO_SUCCESS;
    },
    fd_fdstat_get(fd: number, pointer: number) {
      const type = fileTypeOf(state, fd);
      if (!type) return ERRNO_BADF;
      const data = view(state);
      data.setUint8(pointer, type);
      data.setUint16(pointer + 2, 0, true);
      data.setBigUint64(pointer + 8, ALL_RIGHTS, true);
      data.setBigUint64(pointer + 16, ALL_RIGHTS, true);
      return ERRNO_SUCCESS;
    },
    fd_fdstat_set_flags(fd: number) {
      return fd <= PREOPEN_FD || open.has(fd) ? ERRNO_SUCCESS : ERRNO_BADF;
    },
    path_open(
      dirFd: number,
      _lookupFlags: number,
      pathPointer: number,
      pathLength: number,
      openFlags: number,
      _rightsBase: bigint,
      _rightsInheriting: bigint,
      _fdFlags: number,
      fdPointer: number,
    ) {
      if (dirFd !== PREOPEN_FD) return ERRNO_BADF;
      const path = new TextDecoder().decode(bytesAt(state, pathPointer, pathLength)).replace(/^\.?\//, '');
      if (!path || path.includes('..')) return ERRNO_INVAL;
      const existing = files.get(path);
      if (existing && openFlags & OFLAG_EXCL) return ERRNO_EXIST;
      if (!existing && !(openFlags & OFLAG_CREAT)) return ERRNO_NOENT;
      const keep = existing && !(openFlags & OFLAG_TRUNC);
      const bytes = keep ? existing.slice() : new Uint8Array(0);
      const fd = state.nextFd++;
      open.set(fd, { path, bytes, length: bytes.byteLength, position: 0 });
      if (!keep) files.set(path, bytes);
      view(state).setUint32(fdPointer, fd, true);
      return ERRNO_SUCCESS;
    },
    fd_write(fd: number, iovsPointer: number, iovsCount: number, writtenPointer: number) {
      let written = 0;
      const file = open.get(fd);
      if (!file && fd !== 1 && fd !== 2) return ERRNO_BADF;
      for (const chunk of iovecs(state, iovsPointer, iovsCount)) {
        if (file) fileWrite(file, chunk);
        else printed.push(new TextDecoder().decode(chunk));
        written += chunk.byteLength;
      }
      if (file) files.set(file.path, file.bytes.subarray(0, file.length));
      view(state).setUint32(writtenPointer, written, true);
      return ERRNO_SUCCESS;
    },
    fd_read(fd: number, iovsPointer: number, iovsCount: number, readPointer: number) {
      const file = open.get(fd);
      if (!file && fd !== 0) return ERRNO_BADF;
      let read = 0;
      if (file) for (const target of iovecs(state, iovsPointer, iovsCount)) read += fileRead(file, target);
      view(state).setUint32(readPointer, read, true);
      return ERRNO_SUCCESS;
    },
    fd_seek(fd: number, offset: bigint, whence: number, newOffsetPointer: number) {
      const file = open.get(fd);
      if (!file) return fd <= 2 ? ERRNO_SPIPE : ERRNO_BADF;
      const base = whence === 0 ? 0 : whence === 1 ? file.position : whence === 2 ? file.length : -1;
      const target = base + Number(offset);
      if (base < 0 || target < 0) return ERRNO_INVAL;
      file.position = target;
      view(state).setBigUint64(newOffsetPointer, BigInt(target), true);
      return ERRNO_SUCCESS;
    },
    fd_close(fd: number) {
      const file = open.get(fd);
      if (file) files.set(file.path, file.bytes.subarray(0, file.length));
      return open.delete(fd) || fd <= PREOPEN_FD ? ERRNO_SUCCESS : ERRNO_BADF;
    },
    proc_exit(code: number): number {
      throw new ProcessExit(code);
    },
  };
}
