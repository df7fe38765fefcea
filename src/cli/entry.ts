import { runCli } from './main.js';

const controller = new AbortController();
// The first Ctrl-C aborts the run (commands keep what was printed and exit 130); a second one
// leaves at once, for a run that does not stop.
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

// The reader went away (`loom ask … | head -1`): it has what it wanted, so leave quietly
// instead of dying on EPIPE with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
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
}).then((exitCode) => {
  // Exit as soon as the output has been handed to the OS, instead of waiting for idle sockets.
  const exit = () => process.exit(exitCode);
  process.stdout.write('', () => (stderrUsed ? process.stderr.write('', exit) : exit()));
});
