import { isLoomError } from '../../errors.js';
import { discoverAgents, readAgent } from '../../config/load.js';
import { openProject } from '../project.js';
import { formatTable } from '../../output/table.js';
import type { CommandFunction } from '../context.js';

export interface AgentListing {
  name: string;
  description: string | null;
  provider: string | null;
  model: string | null;
  tools: string[] | null;
}

const agents: CommandFunction = async (ctx, _args, options) => {
  const project = await openProject(ctx);
  const listings: AgentListing[] = [];
  for (const file of await discoverAgents(project.agentsDir)) {
    try {
      const { config } = await readAgent(project, file, ctx.cwd);
      listings.push({
        name: file.name,
        description: config.description ?? null,
        provider: config.provider ?? null,
        model: config.model ?? null,
        tools: config.tools ?? null,
      });
    } catch (error) {
      // One broken agent must not hide the others; validate tells the whole story.
      if (!isLoomError(error)) throw error;
      ctx.io.warn(`${error.message} (skipped; run \`loom config validate\`)`);
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
  const fallbackProvider = project.config.defaultProvider ?? 'auto';
  const rows = listings.map((agent) => [
    agent.name,
    agent.description ?? '',
    agent.provider ?? `(${fallbackProvider})`,
    agent.model ?? '',
    agent.tools?.join(', ') ?? '',
  ]);
  ctx.io.out(formatTable(['NAME', 'DESCRIPTION', 'PROVIDER', 'MODEL', 'TOOLS'], rows, ctx.io.color.out.bold));
};

export default agents;
