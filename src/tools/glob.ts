/**
 * A small glob matcher for list_files (Node 20 has no `fs.glob`): `*` and `?` within a path
 * segment, `**` across segments, `[abc]`/`[a-z]`/`[!a]` classes, `{a,b}` alternatives, `\` escapes.
 * Dot files match like any other. A pattern without `/` matches a file's name at any depth
 * (`*.ts` finds `src/a.ts`), as in `.gitignore`; one with `/` matches the whole relative path.
 */

export class GlobError extends Error {
  override readonly name = 'GlobError';
}

const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

function toRegExpSource(pattern: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    const atSegmentStart = i === 0 || pattern[i - 1] === '/';
    if (ch === '\\') {
      if (i + 1 < pattern.length) out += escapeRegExp(pattern[++i]!);
      else out += '\\\\';
    } else if (ch === '*') {
      if (pattern[i + 1] === '*') {
        let j = i;
        while (pattern[j] === '*') j++;
        const atSegmentEnd = j === pattern.length || pattern[j] === '/';
        if (atSegmentStart && atSegmentEnd) {
          if (j === pattern.length) {
            out += '.*'; // `a/**`: everything below
          } else {
            out += '(?:[^/]*/)*'; // `**/`: any number of directories, none included
            j++;
          }
          i = j - 1;
          continue;
        }
        i = j - 1; // `a**b` is `a*b`
      }
      out += '[^/]*';
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      body = body.replace(/[\\\]^]/g, '\\$&');
      out += negate ? `(?!/)[^${body}]` : `[${body}]`;
      i = close;
    } else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) {
      out += '|';
    } else {
      out += escapeRegExp(ch);
    }
  }
  if (braces > 0) throw new GlobError(`unclosed "{" in pattern "${pattern}"`);
  return out;
}

/** A test for workspace-relative paths (`/`-separated) against `pattern`. */
export function compileGlob(pattern: string): (path: string) => boolean {
  let clean = pattern.trim();
  while (clean.startsWith('./')) clean = clean.slice(2);
  if (clean === '') throw new GlobError('the pattern is empty');
  const nameOnly = !clean.includes('/');
  let regexp: RegExp;
  try {
    regexp = new RegExp(`^${toRegExpSource(clean.replace(/\/+$/, '/**'))}$`);
  } catch (error) {
    if (error instanceof GlobError) throw error;
    throw new GlobError(`invalid pattern "${pattern}": ${(error as Error).message}`);
  }
  return nameOnly ? (path) => regexp.test(path.slice(path.lastIndexOf('/') + 1)) : (path) => regexp.test(path);
}
