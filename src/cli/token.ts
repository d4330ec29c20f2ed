import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config/config.js';
import { ROLES, type Role, signToken } from '../auth/jwt.js';
import { resolveJwtSecret } from '../auth/secret.js';

/**
 * Prints a bearer token signed with the service's secret (AUTH_JWT_SECRET, or the one generated
 * in the data folder). Example: npm run token -- --role office --programme jinan-mayor --name 王芳
 * A supervision group's member, for one term: --role supervisor --programme jinan-mayor --term jinan-mayor-2026.
 */
function main(): void {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      programme: { type: 'string', multiple: true },
      term: { type: 'string', multiple: true },
      name: { type: 'string' },
      sub: { type: 'string' },
      'expires-in-hours': { type: 'string', default: '12' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const usage =
    'usage: npm run token -- --role <office|auditor|supervisor|admin> [--role …] --programme <id|*> [--programme …] [--term <termId> …] --name <name> [--sub <id>] [--expires-in-hours 12]';
  if (values.help) {
    console.log(usage);
    return;
  }
  const roles = (values.role ?? []).flatMap((r) => r.split(','));
  const programmes = (values.programme ?? []).flatMap((p) => p.split(','));
  // A supervision group is appointed for one term (济南 第九条, 淄博 第十二条): bind its tokens to it.
  const terms = (values.term ?? []).flatMap((t) => t.split(',')).filter((t) => t !== '');
  const bad = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (roles.length === 0 || bad.length > 0 || programmes.length === 0 || !values.name) {
    console.error(bad.length ? `unknown role(s): ${bad.join(', ')}` : usage);
    process.exit(2);
  }
  const hours = Number(values['expires-in-hours']);
  if (!(hours > 0)) {
    console.error('--expires-in-hours must be a positive number');
    process.exit(2);
  }
  const config = loadConfig();
  const { secret } = resolveJwtSecret(config.dataDir, config.jwtSecret);
  const now = Math.floor(Date.now() / 1000);
  console.log(
    signToken(
      { sub: values.sub ?? `user-${randomUUID()}`, name: values.name, roles: roles as Role[], programmes, ...(terms.length > 0 ? { terms } : {}), iat: now, exp: now + Math.round(hours * 3600) },
      secret,
    ),
  );
}

main();
