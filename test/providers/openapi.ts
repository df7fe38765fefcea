/**
 * Checks a Chat Completions request body against OpenAI's published schema for it
 * (fixtures/openai-chat-request.schema.json, cut from shared/specs/openai/openapi.json): every
 * top-level field must be one the spec names, and the whole body must validate.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

/** OpenAPI 3.0's `nullable: true` in JSON Schema terms: `null` is allowed too. */
function denullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(denullable);
  if (!node || typeof node !== 'object') return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, denullable(v)]));
  if (nullable !== true) return out;
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  if (Array.isArray(out.type)) return { ...out, type: [...out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

const schema = denullable(JSON.parse(readFileSync(new URL('./fixtures/openai-chat-request.schema.json', import.meta.url), 'utf8'))) as Record<string, unknown>;

// OpenAPI keeps a few other extras (`discriminator`, `x-*`); strict mode off lets ajv skip them.
const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);

type Node = { $ref?: string; allOf?: Node[]; properties?: object };

function topLevelFields(): Set<string> {
  const defs = schema.$defs as Record<string, Node>;
  const names = new Set<string>();
  const visit = (node: Node | undefined): void => {
    if (!node) return;
    if (node.$ref) visit(defs[node.$ref.replace('#/$defs/', '')]);
    for (const name of Object.keys(node.properties ?? {})) names.add(name);
    for (const part of node.allOf ?? []) visit(part);
  };
  visit(defs.CreateChatCompletionRequest);
  return names;
}

const FIELDS = topLevelFields();

/** Problems found; [] when the body is valid. */
export function validateChatCompletionRequest(body: unknown): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(body as object)) if (!FIELDS.has(key)) problems.push(`unknown top-level field "${key}"`);
  if (!validate(body)) {
    for (const error of validate.errors ?? []) problems.push(`${error.instancePath || '/'} ${error.message}`);
  }
  return problems;
}
