/**
 * "Did you mean …?" for unknown property, provider, tool and agent names.
 *
 * Config names are camelCase (`maxTokens`), users often write them the way another tool spells
 * them (`max_tokens`, `llm_provider`, `model_name`), so matching goes in three steps, the first
 * that finds something winning:
 *   1. the same name apart from case, `_`, `-` and spaces (`max_tokens` → `maxTokens`);
 *   2. a small edit distance between those normalized forms (`modle` → `model`,
 *      `llm_provider` → `provider`), with a threshold that grows with the word's length;
 *   3. a candidate whose words all occur in the name (`model_name` → `model`).
 */

/**
 * The candidate `word` most likely stands for, or undefined when none is close enough or `word`
 * is itself a candidate (nothing to suggest).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (word === '' || candidates.includes(word)) return undefined;
  const normalized = normalize(word);
  return (
    candidates.find((candidate) => normalize(candidate) === normalized) ??
    closestByEditDistance(normalized, candidates) ??
    containedByWords(word, candidates)
  );
}

const normalize = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');

function closestByEditDistance(normalized: string, candidates: readonly string[]): string | undefined {
  // Thresholds as in TypeScript's spelling suggestions: about 40% of the word may change, and
  // lengths may differ by a third, so `xyz` matches nothing and `llm_provider` still finds `provider`.
  const maxLengthDifference = Math.max(2, Math.floor(normalized.length * 0.34));
  let bestDistance = Math.floor(normalized.length * 0.4) + 1;
  let best: string | undefined;
  for (const candidate of candidates) {
    const other = normalize(candidate);
    if (Math.abs(other.length - normalized.length) > maxLengthDifference) continue;
    const distance = editDistance(normalized, other);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best;
}

function containedByWords(word: string, candidates: readonly string[]): string | undefined {
  const words = splitWords(word);
  let best: { candidate: string; covered: number; firstIndex: number } | undefined;
  for (const candidate of candidates) {
    const parts = splitWords(candidate);
    // A one- or two-letter candidate word (`id`) would match far too much.
    if (parts.length === 0 || parts.some((part) => part.length < 3)) continue;
    const indexes = parts.map((part) => words.indexOf(part));
    if (indexes.includes(-1)) continue;
    // Prefer the candidate covering most words, then the one the name starts with:
    // `max_output_tokens` → `maxTokens` over `output`; `system_prompt` → `system` over `prompt`.
    const firstIndex = Math.min(...indexes);
    if (!best || parts.length > best.covered || (parts.length === best.covered && firstIndex < best.firstIndex)) {
      best = { candidate, covered: parts.length, firstIndex };
    }
  }
  return best?.candidate;
}

/** `maxTokens`, `max_tokens`, `Max-Tokens` → `['max', 'tokens']`. */
function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * Optimal string alignment distance: Levenshtein plus the swap of two neighbours counted as one
 * edit, the commonest typo (`modle`).
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(rows - 1, cols - 1);
}
