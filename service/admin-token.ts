// The bootstrap admin token: BPFQ_ADMIN_TOKEN, or the file BPFQ_ADMIN_TOKEN_FILE names (the
// Docker and Kubernetes secrets convention: /run/secrets/NAME, a mounted Secret key); when
// neither is set, `serve` keeps one in BPFQ_DATA_DIR/admin-token (0600), generated on first
// start and reused after, and prints where it is (never the token itself, which would land
// in logs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken } from './tokens.js';

/** A setting that cannot give a token: both variables set, an unreadable or empty file. */
export class AdminTokenSettingError extends Error {
  override name = 'AdminTokenSettingError';
}

/**
 * The admin token the environment gives, or undefined when it gives none (an empty
 * variable counts as unset). BPFQ_ADMIN_TOKEN_FILE's contents are the token, less the
 * trailing line break `echo` or an editor leaves; an unreadable or empty file, or both
 * variables set, is an AdminTokenSettingError naming the variable, never the token.
 */
export function adminTokenFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const value = env['BPFQ_ADMIN_TOKEN'] === '' ? undefined : env['BPFQ_ADMIN_TOKEN'];
  const file = env['BPFQ_ADMIN_TOKEN_FILE'] === '' ? undefined : env['BPFQ_ADMIN_TOKEN_FILE'];
  if (file === undefined) return value;
  if (value !== undefined) {
    throw new AdminTokenSettingError(
      'both BPFQ_ADMIN_TOKEN and BPFQ_ADMIN_TOKEN_FILE are set; set only one ' +
        '(BPFQ_ADMIN_TOKEN_FILE for a mounted secret, BPFQ_ADMIN_TOKEN for the token itself)',
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file (is the secret mounted?)'
        : code === 'EACCES'
          ? `permission denied for uid ${process.getuid?.() ?? '?'} (the secret file must be readable by the user the API runs as)`
          : code === 'EISDIR'
            ? 'it is a directory (Docker mounts a directory where the secret file was missing on the host)'
            : (code ?? String(err));
    throw new AdminTokenSettingError(`cannot read BPFQ_ADMIN_TOKEN_FILE ${file}: ${why}`);
  }
  // Only line breaks at the end: spaces inside a token would be the secret's, not ours.
  const token = text.replace(/(\r?\n)+$/, '');
  if (token.trim() === '') {
    throw new AdminTokenSettingError(`BPFQ_ADMIN_TOKEN_FILE ${file} is empty`);
  }
  return token;
}

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
