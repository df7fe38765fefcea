/**
 * The `openai-compatible` provider type: any server speaking Chat Completions (Ollama, LM Studio,
 * vLLM, OpenRouter, Groq, the Hugging Face router…), through the openai code with these
 * differences: it sends `max_tokens`, which those servers understand; it needs a baseUrl; and it
 * sends a key only when its entry names one (no Authorization header otherwise).
 */
import type { Provider } from '../../core/messages.js';
import type { ProviderSettings } from '../../core/plan.js';
import { createChatCompletionsProvider } from '../openai/index.js';
import type { ProviderContext } from '../registry.js';

export function createProvider(settings: ProviderSettings, context: ProviderContext): Provider {
  return createChatCompletionsProvider(settings, context, 'openai-compatible');
}
