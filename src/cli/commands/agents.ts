import { isLoomError } from '../../core/errors.js';
import { discoverAgents, readAgent, type LoadedAgent, type LoadedProject } from '../../config/load.js';
import { resolveSelection } from '../../config/resolve-settings.js';
import { openProject } from '../project.js';
import { formatTable } from '../../output/table.js';
import type { CommandContext, CommandFunction } from '../context.js';

export interface AgentListing {
  name: string;
  description: string | null;
  /** What a run of the agent would use, inherited values included; null only where nothing sets one. */
  provider: string | null;
  model: string | null;
  tools: string[] | null;
  /** Why the agent cannot run (an unreadable or invalid config); null for a sound agent. */
  problem: string | null;
}

/** The provider and model a run of `agent` would use, or nulls where that cannot be known (no key for `auto`). */
function selection(ctx: CommandContext, project: LoadedProject, agent: LoadedAgent): { provider: string | null; model: string | null } {
  try {
    const chosen = resolveSelection(project, agent, {}, ctx.env);
    return { provider: chosen.resolved.name, model: chosen.model.value || null };
  } catch {
    return { provider: agent.config.provider ?? null, model: agent.config.model ?? null };
  }
}

const agents: CommandFunction = async (ctx, _args, options) => {
  const project = await openProject(ctx);
  const listings: AgentListing[] = [];
  for (const file of await discoverAgents(project.agentsDir)) {
    try {
      const agent = await readAgent(project, file, ctx.cwd);
      listings.push({ name: file.name, description: agent.config.description ?? null, ...selection(ctx, project, agent), tools: agent.config.tools ?? null, problem: null });
    } catch (error) {
      // One broken agent must not hide the others, nor fail the listing; validate tells the whole story.
      if (!isLoomError(error)) throw error;
      listings.push({ name: file.name, description: null, provider: null, model: null, tools: null, problem: error.message });
    }
  }

  if (options.json) {
    ctx.io.json(listings);
    return;
  }
  if (listings.length === 0) {
    ctx.io.notice('no agents found; `loom init` creates one');
    return;
  }
  const rows = listings.map((agent) => [
    agent.name,
    agent.problem ? `(broken: ${agent.problem})` : (agent.description ?? ''),
    agent.provider ?? '',
    agent.model ?? '',
    agent.tools?.join(', ') ?? '',
  ]);
  ctx.io.out(formatTable(['NAME', 'DESCRIPTION', 'PROVIDER', 'MODEL', 'TOOLS'], rows, ctx.io.color.out.bold));
  if (listings.some((agent) => agent.problem)) ctx.io.notice('run `loom config validate` to see every problem');
};

export default agents;
