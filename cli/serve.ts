import type { Command } from './main.js';

export const command: Command = {
  help: 'Usage: bpfq serve [options]\n\n(being built: see the open issues)\n',
  async main(): Promise<number> {
    process.stderr.write('bpfq serve: not implemented yet\n');
    return 2;
  },
};
