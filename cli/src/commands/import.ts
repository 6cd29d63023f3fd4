import { runImport } from '../import';
import { Command } from './command';

export const importCommand: Command = {
  name: 'import',
  summary: 'write netpipe packages that adopt an existing deployment (NADs and workloads, or whereabouts pools)',
  run: async (argv) => runImport(argv),
};
