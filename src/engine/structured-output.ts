import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { OUTPUT_SCHEMA_AJV_OPTIONS } from '../config/json-schema-check.js';

// ajv and ajv-formats are CommonJS; require() at first use keeps them out of every other run.
const requireCjs = createRequire(import.meta.url);

export type OutputCheck = { ok: true; value: unknown } | { ok: false; errors: string[] };

/**
 * Checks a final answer against the run's `output.schema` (CONTRACT §7): the text must be JSON
 * (a fenced ```json block is accepted, since models add one even when asked not to) and satisfy
 * the schema. ajv is loaded only for runs that have a schema.
 */
export class OutputValidator {
  private constructor(private readonly validate: ValidateFunction) {}

  static create(schema: Record<string, unknown>): OutputValidator {
    const { Ajv2020 } = requireCjs('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    const { fullFormats } = requireCjs('ajv-formats/dist/formats.js') as typeof import('ajv-formats/dist/formats.js');
    const ajv = new Ajv2020({ ...OUTPUT_SCHEMA_AJV_OPTIONS, allErrors: true, formats: fullFormats as never, logger: false });
    return new OutputValidator(ajv.compile(schema));
  }

  check(text: string): OutputCheck {
    let value: unknown;
    try {
      value = JSON.parse(stripFence(text));
    } catch (error) {
      return { ok: false, errors: [`the answer is not JSON (${error instanceof Error ? error.message : String(error)})`] };
    }
    if (this.validate(value)) return { ok: true, value };
    const errors = (this.validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? 'is invalid'}`);
    return { ok: false, errors: [...new Set(errors)] };
  }
}

function stripFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return (fenced?.[1] ?? text).trim();
}

/** The user turn of the one repair attempt: the model sees exactly what was wrong. */
export function repairPrompt(errors: readonly string[]): string {
  return [
    'Your answer does not match the required JSON Schema:',
    ...errors.map((error) => `- ${error}`),
    'Reply again with only the corrected JSON value: no prose, no code fence.',
  ].join('\n');
}
