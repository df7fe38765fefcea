import { describe, expect, it } from 'vitest';
import { colorEnabled } from '../../src/output/color.js';
import { Io } from '../../src/output/io.js';
import { KnownSecrets } from '../../src/core/secrets.js';

describe('redaction', () => {
  it('replaces every known secret, longest first, in text and JSON values', () => {
    const redactor = new KnownSecrets();
    redactor.add('sk-test-abc123');
    redactor.add('sk-test-abc123-longer');
    redactor.add('abc'); // too short to be a secret: left alone
    expect(redactor.redact('a sk-test-abc123-longer b sk-test-abc123 c abc')).toBe('a [redacted] b [redacted] c abc');
    expect(redactor.redactValue({ nested: ['x sk-test-abc123'], n: 1 })).toEqual({ nested: ['x [redacted]'], n: 1 });
  });

  it('learns secret-looking variables from the environment', () => {
    const redactor = new KnownSecrets();
    redactor.addFromEnv({ OPENAI_API_KEY: 'sk-test-from-env', HF_TOKEN: 'hf_test_token', GROQ_APIKEY: 'gsk-test-0123456789', PATH: '/usr/bin:/bin' });
    expect(redactor.redact('sk-test-from-env hf_test_token gsk-test-0123456789 /usr/bin:/bin')).toBe('[redacted] [redacted] [redacted] /usr/bin:/bin');
  });

  it('everything Io writes passes through the redactor', () => {
    let out = '';
    let err = '';
    const io = new Io({ stdout: { write: (text: string) => (out += text) }, stderr: { write: (text: string) => (err += text) }, env: { ANTHROPIC_API_KEY: 'sk-ant-test-secret' } });
    io.out('answer sk-ant-test-secret\n');
    io.error('401 from server: invalid key sk-ant-test-secret', 'check sk-ant-test-secret');
    io.json({ key: 'sk-ant-test-secret' });
    expect(out + err).not.toContain('sk-ant-test-secret');
    expect(err).toBe('loom: error: 401 from server: invalid key [redacted]\nhint: check [redacted]\n');
  });
});

describe('colour', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('only on a TTY, never with NO_COLOR; FORCE_COLOR forces it; --no-color beats both', () => {
    expect(colorEnabled(tty, {}, false)).toBe(true);
    expect(colorEnabled(pipe, {}, false)).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' }, false)).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' }, false)).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: '1' }, true)).toBe(false);
  });
});
