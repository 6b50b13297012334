// Which node a job (or a probe listing) goes to: the one named, which must be live, or the
// only live node. With several live nodes and none named, the caller must choose.
import { liveNodes, type LiveNode } from '../service/nodes.js';
import type { ApiContext } from './context.js';
import { badRequest, unavailable } from './problem.js';

export async function chooseLiveNode(
  ctx: ApiContext,
  requested: string | undefined,
): Promise<LiveNode> {
  const nodes = await liveNodes(ctx.redis, ctx.keys);
  const names = nodes.map((n) => n.name);
  if (requested !== undefined) {
    const node = nodes.find((n) => n.name === requested);
    if (node !== undefined) return node;
    throw badRequest(
      names.length === 0
        ? `Unknown node '${requested}': no node is live.`
        : `Unknown node '${requested}'; live nodes: ${names.join(', ')}.`,
      { nodes: names },
    );
  }
  if (nodes.length === 1) return nodes[0]!;
  if (nodes.length === 0)
    throw unavailable('No worker node is live; start `bpfq worker` on a node.');
  throw badRequest(`Several nodes are live; choose one with \`node\`: ${names.join(', ')}.`, {
    nodes: names,
  });
}

export async function chooseNode(ctx: ApiContext, requested: string | undefined): Promise<string> {
  return (await chooseLiveNode(ctx, requested)).name;
}
