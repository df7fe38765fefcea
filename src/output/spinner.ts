import type { Io } from './io.js';

export interface Spinner {
  text(text: string): void;
  stop(): void;
  /** Spins again after a stop (the model answered, then asked for a tool). */
  resume(text: string): void;
}

const NO_SPINNER: Spinner = { text() {}, stop() {}, resume() {} };

/**
 * An ora spinner on stderr while Loom waits, only when stderr is a TTY and neither --quiet,
 * --json nor CI is set. ora is imported only then, so piped runs never load it.
 */
export async function startSpinner(io: Io, text: string, options: { json: boolean; env: Readonly<Record<string, string | undefined>> }): Promise<Spinner> {
  if (!io.stderrIsTTY || io.quiet || options.json || options.env.CI) return NO_SPINNER;
  // A terminal that reports 0 columns (a pty nobody sized: `script`, some CI and editor shells)
  // makes ora count Infinity lines to clear and loop for ever: no spinner there.
  if ((io.options.stderr as { columns?: number }).columns === 0) return NO_SPINNER;
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: io.options.stderr as NodeJS.WritableStream, discardStdin: false, color: 'cyan', isEnabled: true }).start();
  let stopped = false;
  return {
    text(next) {
      if (!stopped) spinner.text = next;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      spinner.stop();
    },
    resume(next) {
      spinner.text = next;
      if (!stopped) return;
      stopped = false;
      spinner.start();
    },
  };
}
