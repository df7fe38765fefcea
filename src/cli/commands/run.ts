import { LoomError } from '../../errors.js';
import type { CommandFunction } from '../context.js';

const run: CommandFunction = async () => {
  throw new LoomError('usage', 'loom run is not implemented yet');
};

export default run;
