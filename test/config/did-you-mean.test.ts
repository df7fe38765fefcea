import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from '../../src/config/did-you-mean.js';
import { FIELDS } from '../../src/core/config.js';

describe('didYouMean', () => {
  it.each([
    // snake_case and case variants of a camelCase name
    ['max_tokens', FIELDS.agent, 'maxTokens'],
    ['promptfile', FIELDS.agent, 'promptFile'],
    ['PROMPT_FILE', FIELDS.agent, 'promptFile'],
    ['base-url', FIELDS.provider, 'baseUrl'],
    // typos: a swap of neighbours, a missing or extra letter
    ['modle', FIELDS.agent, 'model'],
    ['temprature', FIELDS.agent, 'temperature'],
    ['retires', FIELDS.retry, 'retries'],
    ['toolss', FIELDS.agent, 'tools'],
    // a name borrowed from another tool
    ['llm_provider', FIELDS.agent, 'provider'],
    ['model_name', FIELDS.agent, 'model'],
    ['system_prompt', FIELDS.agent, 'system'],
    ['max_output_tokens', FIELDS.agent, 'maxTokens'],
    // provider and tool names
    ['opnai', ['openai', 'anthropic', 'gemini', 'ollama'], 'openai'],
    ['claud', ['openai', 'claude', 'anthropic'], 'claude'],
    ['readfile', ['read_file', 'list_files', 'write_file'], 'read_file'],
    ['read_files', ['read_file', 'list_files', 'write_file'], 'read_file'],
  ])('%s → %s', (word, candidates, expected) => {
    expect(didYouMean(word, candidates)).toBe(expected);
  });

  it.each([
    ['xyz', FIELDS.agent],
    ['foo', FIELDS.project],
    ['banana', ['openai', 'anthropic', 'gemini']],
    ['x', ['y', 'z']],
    ['anything', []],
    ['', FIELDS.agent],
  ])('%s → nothing', (word, candidates) => {
    expect(didYouMean(word, candidates)).toBeUndefined();
  });

  it('suggests nothing for a word that is itself a candidate', () => {
    expect(didYouMean('model', FIELDS.agent)).toBeUndefined();
  });

  it('prefers the closest candidate, then the first listed', () => {
    expect(didYouMean('modl', ['mode', 'model'])).toBe('mode');
    expect(didYouMean('mdoel', ['models', 'model'])).toBe('model');
    expect(didYouMean('mdoels', ['model', 'models'])).toBe('models');
  });

  it('returns the candidate as spelled, not normalized', () => {
    expect(didYouMean('TIMEOUT_MS', FIELDS.project)).toBe('timeoutMs');
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['model', 'model', 0],
    ['modle', 'model', 1], // one swap, not two substitutions
    ['kitten', 'sitting', 3],
    ['provider', 'llmprovider', 3],
  ])('%s ↔ %s = %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});
