// The bootstrap admin token: BPFQ_ADMIN_TOKEN when set; otherwise `serve` keeps one in
// BPFQ_DATA_DIR/admin-token (0600), generated on first start and reused after, and prints
// where it is (never the token itself, which would land in logs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken } from './tokens.js';

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

/** Returns the admin token and, when it came from the data directory, its file. */
export function resolveAdminToken(
  fromEnv: string | undefined,
  dataDir: string,
): { token: string; file?: string; created: boolean } {
  if (fromEnv !== undefined) return { token: fromEnv, created: false };
  const file = adminTokenPath(dataDir);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length > 0) return { token, file, created: false };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = newToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file, created: true };
}
