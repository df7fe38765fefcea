/**
 * The ajv options every `output.schema` is compiled with, in `config validate` and at run time
 * alike, so a schema that validates is one the run can use. On the floor: the engine must not
 * import the config checks (and with them the 77 KB generated meta-schema validator) for it.
 *
 * Strict where strictness finds mistakes in a schema (unknown keywords, bad numbers, the
 * default); the stricter checks that reject valid schemas (`required` naming a property that
 * `properties` does not list, missing `type`s) are off — not `strict: true`, which turns them on.
 */
export const OUTPUT_SCHEMA_AJV_OPTIONS = {
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
} as const;
