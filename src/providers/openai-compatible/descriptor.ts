/**
 * The facts of the `openai-compatible` type: any server speaking Chat Completions. Ollama, LM
 * Studio and the Hugging Face router are data — presets of this type (DESIGN principle 1). It
 * has no key variable of its own and needs a key only when its entry names one; it has no known
 * prices (the presets for local servers are free; others set `pricing`).
 */
import type { ProviderDescriptor } from '../descriptors.js';

export const openaiCompatible: ProviderDescriptor = {
  type: 'openai-compatible',
  keyVariables: [],
  needsKey: false,
  baseUrlExample: 'http://localhost:11434/v1',
  presets: {
    ollama: { entry: { baseUrl: 'http://localhost:11434/v1', model: 'llama3.2' }, free: true },
    lmstudio: { entry: { baseUrl: 'http://localhost:1234/v1' }, free: true },
    huggingface: { entry: { baseUrl: 'https://router.huggingface.co/v1', apiKey: '${HF_TOKEN}' } },
  },
  prices: {},
};
