/**
 * `oneOf`/`anyOf` in ajv's errors: ajv reports every branch's failures plus a summary. This picks
 * the branch the value was meant for (see `intendedBranch`) and keeps only its errors, with a hint
 * where the choice was made for want of a better one; a summary is dropped when other errors still
 * speak about its value.
 */
import type { ErrorObject } from 'ajv';
import { isObject } from '../../core/json.js';
import { isWithin } from './json-pointer.js';
import { jsonType, lowerFirst, propertiesOf, typeMatches } from './schema-words.js';

export interface Selection {
  kept: ErrorObject[];
  /** Hints added to errors of a branch chosen for want of a better one. */
  hints: Map<ErrorObject, string>;
}

export function selectBranches(errors: readonly ErrorObject[]): Selection {
  const dropped = new Set<ErrorObject>();
  const hints = new Map<ErrorObject, string>();
  const summaries: ErrorObject[] = [];
  const synthesized: ErrorObject[] = [];
  for (const composite of errors) {
    if ((composite.keyword !== 'oneOf' && composite.keyword !== 'anyOf') || !Array.isArray(composite.schema)) continue;
    const branches = composite.schema as unknown[];
    const members = new Map<ErrorObject, number>();
    for (const error of errors) {
      const branch = error === composite ? undefined : branchOf(error, composite, branches);
      if (branch !== undefined) members.set(error, branch);
    }
    const tag = discriminator(branches, composite.data);
    if (tag?.unknown) {
      // A tag that names no branch (`"type": "contians"`): one error, at the tag, listing the
      // tags there are — not the complaints of whichever branch happened to be closest.
      for (const member of members.keys()) dropped.add(member);
      dropped.add(composite);
      synthesized.push({
        ...composite,
        keyword: 'enum',
        instancePath: `${composite.instancePath}/${tag.key}`,
        schemaPath: `${composite.schemaPath}/${tag.key}`,
        params: { allowedValues: tag.values },
        data: (composite.data as Record<string, unknown>)[tag.key],
        message: 'must be equal to one of the allowed values',
      });
      continue;
    }
    const choice = tag ? { index: tag.index, byDefault: false } : intendedBranch(branches, composite.data);
    if (choice === undefined) {
      // The value suits no branch at all (a number where an object is expected): the summary,
      // reworded from the branches' types, says it better than each branch's complaint.
      for (const member of members.keys()) dropped.add(member);
      continue;
    }
    summaries.push(composite);
    for (const [member, branch] of members) {
      if (branch !== choice.index) dropped.add(member);
      else if (member.instancePath !== composite.instancePath) continue;
      else if (choice.byDefault && member.keyword === 'required') {
        const alternatives = alternativesHint(branches);
        if (alternatives) hints.set(member, alternatives);
      } else if (!choice.byDefault && member.keyword === 'additionalProperties') {
        hints.set(member, chosenFormHint(branches[choice.index]));
      }
    }
  }
  // A summary goes when other errors still speak about its value. It stays when none do (a value
  // matching several branches of a oneOf): dropping it would hide the failure.
  for (const summary of summaries) {
    const explained = errors.some(
      (error) => !dropped.has(error) && !isSummary(error) && isWithin(error.instancePath, summary.instancePath),
    );
    if (explained) dropped.add(summary);
  }
  return { kept: [...errors.filter((error) => !dropped.has(error)), ...synthesized], hints };
}

/**
 * A discriminated union: every branch an object whose property `key` is a `const` (a test
 * assertion's `type`). For an object value with that property, the branch its value names — or
 * `unknown`, with the values there are, when it names none. Undefined when the union is not of
 * this kind, or the value carries no tag.
 */
function discriminator(branches: unknown[], data: unknown): { key: string; index: number; unknown?: false } | { key: string; unknown: true; values: unknown[] } | undefined {
  if (!isObject(data) || branches.length < 2) return undefined;
  const first = propertiesOf(branches[0]);
  for (const key of Object.keys(first)) {
    const values = branches.map((branch) => {
      const property = propertiesOf(branch)[key];
      return isObject(property) && 'const' in property ? property.const : undefined;
    });
    if (values.some((value) => value === undefined) || !Object.hasOwn(data, key)) continue;
    const index = values.findIndex((value) => value === data[key]);
    return index >= 0 ? { key, index } : { key, unknown: true, values };
  }
  return undefined;
}

const isSummary = (error: ErrorObject): boolean => error.keyword === 'oneOf' || error.keyword === 'anyOf';

/** Which branch of `composite` an error comes from, when that can be told. */
function branchOf(error: ErrorObject, composite: ErrorObject, branches: unknown[]): number | undefined {
  if (!isWithin(error.instancePath, composite.instancePath)) return undefined;
  const prefix = `${composite.schemaPath}/`;
  if (error.schemaPath.startsWith(prefix)) {
    const index = Number(error.schemaPath.slice(prefix.length).split('/')[0]);
    return Number.isInteger(index) ? index : undefined;
  }
  // A branch that is only a `$ref` reports paths of the referenced schema instead. Only its
  // errors about the value itself are attributed to it: deeper ones may come from another branch.
  if (error.instancePath !== composite.instancePath) return undefined;
  const index = branches.findIndex((branch) => {
    const ref = isObject(branch) ? branch.$ref : undefined;
    return typeof ref === 'string' && ref.startsWith('#') && error.schemaPath.startsWith(`${ref}/`);
  });
  return index < 0 ? undefined : index;
}

/**
 * The branch a value was meant for: among the branches whose `type` admits the value (a declared
 * type that matches beats no declared type), the last one whose required properties are all
 * present — for an MCP server, `url` means HTTP even when `command` is there too — else the first
 * (a stdio server, when neither `command` nor `url` is given). Undefined when no branch admits the
 * value's type.
 */
function intendedBranch(branches: unknown[], data: unknown): { index: number; byDefault: boolean } | undefined {
  const type = jsonType(data);
  const exact: number[] = [];
  const open: number[] = [];
  branches.forEach((branch, index) => {
    const declared = isObject(branch) ? branch.type : undefined;
    if (declared === undefined) open.push(index);
    else if (typeMatches(declared, type)) exact.push(index);
  });
  const pool = exact.length > 0 ? exact : open;
  if (pool.length === 0) return undefined;
  if (isObject(data)) {
    const complete = pool.filter((index) => {
      const required = (branches[index] as { required?: unknown }).required;
      return Array.isArray(required) && required.length > 0 && required.every((name) => Object.hasOwn(data, String(name)));
    });
    const last = complete.at(-1);
    if (last !== undefined) return { index: last, byDefault: false };
  }
  return { index: pool[0] ?? 0, byDefault: pool.length > 1 };
}

/** `give one of: "command" (a server started as a child process…), or "url" (a server reached over HTTP)`. */
function alternativesHint(branches: unknown[]): string | undefined {
  const forms = branches.flatMap((branch) => {
    if (!isObject(branch) || !Array.isArray(branch.required) || branch.required.length === 0) return [];
    const names = branch.required.map((name) => `"${String(name)}"`).join(' and ');
    const description = typeof branch.description === 'string' ? ` (${lowerFirst(branch.description.replace(/\.$/, ''))})` : '';
    return [`${names}${description}`];
  });
  return forms.length > 1 ? `give one of: ${forms.join(', or ')}` : undefined;
}

/** `with "url" this is a server reached over streamable HTTP, which takes: url, headers`. */
function chosenFormHint(branch: unknown): string {
  const schema = isObject(branch) ? branch : {};
  const required = Array.isArray(schema.required) ? schema.required.map((name) => `"${String(name)}"`).join(' and ') : '';
  const description = typeof schema.description === 'string' ? lowerFirst(schema.description.replace(/\.$/, '')) : 'this form';
  return `with ${required} this is ${description}, which takes: ${Object.keys(propertiesOf(schema)).join(', ')}`;
}
