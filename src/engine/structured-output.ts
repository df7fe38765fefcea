import type { ValidateFunction } from 'ajv';
import { OUTPUT_SCHEMA_AJV_OPTIONS } from '../core/output-schema.js';

export type OutputCheck = { ok: true; value: unknown } | { ok: false; errors: string[] };

/**
 * Checks a final answer against the run's `output.schema` (CONTRACT §7): the text must be JSON
 * (a fenced ```json block is accepted, since models add one even when asked not to) and satisfy
 * the schema. ajv is loaded only for runs that have a schema.
 */
export class OutputValidator {
  private constructor(private readonly validate: ValidateFunction) {}

  static async create(schema: Record<string, unknown>): Promise<OutputValidator> {
    // From the bundle, on first use; CommonJS packages arrive as their `default` export there.
    const [ajvModule, formatsModule] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats/dist/formats.js')]);
    const { Ajv2020 } = cjs(ajvModule);
    const { fullFormats } = cjs(formatsModule);
    // `config validate` checked the schema against the meta-schema; compiling that again costs ~20 ms.
    const ajv = new Ajv2020({ ...OUTPUT_SCHEMA_AJV_OPTIONS, allErrors: true, formats: fullFormats as never, logger: false, meta: false, validateSchema: false });
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

function cjs<T extends object>(module: T): T {
  return 'default' in module && module.default ? (module.default as T) : module;
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
