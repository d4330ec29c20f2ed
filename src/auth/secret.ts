import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE = 'jwt-secret';

/**
 * The signing secret: AUTH_JWT_SECRET when set; otherwise (embedded mode) one generated on first
 * start into the data folder, readable by the owner only, so the token CLI and the server agree.
 */
export function resolveJwtSecret(dataDir: string, fromEnv?: string): { secret: string; source: string; generated: boolean } {
  if (fromEnv) return { secret: fromEnv, source: 'AUTH_JWT_SECRET', generated: false };
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), source: file, generated: false };
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (a second instance, the token CLI) created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return { secret: readFileSync(file, 'utf8').trim(), source: file, generated: false };
    }
    throw error;
  }
  chmodSync(file, 0o600);
  return { secret, source: file, generated: true };
}
