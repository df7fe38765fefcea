#!/usr/bin/env node
/**
 * Re-records the example agents' fixtures (loom-fixtures/) without a key or the network:
 * `loom test --rerecord --prune` runs as a user would run it, while a preload (stand-in.cjs)
 * sends its Anthropic requests to a local server that answers as answers.mjs scripts. To record
 * the examples against the real API instead: `ANTHROPIC_API_KEY=… npx loom test --rerecord --prune`.
 *
 *   node scripts/examples/record.mjs
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answer } from './answers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
let served = 0;

const server = http.createServer((request, response) => {
  let raw = '';
  request.on('data', (chunk) => (raw += chunk));
  request.on('end', () => {
    const body = JSON.parse(raw);
    const reply = request.url.startsWith('/v1/messages') ? answer(body) : null;
    if (!reply) {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'the stand-in has no answer for this request' } }));
      return;
    }
    served += 1;
    const output = JSON.stringify(reply.content);
    const message = {
      id: `msg_stand_in_${served}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: reply.content,
      stop_reason: reply.stop_reason,
      stop_sequence: null,
      // Roughly four characters a token, as the real counts would be: the recorded costs look like real ones.
      usage: { input_tokens: Math.ceil(raw.length / 4), output_tokens: Math.ceil(output.length / 4), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    response.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_stand_in_${served}` });
    response.end(JSON.stringify(message));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const env = { ...process.env, ANTHROPIC_API_KEY: 'stand-in-key', LOOM_STAND_IN: `http://127.0.0.1:${server.address().port}`, NODE_OPTIONS: `--require ${join(here, 'stand-in.cjs')}` };
// Nothing else may decide the provider or the mode: `auto` must pick Anthropic, at its default endpoint.
for (const name of ['OPENAI_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'ANTHROPIC_BASE_URL', 'OPENAI_BASE_URL', 'LOOM_FIXTURES', 'CI', 'GITHUB_ACTIONS']) delete env[name];
// Not spawnSync: the stand-in answers from this process's event loop.
const loom = spawn(process.execPath, [join(root, 'bin', 'loom'), 'test', '--rerecord', '--prune', ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
const [code] = await once(loom, 'exit');
server.close();
console.error(`record: the stand-in answered ${served} requests`);
process.exit(code ?? 1);
