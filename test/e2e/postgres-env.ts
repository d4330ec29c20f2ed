// Setup file of the e2e-postgres jest project: every e2e suite runs again on PostgreSQL,
// each app in its own schema (test/e2e/harness.ts).
process.env.E2E_EVENT_STORE = 'postgres';
