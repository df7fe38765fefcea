import { runCli } from './main.js';

/**
 * Exit codes of a run ended by a signal (CONTRACT §4): SIGTERM and SIGHUP are handled exactly as
 * SIGINT — requests aborted, tools' processes stopped, the log line written — and end with their
 * own code.
 */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

/** A run that has not ended this long after the signal is ended here (a tool stuck past its own stop). */
const SIGNAL_GRACE_MS = 5000;

const controller = new AbortController();
let stoppedBy: HandledSignal | undefined;

for (const signal of Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[]) {
  process.on(signal, () => {
    // A second signal leaves at once, for a run that does not stop; the exit hook still kills
    // every process the tools started.
    if (stoppedBy !== undefined) process.exit(SIGNAL_EXIT_CODES[stoppedBy]);
    stoppedBy = signal;
    controller.abort(new Error(`interrupted by ${signal}`));
    setTimeout(() => process.exit(SIGNAL_EXIT_CODES[signal]), SIGNAL_GRACE_MS).unref();
  });
}

// The reader went away (`loom ask … | head -1`): it has what it wanted, so leave quietly
// instead of dying on EPIPE with a stack trace. Any other failure to write the answer (a full
// disk, `> /dev/full`, EIO) is one line and exit 1 (`output_error`): the answer was not delivered.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  const reason = error.code === 'ENOSPC' ? 'no space left on the device' : error.code === 'EIO' ? 'input/output error' : error.message;
  try {
    process.stderr.write(`loom: error: cannot write the output: ${reason}\n`);
  } finally {
    process.exit(1);
  }
});

// process.stdin and process.stderr are created on first use, and creating one costs a millisecond
// or two: `loom --help` needs neither.
let stderrUsed = false;

// Bundled as CommonJS (see scripts/build.mjs): no top-level await here.
void runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  get stderr() {
    stderrUsed = true;
    return process.stderr;
  },
  signal: controller.signal,
}).then((code) => {
  // Commands report any interruption as 130; the signal that caused it decides the code.
  const exitCode = stoppedBy !== undefined && code === SIGNAL_EXIT_CODES.SIGINT ? SIGNAL_EXIT_CODES[stoppedBy] : code;
  // Exit as soon as the output has been handed to the OS, instead of waiting for idle sockets.
  const exit = () => process.exit(exitCode);
  process.stdout.write('', () => (stderrUsed ? process.stderr.write('', exit) : exit()));
});
