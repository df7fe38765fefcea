import { describe, expect, it } from 'vitest';
import { OutputValidator } from '../../src/engine/structured-output.js';
import { sampleFromSchema } from '../../src/providers/mock/sample-from-schema.js';

describe("the mock's answer to a structured request", () => {
  const review = {
    type: 'object',
    additionalProperties: false,
    required: ['findings'],
    properties: {
      findings: { type: 'array', minItems: 1, items: { type: 'object', required: ['file', 'line', 'severity'], properties: { file: { type: 'string' }, line: { type: 'integer', minimum: 1 }, severity: { enum: ['error', 'warning'] } } } },
      note: { type: 'string' },
    },
  };

  it('is the smallest value the schema accepts', () => {
    expect(sampleFromSchema(review)).toEqual({ findings: [{ file: 'mock', line: 1, severity: 'error' }] });
    expect(sampleFromSchema({ type: 'object', properties: { a: { type: 'boolean' }, b: { const: 7 } } })).toEqual({ a: false, b: 7 });
    expect(sampleFromSchema({ type: ['number', 'null'], exclusiveMinimum: 2 })).toBe(3);
  });

  it('passes the validation a real run applies', async () => {
    for (const schema of [review, { type: 'object', properties: { summary: { type: 'string', minLength: 3 } }, required: ['summary'] }, { type: 'array', items: { type: 'string' } }]) {
      expect((await OutputValidator.create(schema)).check(JSON.stringify(sampleFromSchema(schema))).ok).toBe(true);
    }
  });
});
