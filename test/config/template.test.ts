import { describe, expect, it } from 'vitest';
import { renderTemplate, templateVariables } from '../../src/config/template.js';
import { LoomError } from '../../src/core/errors.js';

describe('templates', () => {
  it('fills {{name}} verbatim, without HTML escaping or re-expansion', () => {
    expect(renderTemplate('Hi {{ name }} & {{name}}: {{input}}', { name: '<b>"Ann"</b>', input: '{{name}}' }, 'test')).toBe('Hi <b>"Ann"</b> & <b>"Ann"</b>: {{name}}');
  });

  it('lists the variables a template uses, once each', () => {
    expect(templateVariables('{{a}} {{ b }} {{a}} {{not valid}}')).toEqual(['a', 'b']);
  });

  it('a variable with no value is missing_variable, naming it and how to pass it', () => {
    const error = (() => {
      try {
        renderTemplate('For {{audience}}', {}, 'agent "summarize" prompt.md');
      } catch (caught) {
        return caught as LoomError;
      }
    })();
    expect(error?.code).toBe('missing_variable');
    expect(error?.message).toBe('agent "summarize" prompt.md uses {{audience}}, which has no value');
    expect(error?.hint).toContain('--var audience=<value>');
  });
});
