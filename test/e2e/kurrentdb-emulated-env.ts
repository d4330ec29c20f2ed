// Set up for the e2e-kurrentdb-emulated jest project: every e2e suite again, on the KurrentDB
// adapter over an emulated server (test/contract/kurrentdb-emulator.ts; see harness.ts).
process.env.E2E_EVENT_STORE = 'kurrentdb-emulated';
