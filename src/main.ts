import { join } from 'node:path';
import { loadConfig, ConfigError } from './config/config.js';
import { createApp } from './app.js';
import { SECRET_FILE } from './auth/secret.js';
import { EMBEDDED_EVENTS_FILE } from './event-store/create-event-store.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  const where =
    config.eventStore === 'sqlite'
      ? `embedded SQLite at ${join(config.dataDir, EMBEDDED_EVENTS_FILE)}`
      : config.eventStore === 'postgres'
        ? `PostgreSQL (schema ${config.databaseSchema})`
        : 'KurrentDB';
  const secret = config.jwtSecret ? 'AUTH_JWT_SECRET' : join(config.dataDir, SECRET_FILE);
  // Plain stdout (not the JSON log) so a person starting it for the first time sees what to do next.
  console.log(
    [
      '',
      `Quality award service listening on ${url.replace('[::1]', 'localhost')}/api`,
      `  events:      ${where}`,
      `  data folder: ${config.dataDir} (DATA_DIR to change)`,
      `  JWT secret:  ${secret}`,
      `  API docs:    ${url.replace('[::1]', 'localhost')}/api/docs`,
      `  a token:     npm run token -- --role office --programme jinan-mayor --name 王芳`,
      `               (where the sources are not here to build, as in the Docker image: node dist/src/cli/token.js …)`,
      config.clock === 'manual' ? '  CLOCK=manual: time moves only through POST /api/admin/clock' : '',
      '',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
