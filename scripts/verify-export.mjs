#!/usr/bin/env node
/**
 * Verifies an audit export (GET /api/terms/{termId}/audit-export) offline. Plain Node (18+),
 * no dependencies: it reimplements the store's canonical JSON and SHA-256 chain.
 *
 *   node scripts/verify-export.mjs <export.jsonl> [--quiet]
 *
 * Per stream, in file order, revisions must run 0, 1, 2, … and each event's hash must equal
 *   sha256( previous event's hash (64 zeros before revision 0) + canonicalJson({streamId, revision, id, type, data, metadata}) )
 * A line with `masked` (an objector identity removed, 朝阳 第二十五条, 忻州 第二十七条) cannot be
 * re-hashed: its stored hash is taken as the link to the next event and the line is reported as
 * checked by chain link only (its content is not proven; an unmasked event after it proves its
 * hash). The last line must be the export-end trailer; its counts and head hashes must match.
 *
 * Exit codes: 0 verified, 1 verification failed, 2 unreadable file or usage error.
 * Prints a JSON report on stdout.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const GENESIS = '0'.repeat(64);

/** Keys sorted by code point, no whitespace, undefined members dropped (buildCanonicalJson in src/event-store/canonical-json.ts). */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`Cannot canonicalise ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}

export function chainHash(previous, line) {
  const fields = { streamId: line.streamId, revision: line.revision, id: line.id, type: line.type, data: line.data, metadata: line.metadata };
  return createHash('sha256').update(previous).update(canonicalJson(fields)).digest('hex');
}

export async function verifyExport(file) {
  const report = { file, ok: true, lines: 0, events: 0, streams: 0, verified: 0, chainLinkOnly: [], unanchored: [], errors: [] };
  const streams = new Map(); // streamId -> { next revision, previous hash, last line masked }
  let trailer = null;
  const fail = (lineNo, message, extra = {}) => {
    report.ok = false;
    report.errors.push({ line: lineNo, message, ...extra });
  };
  const input = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const text of input) {
    report.lines += 1;
    const lineNo = report.lines;
    if (text.trim() === '') continue;
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      fail(lineNo, 'not JSON');
      continue;
    }
    if (trailer) fail(lineNo, 'line after the export-end trailer');
    if (line && line.kind === 'export-end') {
      trailer = { ...line, lineNo };
      continue;
    }
    if (!line || typeof line.streamId !== 'string' || typeof line.hash !== 'string' || !Number.isInteger(line.revision)) {
      fail(lineNo, 'not an event line (streamId, revision, hash)');
      continue;
    }
    report.events += 1;
    const stream = streams.get(line.streamId) ?? { next: 0, previous: GENESIS, lastMasked: null };
    streams.set(line.streamId, stream);
    const where = { streamId: line.streamId, revision: line.revision, id: line.id };
    if (line.revision !== stream.next) {
      fail(lineNo, `expected revision ${stream.next} (missing, repeated or reordered event)`, where);
    }
    if (line.masked) {
      // The hash covers the original identity: keep the stored hash as the link; the next
      // unmasked event of the stream proves it.
      report.chainLinkOnly.push({ line: lineNo, ...where, fields: line.masked.fields });
      stream.lastMasked = { line: lineNo, ...where };
    } else {
      const expected = chainHash(stream.previous, line);
      if (expected !== line.hash) fail(lineNo, 'hash mismatch', { ...where, expected, stored: line.hash });
      else report.verified += 1;
      stream.lastMasked = null;
    }
    stream.previous = line.hash;
    stream.next = line.revision + 1;
  }
  report.streams = streams.size;
  for (const stream of streams.values()) if (stream.lastMasked) report.unanchored.push(stream.lastMasked);
  if (!trailer) {
    fail(null, 'no export-end trailer: the export is incomplete');
  } else {
    const eventLines = report.events;
    if (trailer.lines !== eventLines) fail(trailer.lineNo, `trailer says ${trailer.lines} event lines, the file has ${eventLines}`);
    for (const [streamId, stream] of streams) {
      const claimed = trailer.streams?.[streamId];
      if (!claimed) fail(trailer.lineNo, 'stream missing from the trailer', { streamId });
      else if (claimed.headRevision !== stream.next - 1 || claimed.headHash !== stream.previous) {
        fail(trailer.lineNo, 'trailer head does not match the stream', { streamId, claimed, found: { headRevision: stream.next - 1, headHash: stream.previous } });
      }
    }
    for (const streamId of Object.keys(trailer.streams ?? {})) {
      if (!streams.has(streamId)) fail(trailer.lineNo, 'trailer names a stream the file does not hold', { streamId });
    }
    report.termId = trailer.termId;
    report.exportedAt = trailer.exportedAt;
  }
  return report;
}

async function main(argv) {
  const args = argv.filter((a) => !a.startsWith('--'));
  const quiet = argv.includes('--quiet');
  if (args.length !== 1) {
    process.stderr.write('usage: node scripts/verify-export.mjs <export.jsonl> [--quiet]\n');
    return 2;
  }
  let report;
  try {
    report = await verifyExport(args[0]);
  } catch (error) {
    process.stderr.write(`cannot read ${args[0]}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (!quiet) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(
    report.ok
      ? `OK: ${report.events} events in ${report.streams} streams; ${report.verified} re-hashed, ${report.chainLinkOnly.length} checked by chain link only (masked)` +
          `${report.unanchored.length ? `, ${report.unanchored.length} masked stream head(s) not anchored by a later event` : ''}\n`
      : `FAILED: ${report.errors.length} problem(s); first: ${JSON.stringify(report.errors[0])}\n`,
  );
  return report.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('verify-export.mjs')) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
