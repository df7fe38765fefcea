/**
 * What the model reads of an MCP tool: a call's result as text (text parts joined, other parts
 * described, redacted before it is cut so a cut never leaves part of a secret), and a tool's
 * input schema as providers accept it.
 */
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { LIMITS } from '../limits.js';

/** Text for the model from a tool result: text parts joined, other parts described. */
export function formatContent(result: CallToolResult, redact: (text: string) => string = (text) => text): string {
  const parts: string[] = [];
  for (const item of result.content ?? []) {
    switch (item.type) {
      case 'text':
        parts.push(item.text);
        break;
      case 'image':
      case 'audio':
        parts.push(`[${item.type}: ${item.mimeType}, ${Math.floor((item.data.length * 3) / 4)} bytes, not shown]`);
        break;
      case 'resource': {
        const resource = item.resource as { uri: string; mimeType?: string; text?: string };
        parts.push(typeof resource.text === 'string' ? `[resource ${resource.uri}]\n${resource.text}` : `[resource ${resource.uri}${resource.mimeType ? ` (${resource.mimeType})` : ''}, binary, not shown]`);
        break;
      }
      case 'resource_link':
        parts.push(`[resource link: ${item.uri}${item.name ? ` (${item.name})` : ''}]`);
        break;
      default:
        parts.push(`[${(item as { type: string }).type} content, not shown]`);
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  let text = redact(parts.join('\n'));
  if (text.length > LIMITS.mcpOutputChars) {
    text = `${text.slice(0, LIMITS.mcpOutputChars)}\n[the result is ${text.length} characters; only the first ${LIMITS.mcpOutputChars} are shown]`;
  }
  return text === '' ? (result.isError ? 'the tool failed without a message' : '(no output)') : text;
}

/** The tool's input schema without `$schema`, which some providers' schema subsets reject. */
export function withoutSchemaKeyword(schema: McpTool['inputSchema']): Record<string, unknown> {
  const { $schema: _drop, ...rest } = schema as Record<string, unknown>;
  return rest;
}
