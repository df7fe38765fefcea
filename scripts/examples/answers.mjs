/**
 * What the stand-in for the Anthropic API answers the example agents' test cases: one scripted
 * reply per request, chosen by what the request asks. The replies are written the way a capable
 * model answers these prompts; they are not a real model's output (see README, "loom test").
 */

const REVIEWED = {
  'agents/review/testdata/users.ts': [
    {
      file: 'agents/review/testdata/users.ts',
      line: 5,
      severity: 'error',
      message: 'SQL injection: `name` comes from the search box and is interpolated into the query. Pass it as a parameter (`WHERE name = $1`, `[name]`).',
    },
    {
      file: 'agents/review/testdata/users.ts',
      line: 6,
      severity: 'warning',
      message: 'Returns undefined when no user matches, which the return type does not say; return null or throw.',
    },
  ],
  'agents/review/testdata/clean.ts': [],
};

const SUMMARY = [
  '- Acme API 2.0 was released on 12 March 2026; the v1 endpoints are removed and answer 410 Gone.',
  '- The rate limit doubles to 600 requests per minute per key, shown in `x-ratelimit-limit`.',
  '- Webhooks are signed with HMAC-SHA256 (`acme-signature`); unsigned webhooks stop on 1 June 2026.',
  '- `GET /orders` pages with a cursor (`?after=`); `?page=` is ignored.',
  '- Upgrade to the Python SDK 4.0 or the Node SDK 6.0: older SDKs call v1 and will fail.',
].join('\n');

const COMMIT = [
  'fix(auth): compare session expiry in milliseconds',
  '',
  'expiresAt is in seconds and was compared with now / 1000, so a session',
  'stayed valid for its whole last second. Compare in milliseconds and treat',
  'the expiry instant itself as expired.',
].join('\n');

const textOf = (content) => (typeof content === 'string' ? content : content.map((block) => block.text ?? '').join(''));

/** The reply to one Messages API request body: content blocks and a stop reason, or null (a 400). */
export function answer(body) {
  const first = textOf(body.messages[0].content);
  const toolResults = body.messages.flatMap((message) => (typeof message.content === 'string' ? [] : message.content.filter((block) => block.type === 'tool_result')));
  if (first.includes('<rubric>')) {
    return text(JSON.stringify({ pass: true, score: 0.9, reason: 'Each bullet restates the document; it says v1 is removed (410 Gone) and that unsigned webhooks stop on 1 June 2026.' }));
  }
  if (first.includes('Say hello to Ada')) return text('Hello, Ada — it is good to see you!');
  const reviewed = Object.keys(REVIEWED).find((path) => first.includes(path));
  if (reviewed) {
    if (toolResults.length === 0) return { content: [{ type: 'text', text: `I'll read ${reviewed} first.` }, { type: 'tool_use', id: 'toolu_stand_in_1', name: 'read_file', input: { path: reviewed } }], stop_reason: 'tool_use' };
    return text(JSON.stringify({ findings: REVIEWED[reviewed] }));
  }
  if (first.includes('<document>')) return text(SUMMARY);
  if (first.includes('commit message')) return text(COMMIT);
  return null;
}

const text = (value) => ({ content: [{ type: 'text', text: value }], stop_reason: 'end_turn' });
