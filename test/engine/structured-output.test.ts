import { describe, expect, it } from 'vitest';
import { OutputValidator, repairPrompt } from '../../src/engine/structured-output.js';

const schema = { type: 'object', required: ['findings'], additionalProperties: false, properties: { findings: { type: 'array', items: { type: 'object', required: ['line'], properties: { line: { type: 'integer', minimum: 1 } } } } } };

describe('structured output', () => {
  it('accepts valid JSON, also inside a ```json fence', async () => {
    const validator = await OutputValidator.create(schema);
    expect(validator.check('{"findings":[{"line":3}]}')).toEqual({ ok: true, value: { findings: [{ line: 3 }] } });
    expect(validator.check('```json\n{"findings":[]}\n```')).toEqual({ ok: true, value: { findings: [] } });
  });

  it('reports every schema error, and text that is not JSON', async () => {
    const validator = await OutputValidator.create(schema);
    expect(validator.check('{"findings":[{"line":0}],"extra":1}')).toEqual({ ok: false, errors: ['/: must NOT have additional properties', '/findings/0/line: must be >= 1'] });
    const notJson = validator.check('Here are the findings: none');
    expect(notJson.ok).toBe(false);
    expect(!notJson.ok && notJson.errors[0]).toMatch(/^the answer is not JSON/);
  });

  it('the repair prompt shows the model its errors', () => {
    expect(repairPrompt(['/a: must be string'])).toBe('Your answer does not match the required JSON Schema:\n- /a: must be string\nReply again with only the corrected JSON value: no prose, no code fence.');
  });
});
