import { resolve } from 'node:path';
import { agentSecrets } from '../../config/config-secrets.js';
import { loadAgent } from '../../config/load.js';
import type { CommandFunction } from '../context.js';
import { executeRun, failBeforeRun, fixtureMode, outputMode, sharedRunFlags } from '../execute-run.js';
import { parseVars, runInput } from '../input.js';
import { openProject } from '../project.js';

/** `loom run <agent> [input...]`: input from the arguments (piped stdin appended), else --input, else stdin. */
const run: CommandFunction = async (ctx, args, options) => {
  const [name = '', ...inputWords] = args;
  let prepared;
  try {
    const project = await openProject(ctx);
    const agent = await loadAgent(project, name, ctx.cwd);
    for (const value of agentSecrets(agent.raw, project.env)) ctx.io.secrets.add(value);
    const vars = await parseVars(ctx, (options.var as string[] | undefined) ?? []);
    const input = await runInput(ctx, inputWords, typeof options.input === 'string' ? options.input : undefined);
    prepared = { project, agent, vars, input, fixtures: fixtureMode(ctx, options) };
  } catch (error) {
    failBeforeRun(ctx, outputMode(options), name, error);
  }
  const { project, agent, vars, input, fixtures } = prepared;
  return executeRun(
    ctx,
    project,
    agent,
    {
      ...sharedRunFlags(options),
      vars,
      input,
      maxSteps: options.maxSteps as number | undefined,
      maxCost: options.maxCost as number | undefined,
      workspace: typeof options.workspace === 'string' ? resolve(ctx.cwd, options.workspace) : undefined,
    },
    { mode: outputMode(options), dryRun: options.dryRun === true, yes: options.yes === true, fixtures },
  );
};

export default run;
