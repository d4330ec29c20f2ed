/**
 * The real application in a child process (node dist/bench/support/server-child.js), so the load
 * generator does not share the server's event loop. Configured by the environment like main.ts;
 * listens on 127.0.0.1 and a free port, which it sends to the parent over IPC. Answers
 * { type: 'memory' } with process.memoryUsage(), and stops on { type: 'stop' } or SIGTERM.
 */
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'memory') process.send?.({ type: 'memory', usage: process.memoryUsage() });
    if (message?.type === 'stop') void stop();
  });
  process.send?.({ type: 'listening', port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
