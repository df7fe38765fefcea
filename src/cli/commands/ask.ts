import { LoomError } from '../../errors.js';
import type { CommandFunction } from '../context.js';

const ask: CommandFunction = async () => {
  throw new LoomError('usage', 'loom ask is not implemented yet');
};

export default ask;
