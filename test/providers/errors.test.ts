import { describe, expect, it } from 'vitest';
import { LoomError } from '../../src/core/errors.js';
import { errorContext } from '../../src/providers/errors/context.js';
import { parseDuration, parseRetryAfter, parseRetryInfo } from '../../src/providers/errors/retry-after.js';
import { redact } from '../../src/providers/errors/scrub.js';
import { statusError } from '../../src/providers/errors/status.js';
import { mapUnknownError } from '../../src/providers/errors/unknown.js';
import { providerCredentials, providerSettings, type ProviderUnderTest } from './helpers.js';

const context = (under: ProviderUnderTest, model?: string) => errorContext(providerSettings(under), providerCredentials(under), model);
const ctx = context({ type: 'openai', name: 'work-openai', apiKey: 'sk-test-secret-123', keySource: 'WORK_OPENAI_KEY', keyVariables: ['OPENAI_API_KEY'], baseUrl: 'https://user:pw@proxy.example/v1' }, 'gpt-5.4-mini');

describe('retry-after', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  it('prefers retry-after-ms, then retry-after seconds, then an HTTP date', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250.5', 'retry-after': '9' }), now)).toBe(251);
    expect(parseRetryAfter(new Headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(parseRetryAfter({ 'Retry-After': 'Mon, 23 Nov 2026 12:00:30 GMT' }, now)).toBe(30_000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Mon, 23 Nov 2026 11:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('reads Gemini RetryInfo durations', () => {
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('0.250s')).toBe(250);
    expect(parseDuration('2m')).toBeUndefined();
    expect(parseRetryInfo({ error: { details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure' }, { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' }] } })).toBe(37_000);
    expect(parseRetryInfo({ error: {} })).toBeUndefined();
  });
});

describe('statusError', () => {
  it('names the provider, the status and the provider\'s words on one line', () => {
    const error = statusError(ctx, 400, { message: 'messages: too\nlong' });
    expect(error).toBeInstanceOf(LoomError);
    expect(error.message).toBe('work-openai: bad request (400): messages: too long');
    expect(error).toMatchObject({ code: 'bad_request', status: 400, retryable: false, provider: 'work-openai' });
  });

  it('hints at where the key comes from, and hides the key and base URL credentials', () => {
    const auth = statusError(ctx, 401, { message: 'Incorrect API key provided: sk-test-secret-123' });
    expect(auth.message).toBe('work-openai: authentication failed (401): Incorrect API key provided: [redacted]');
    expect(auth.hint).toBe('check the key in WORK_OPENAI_KEY');
    const missing = statusError(ctx, 404, {});
    expect(missing.message).toBe('work-openai: model "gpt-5.4-mini" not found (404)');
    expect(missing.hint).toContain('https://proxy.example/v1');
    expect(missing.hint).not.toContain('pw');
  });

  it('takes retry-after from headers and from a Gemini body', () => {
    expect(statusError(ctx, 429, { headers: new Headers({ 'retry-after': '3' }) }).retryAfterMs).toBe(3000);
    expect(statusError(ctx, 429, { body: { error: { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }] } } }).retryAfterMs).toBe(2000);
  });
});

describe('mapUnknownError', () => {
  it('maps socket errors anywhere in the cause chain to network', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(mapUnknownError(ctx, refused)).toMatchObject({ code: 'network', retryable: true });
    const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND nope'), { code: 'ENOTFOUND' }) });
    expect(mapUnknownError(ctx, dns).message).toContain('ENOTFOUND');
    const timedOut = new TypeError('fetch failed', { cause: Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }) });
    expect(mapUnknownError(ctx, timedOut)).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('turns anything else into a clean provider_unavailable', () => {
    const mapped = mapUnknownError(ctx, new TypeError("Cannot read properties of undefined (reading 'choices')"));
    expect(mapped).toMatchObject({ code: 'provider_unavailable' });
    expect(mapped.message).toMatch(/^work-openai: a malformed response/);
  });

  it('returns the abort reason when it is a LoomError, else interrupted', () => {
    const controller = new AbortController();
    const reason = new LoomError('timeout', 'no data', { retryable: true });
    controller.abort(reason);
    expect(mapUnknownError(ctx, new Error('aborted'), controller.signal)).toBe(reason);
    const plain = new AbortController();
    plain.abort();
    expect(mapUnknownError(ctx, new Error('aborted'), plain.signal).code).toBe('interrupted');
  });
});

describe('redact', () => {
  it('replaces every occurrence, longest secret first', () => {
    expect(redact('a sk-1 b sk-12 c', ['sk-1', 'sk-12'])).toBe('a [redacted] b [redacted] c');
    expect(redact('nothing', [''])).toBe('nothing');
  });

  it('also hides secret-looking configured header values', () => {
    const withHeaders = context({ type: 'openai-compatible', headers: { Authorization: 'Bearer hf_abcdef', 'X-Title': 'loom' } });
    expect(withHeaders.secrets).toContain('hf_abcdef');
    expect(withHeaders.secrets).not.toContain('loom');
  });
});
