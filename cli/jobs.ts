import type { Command } from './main.js';

export const command: Command = {
  help: 'Usage: bpfq jobs [options]\n\n(being built: see the open issues)\n',
  async main(): Promise<number> {
    process.stderr.write('bpfq jobs: not implemented yet\n');
    return 2;
  },
};
