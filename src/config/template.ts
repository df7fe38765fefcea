import { LoomError } from '../core/errors.js';

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The variable names a template uses, in order of first use. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(VARIABLE)].map((match) => match[1] ?? ''))];
}

/**
 * Fills `{{name}}` from `values`, verbatim: no HTML escaping, and a value that itself holds
 * `{{…}}` is not expanded again. A variable with no value is a `missing_variable` error.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, where: string): string {
  // Own properties only: `{{constructor}}` is a variable nobody gave, not Object's constructor.
  const value = (name: string): string | undefined => (Object.hasOwn(values, name) && typeof values[name] === 'string' ? values[name] : undefined);
  const missing = templateVariables(template).filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    const name = missing[0] ?? '';
    throw new LoomError('missing_variable', `${where} uses {{${name}}}, which has no value`, {
      hint: name === 'input' ? 'give the input as arguments, with --input <file>, or on stdin' : `pass --var ${name}=<value> (or ${name}=@file), or give it a default under "inputs"`,
    });
  }
  return template.replace(VARIABLE, (_match, name: string) => value(name) ?? '');
}
