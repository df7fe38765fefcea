// `npm run bench`: every benchmark, each figure a ratio to a baseline measured in the same run.
import { benchStartup } from './startup.mjs';

benchStartup();
