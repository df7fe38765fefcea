// `npm run bench`: every benchmark, each figure a ratio to a baseline measured in the same run
// (or, for latencies, an absolute median against its goal).
import { benchAgentLoop } from './agent-loop.mjs';
import { benchBatch } from './batch.mjs';
import { benchBatchMemory } from './batch-memory.mjs';
import { benchLoomTest } from './loom-test.mjs';
import { benchRetry } from './retry.mjs';
import { benchRoundTrip } from './round-trip.mjs';
import { benchReplay } from './replay.mjs';
import { benchStartup } from './startup.mjs';

benchStartup();
await benchRoundTrip();
await benchRetry();
await benchAgentLoop();
benchReplay();
benchLoomTest();
await benchBatch();
await benchBatchMemory();
