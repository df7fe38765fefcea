import type { CommandFunction } from '../context.js';
import { executeRun, failBeforeRun, fixtureMode, outputMode, sharedRunFlags } from '../execute-run.js';
import { readSchemaFile, readStdin } from '../input.js';
import { openProject } from '../project.js';

/** `loom ask [prompt...]`: the prompt from the arguments, piped stdin appended after a blank line. */
const ask: CommandFunction = async (ctx, args, options) => {
  let prepared;
  try {
    const project = await openProject(ctx);
    const prompt = args.join(' ').trim();
    const stdin = await readStdin(ctx);
    const input = [prompt, stdin?.trimEnd()].filter((part): part is string => Boolean(part)).join('\n\n') || null;
    const schema = typeof options.schema === 'string' ? await readSchemaFile(ctx, options.schema) : undefined;
    prepared = { project, input, schema, fixtures: fixtureMode(ctx, options) };
  } catch (error) {
    failBeforeRun(ctx, outputMode(options), null, error);
  }
  const { project, input, schema, fixtures } = prepared;
  return executeRun(
    ctx,
    project,
    undefined,
    { ...sharedRunFlags(options), schema, vars: {}, input },
    { mode: outputMode(options), dryRun: options.dryRun === true, fixtures },
  );
};

export default ask;
