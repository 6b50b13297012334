// Names 0.17 resolves from the running system when it prints a value: `username` from
// /etc/passwd, `cgroup_path(id)` by finding the cgroup directory whose inode is the id in
// every mounted cgroup hierarchy. The defaults DecodeContext falls back to.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

let passwd: Map<number, string> | undefined;

/** The login name of uid from /etc/passwd, or undefined. */
export function systemUserName(uid: number): string | undefined {
  if (passwd === undefined) {
    passwd = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined && !passwd.has(Number(id))) passwd.set(Number(id), name);
      }
    } catch {
      // No passwd file (a minimal container): names fall back to numbers.
    }
  }
  return passwd.get(uid);
}

interface CgroupMount {
  /** `unified` for cgroup2, else the v1 hierarchy's name (`cpu`, `cpu,cpuacct`, `systemd`). */
  name: string;
  dir: string;
}

function cgroupMounts(): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return mounts;
  }
  for (const line of text.split('\n')) {
    // mountinfo: id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const dir = left.split(' ')[4];
    const [fstype, , superOptions = ''] = right.split(' ');
    if (dir === undefined) continue;
    if (fstype === 'cgroup2') mounts.push({ name: 'unified', dir });
    else if (fstype === 'cgroup') {
      const opts = superOptions.split(',');
      const named = opts.find((o) => o.startsWith('name='));
      const controllers = opts.filter(
        (o) =>
          !['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec'].includes(o) &&
          !o.includes('='),
      );
      mounts.push({ name: named ? named.slice(5) : controllers.join(','), dir });
    }
  }
  // 0.17 lists the unified hierarchy first, then the v1 hierarchies by name.
  return mounts.sort((a, b) =>
    a.name === 'unified'
      ? -1
      : b.name === 'unified'
        ? 1
        : a.name < b.name
          ? -1
          : a.name > b.name
            ? 1
            : 0,
  );
}

/** Path (relative to the mount, `/` for the root) of the directory with inode `id` under dir. */
function findInode(dir: string, id: bigint, rel: string, depth: number): string | undefined {
  try {
    if (statSync(dir, { bigint: true }).ino === id) return rel === '' ? '/' : rel;
  } catch {
    return undefined;
  }
  if (depth > 32) return undefined;
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const hit = findInode(join(dir, name), id, `${rel}/${name}`, depth + 1);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

const cgroupPaths = new Map<bigint, string>();

/** `unified:/path,blkio:/path,...`: the cgroup with this id in every hierarchy that has one. */
export function systemCgroupPath(id: bigint): string {
  const known = cgroupPaths.get(id);
  if (known !== undefined) return known;
  const parts: string[] = [];
  for (const m of cgroupMounts()) {
    const path = findInode(m.dir, id, '', 0);
    if (path !== undefined) parts.push(`${m.name}:${path}`);
  }
  const text = parts.join(',');
  // Walking the hierarchies is slow; a cgroup keeps its id (inode) for its lifetime.
  if (text !== '') cgroupPaths.set(id, text);
  return text;
}
