/** Which branch of a `oneOf`/`anyOf` the messages speak of (schema-branches.ts), on schemas other than Loom's own. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { describeSchemaErrors } from '../../../src/config/validate/schema-errors.js';

describe('describeSchemaErrors on other oneOf/anyOf shapes', () => {
  const issues = (schema: object, data: unknown) => {
    const ajv = new Ajv2020({ allErrors: true, verbose: true });
    const validate = ajv.compile(schema);
    expect(validate(data)).toBe(false);
    return describeSchemaErrors(validate.errors ?? []).map(({ pointer, message }) => `${pointer}: ${message}`);
  };

  it('a value no branch admits: one message naming the types', () => {
    expect(issues({ properties: { a: { anyOf: [{ type: 'string' }, { type: 'number' }] } } }, { a: true })).toEqual([
      '/a: must be a string or a number (got a boolean)',
    ]);
  });

  it('a value matching several branches of a oneOf is still reported', () => {
    expect(issues({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1)).toEqual([': matches more than one of the allowed forms']);
  });

  it('the branch with the matching declared type is the one reported', () => {
    expect(issues({ oneOf: [{ type: 'string', minLength: 3 }, { type: 'array', minItems: 2 }] }, ['x'])).toEqual([
      ': must have at least 2 items',
    ]);
  });
});
