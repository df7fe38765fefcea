import { Command, InvalidArgumentError, Option, type OutputConfiguration } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { didYouMean } from '../config/did-you-mean.js';
import { LoomError } from '../core/errors.js';
import type { CommandFunction } from './context.js';

/** Flags every command accepts (CONTRACT §3). */
export interface GlobalOptions {
  config?: string;
  quiet?: boolean;
  verbose?: boolean;
  debug?: boolean;
  /** false under `--no-color`. */
  color: boolean;
}

/** The command names the program dispatches; each has a lazily imported module. */
export type CommandName = 'ask' | 'run' | 'agents' | 'config validate' | 'config show' | 'providers' | 'logs' | 'init' | 'test' | 'batch';

/** A command's module, imported only when that command runs (scripts/build.mjs bundles each one found here). */
export type CommandLoader = () => Promise<{ default: CommandFunction }>;

/** Called once the arguments parse: the command, its module, its positional arguments and all its options. */
export type Dispatch = (command: CommandName, load: CommandLoader, args: string[], options: Record<string, unknown> & GlobalOptions) => Promise<void>;

/** Where commander's usage errors go, with the command they are about (`run`, `config show`), so the hint can point at its --help. */
export interface ProgramOutput extends Omit<OutputConfiguration, 'outputError'> {
  outputError?: (text: string, command: string) => void;
}

/** `loom <name>` (or `loom config <name>`) that is no command: exit 2 with a did-you-mean. */
function unknownCommand(name: string, parent: Command): LoomError {
  const path = commandPath(parent);
  const names = parent.commands.map((command) => command.name());
  const suggestion = didYouMean(name, names);
  const see = `see \`${path} --help\``;
  return new LoomError('usage', `unknown command "${[path.replace(/^loom ?/, ''), name].filter(Boolean).join(' ')}"`, {
    hint: suggestion ? `did you mean "${suggestion}"? ${see}` : see,
  });
}

/** `loom`, `loom config`, `loom config show`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/**
 * A command with subcommands, run on its own (`loom`, `loom config`): its help on stdout, exit 0;
 * with a word that names no subcommand: an unknown-command error.
 */
function helpOrUnknown(command: Command): Command {
  return command
    .argument('[command]')
    .usage('[options] [command]')
    .allowExcessArguments()
    .action(function (this: Command, name: string | undefined) {
      if (name === undefined) {
        this.outputHelp();
        return;
      }
      throw unknownCommand(name, this);
    });
}

/**
 * Commander wiring only: names, flags, help. Parsing argv runs nothing but `dispatch`, so the
 * whole surface can be tested as a table of argv → options.
 */
export function createProgram(dispatch: Dispatch, programOutput: ProgramOutput = {}): Command {
  const { outputError, ...output } = programOutput;
  const program = new Command('loom')
    // Set before the subcommands are added, which copy these settings when created: parsing
    // errors throw (main turns them into exit 2) instead of calling process.exit.
    .exitOverride()
    .configureOutput(output)
    .description('Run LLM agents and prompts kept as plain files in your repository.')
    .version(pkg.version, '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--config <path>', 'use this project config instead of searching for loom.config.json')
    .option('--quiet', 'print nothing but the answer and errors')
    .option('--verbose', 'print more about what happens')
    .option('--debug', 'print stack traces for errors')
    .option('--no-color', 'never print colours (NO_COLOR and FORCE_COLOR are honoured too)')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .helpCommand(false);
  helpOrUnknown(program);

  // Each command is registered here once: its name, flags, help and the module that runs it.
  const action = (name: CommandName, load: CommandLoader) =>
    async function (this: Command, ...params: unknown[]) {
      // Commander passes positional arguments first, then the options object and the command.
      const args = params.slice(0, -2).flatMap((value) => (value === undefined ? [] : Array.isArray(value) ? value : [String(value)]));
      await dispatch(name, load, args as string[], this.optsWithGlobals());
    };

  const ask = program
    .command('ask')
    .description('send a one-off prompt; stdin, when piped, is appended after a blank line')
    .argument('[prompt...]', 'the prompt')
    .option('-p, --provider <name>', 'provider to use (a configured name, a built-in or an alias)', nonEmpty('-p'))
    .option('-m, --model <name>', 'model to use', nonEmpty('-m'))
    .option('-s, --system <text>', 'system prompt')
    .option('--temperature <number>', 'sampling temperature', parseNumber('--temperature', 0, 2))
    .option('--max-tokens <count>', 'most tokens the answer may have', parseInteger('--max-tokens', 1))
    .option('--schema <file>', 'JSON Schema file the answer must satisfy (structured output)')
    .addOption(new Option('--json', 'print one JSON document when done').conflicts('jsonl'))
    .option('--jsonl', 'print one JSON event per line as things happen')
    .option('--no-stream', 'make a non-streaming request; print the answer when complete')
    .option('--dry-run', 'print the resolved request as JSON and send nothing');
  fixtureFlags(ask).action(action('ask', () => import('./commands/ask.js')));

  const run = program
    .command('run')
    .description('run an agent; input from the arguments, else --input, else stdin')
    .argument('<agent>', 'agent name (a folder under agents/)')
    .argument('[input...]', "the run's input")
    .option('--input <file>', 'read the input from a file (- reads stdin)')
    .option('--var <name=value>', 'set a template variable (repeatable; name=@file reads a file)', collect, [])
    .option('-p, --provider <name>', "provider to use instead of the agent's", nonEmpty('-p'))
    .option('-m, --model <name>', "model to use instead of the agent's", nonEmpty('-m'))
    .option('-s, --system <text>', "system prompt instead of the agent's")
    .option('--temperature <number>', 'sampling temperature', parseNumber('--temperature', 0, 2))
    .option('--max-tokens <count>', 'most tokens each answer may have', parseInteger('--max-tokens', 1))
    .addOption(new Option('--json', 'print one JSON document when done').conflicts('jsonl'))
    .option('--jsonl', 'print one JSON event per line as things happen')
    .option('--no-stream', 'make non-streaming requests; print the answer when complete')
    .option('--max-steps <count>', 'most model turns', parseInteger('--max-steps', 1))
    .option('--max-cost <usd>', 'stop the run before it spends more than this', parseNumber('--max-cost', 0))
    .option('--yes', 'approve tool calls that need approval (write_file, run_command)')
    .option('--workspace <dir>', 'the folder file tools are confined to (default: the project folder)')
    .option('--dry-run', 'print the resolved request as JSON and send nothing');
  fixtureFlags(run).action(action('run', () => import('./commands/run.js')));

  program
    .command('agents')
    .description('list the agents: name, description, provider, model, tools')
    .option('--json', 'print a JSON array')
    .action(action('agents', () => import('./commands/agents.js')));

  const config = helpOrUnknown(program.command('config').description('check and show the configuration'));
  config
    .command('validate')
    .description('validate the project config and every agent; exit 1 if problems are found')
    .option('--json', 'print the report as JSON')
    .option('--no-keys', 'do not check that API keys are set')
    .action(action('config validate', () => import('./commands/config-validate.js')));
  config
    .command('show')
    .description('show the resolved configuration and where each value came from (secrets redacted)')
    .option('--agent <name>', "resolve for this agent's runs")
    .option('--json', 'print JSON')
    .action(action('config show', () => import('./commands/config-show.js')));

  program
    .command('providers')
    .description('list providers: type, model, base URL, whether the key is set and from where')
    .argument('[names...]', 'with --check: also probe these providers')
    .option('--check', 'send one minimal request to each provider the project uses')
    .option('--json', 'print a JSON array')
    .action(action('providers', () => import('./commands/providers.js')));

  program
    .command('logs')
    .description('show recent runs from the run log')
    .option('-n, --count <count>', 'how many runs', parseInteger('-n', 1), 10)
    .option('--json', 'print a JSON array, newest last')
    .action(action('logs', () => import('./commands/logs.js')));

  program
    .command('init')
    .description('scaffold loom.config.json, agents/hello/ and the .gitignore line; never overwrites')
    .action(action('init', () => import('./commands/init.js')));

  const test = program
    .command('test')
    .description("run the agents' test cases (agents/<name>/tests.json); --replay by default when CI is set, else --record")
    .argument('[agents...]', 'the agents to test (default: every agent with tests)')
    .option('--prune', "with --record or --rerecord: delete the tested agents' fixtures no test used")
    .option('--filter <regex>', 'run only the tests whose name matches', nonEmpty('--filter'))
    .option('--concurrency <count>', 'how many runs at once', parseInteger('--concurrency', 1), 4)
    .option('--repeat <count>', 'run each test this many times', parseInteger('--repeat', 1))
    .option('--pass-rate <share>', 'with --repeat: the share of runs of a test that must pass (default 1)', parseNumber('--pass-rate', 0, 1))
    .option('--yes', 'approve tool calls that need approval (write_file, run_command)')
    .option('--json', 'print one JSON document when done')
    .option('--junit <file>', 'also write a JUnit XML report to this file');
  fixtureFlags(test, ['--cache']).action(action('test', () => import('./commands/test.js')));

  const batch = program
    .command('batch')
    .description('run an agent over many inputs (JSON lines); results as JSON lines as each finishes')
    .argument('<agent>', 'agent name (a folder under agents/)')
    .requiredOption('--input <file>', 'the items: one JSON object of variables or one JSON string per line (- reads stdin)')
    .option('--output <file>', 'write the results here (default: stdout); never overwritten without --resume or --force')
    .option('--concurrency <count>', "items at once (default: the provider's limits.concurrency, else 4)", parseInteger('--concurrency', 1))
    .option('--shard <i/n>', 'run only the items whose index % n == i - 1')
    .option('--resume', 'run only the items --output has no line for yet')
    .option('--retry-errors', 'with --resume: also run again the items whose line is ok: false')
    .option('--force', 'start afresh: empty an --output that holds results')
    .option('--max-cost <usd>', 'start no item once the batch would spend more than this', parseNumber('--max-cost', 0))
    .option('--var <name=value>', 'a template variable for every item (an item sets its own over it; name=@file reads a file)', collect, [])
    .option('-p, --provider <name>', "provider to use instead of the agent's", nonEmpty('-p'))
    .option('-m, --model <name>', "model to use instead of the agent's", nonEmpty('-m'))
    .option('--max-steps <count>', 'most model turns per item', parseInteger('--max-steps', 1))
    .option('--yes', 'approve tool calls that need approval (write_file, run_command)');
  fixtureFlags(batch).action(action('batch', () => import('./commands/batch.js')));

  program
    .command('help')
    .description('show help for a command (the same as `loom <command> --help`)')
    .argument('[command...]', 'the command, e.g. `run` or `config validate`')
    .action((words: string[]) => {
      let command: Command = program;
      for (const word of words) {
        const next = command.commands.find((sub) => sub.name() === word && sub.name() !== 'help');
        if (!next) {
          const error = unknownCommand(word, command);
          throw new LoomError('usage', `unknown help topic "${words.join(' ')}"`, { hint: error.hint });
        }
        command = next;
      }
      command.outputHelp();
    });

  // Each command's usage errors name it, so the hint points at its own --help.
  const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
  for (const command of all(program)) {
    command.configureOutput({ ...command.configureOutput(), outputError: (text: string) => outputError?.(text, commandPath(command)) });
  }
  return program;
}

/** The fixture modes of CONTRACT §12, at most one of them; LOOM_FIXTURES applies when none is given. */
const FIXTURE_FLAGS = [
  ['--replay', 'serve every model call from the fixtures folder; send nothing, need no key (a call with no fixture fails)'],
  ['--record', 'serve calls that have a fixture; make the others live and record them'],
  ['--rerecord', 'make every call live and (re)write its fixture'],
  ['--cache', 'like --record, into .loom/cache/ (local, not for committing)'],
] as const;

function fixtureFlags(command: Command, without: readonly string[] = []): Command {
  const flags = FIXTURE_FLAGS.filter(([flag]) => !without.includes(flag));
  for (const [flag, description] of flags) {
    const others = flags.map(([other]) => other.slice(2)).filter((other) => other !== flag.slice(2));
    command.addOption(new Option(flag, description).conflicts(others));
  }
  return command;
}

/** A name that may not be empty: `-p ""` would otherwise quietly mean "the default". */
function nonEmpty(flag: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag} takes a name, not an empty string`);
    return value;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseNumber(flag: string, min: number, max = Infinity) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
      throw new InvalidArgumentError(`${flag} takes a number${max === Infinity ? ` ≥ ${min}` : ` from ${min} to ${max}`}`);
    }
    return number;
  };
}

function parseInteger(flag: string, min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) throw new InvalidArgumentError(`${flag} takes a whole number ≥ ${min}`);
    return number;
  };
}
