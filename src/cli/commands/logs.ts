import { LoomError } from '../../errors.js';
import type { CommandFunction } from '../context.js';

const logs: CommandFunction = async () => {
  throw new LoomError('usage', 'loom logs is not implemented yet');
};

export default logs;
