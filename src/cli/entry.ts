import { runCli } from './main.js';

const controller = new AbortController();
// The first Ctrl-C aborts the run (commands keep what was printed and exit 130); a second one
// leaves at once, for a run that does not stop.
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

const exitCode = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});

// Exit as soon as the output has been handed to the OS, instead of waiting for idle sockets.
process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)));
