// Which node a job (or a probe listing) goes to: the one named, which must be live, or the
// only live node. With several live nodes and none named, the caller must choose.
import { liveNodes } from '../service/nodes.js';
import type { ApiContext } from './context.js';
import { badRequest, unavailable } from './problem.js';

export async function chooseNode(ctx: ApiContext, requested: string | undefined): Promise<string> {
  const names = (await liveNodes(ctx.redis, ctx.keys)).map((n) => n.name);
  if (requested !== undefined) {
    if (names.includes(requested)) return requested;
    throw badRequest(
      names.length === 0
        ? `Unknown node '${requested}': no node is live.`
        : `Unknown node '${requested}'; live nodes: ${names.join(', ')}.`,
      { nodes: names },
    );
  }
  if (names.length === 1) return names[0]!;
  if (names.length === 0)
    throw unavailable('No worker node is live; start `bpfq worker` on a node.');
  throw badRequest(`Several nodes are live; choose one with \`node\`: ${names.join(', ')}.`, {
    nodes: names,
  });
}
