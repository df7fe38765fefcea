/** URL provenance's record of the URLs a run has seen (CONTRACT §11, §19). */
import { describe, expect, it } from 'vitest';
import { createUrlContext, normalizeUrl } from '../../src/tools/url-context.js';

const has = (context: ReturnType<typeof createUrlContext>, url: string) => context.has(new URL(url));

describe('normalizeUrl', () => {
  it('lower-cases scheme and host, drops the default port and the fragment', () => {
    expect(normalizeUrl('HTTPS://Docs.Python.ORG:443/3/Library#top')).toBe('https://docs.python.org/3/Library');
    expect(normalizeUrl('http://example.com:80')).toBe('http://example.com/');
    expect(normalizeUrl('http://example.com:8080/')).toBe('http://example.com:8080/');
  });

  it('spells percent-escapes one way: upper-case hex, unreserved characters decoded, reserved ones kept', () => {
    expect(normalizeUrl('http://x.example/a%7eb/%c3%a9?q=%41%2f%2F')).toBe('http://x.example/a~b/%C3%A9?q=A%2F%2F');
    expect(normalizeUrl('http://x.example/é')).toBe('http://x.example/%C3%A9');
  });

  it('is undefined for what is not an http(s) URL', () => {
    expect(normalizeUrl('file:///etc/passwd')).toBeUndefined();
    expect(normalizeUrl('javascript:alert(1)')).toBeUndefined();
    expect(normalizeUrl('not a url')).toBeUndefined();
  });
});

describe('createUrlContext', () => {
  it('holds the URLs of its starting texts, trimmed of sentence punctuation and unmatched brackets', () => {
    const context = createUrlContext(['Read https://example.com/a, then (see https://example.com/b). Also https://en.wikipedia.org/wiki/Foo_(bar).']);
    expect(has(context, 'https://example.com/a')).toBe(true);
    expect(has(context, 'https://example.com/b')).toBe(true);
    expect(has(context, 'https://en.wikipedia.org/wiki/Foo_(bar)')).toBe(true);
    expect(has(context, 'https://example.com/c')).toBe(false);
  });

  it('does not accept a seen URL with something added: a query, a path, another port or scheme', () => {
    const context = createUrlContext(['https://api.example.com/v1/collect']);
    expect(has(context, 'https://api.example.com/v1/collect')).toBe(true);
    expect(has(context, 'https://api.example.com/v1/collect?k=sk-secret')).toBe(false);
    expect(has(context, 'https://api.example.com/v1/collect/sk-secret')).toBe(false);
    expect(has(context, 'https://api.example.com:8443/v1/collect')).toBe(false);
    expect(has(context, 'http://api.example.com/v1/collect')).toBe(false);
  });

  it('finds URLs written with JSON-escaped slashes (search and MCP results)', () => {
    const context = createUrlContext();
    context.addFrom('{"results":[{"url":"https:\\/\\/docs.example.com\\/guide?a=1"}]}');
    expect(has(context, 'https://docs.example.com/guide?a=1')).toBe(true);
  });

  it('resolves the links of a page against its URL, reading entities as a browser does', () => {
    const context = createUrlContext();
    const page = `<a href="next.html?a=1&amp;b=2">n</a> <a href='/root'>r</a> <img src=pic.png> <a href="&#x2F;hex&#38;x=1">h</a> <a href="https://other.example/abs">a</a> <a href="mailto:x@y">m</a>`;
    context.addFrom(page, new URL('https://site.example/docs/index.html'));
    for (const url of ['https://site.example/docs/next.html?a=1&b=2', 'https://site.example/root', 'https://site.example/docs/pic.png', 'https://site.example/hex&x=1', 'https://other.example/abs']) {
      expect(has(context, url), url).toBe(true);
    }
    expect(has(context, 'https://site.example/next.html?a=1&b=2')).toBe(false);
  });

  it('does not resolve relative links without a base: text is not a page', () => {
    const context = createUrlContext();
    context.addFrom('<a href="/admin">admin</a>');
    expect(has(context, 'http://localhost/admin')).toBe(false);
  });
});
