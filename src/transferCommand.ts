// `export` and `import`: every stored row as JSON lines, to copy a database, back it up, or move from
// SQLite to PostgreSQL. Import is an upsert by primary key, so running it twice changes nothing.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import cliProgress from 'cli-progress';
import { parseCommandLine, type Config } from './config.ts';
import { PROFILE_TABLES } from './profile/collections.ts';
import { openStore } from './store/open.ts';
import { TransferError, type Store, type TransferRecord } from './store/types.ts';

/** The first line of every export: what the file is, and the schema (migrations) its rows follow. */
const FORMAT = 'graph-profile-phones export';
const BATCH = 500;

interface Streams {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

const std: Streams = { out: process.stdout, err: process.stderr };

/** A progress bar on stderr, only when stderr is a terminal (never in a pipe or a log). */
function progress(streams: Streams, label: string, total: number) {
  if (!streams.err.isTTY) return { update: (_n: number) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: streams.err, format: `${label} [{bar}] {percentage}% | {value}/{total} rows | ETA {eta_formatted}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n: number) => bar.update(n), stop: () => bar.stop() };
}

const tally = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');

async function withStore<T>(config: Config, streams: Streams, run: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config, PROFILE_TABLES, { onWaiting: (m) => streams.err.write(`${m}\n`) });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

export async function exportCommand(args: string[], streams: Streams = std): Promise<void> {
  const { config, positionals } = parseCommandLine(args, { allowPositionals: true });
  if (positionals.length > 0) throw new TransferError(`export takes no file: it writes to stdout (npm run -s export > file.jsonl).`);
  await withStore(config, streams, async (store) => {
    let broken: Error | undefined;
    streams.out.on('error', (e: Error) => (broken = e)); // e.g. EPIPE when the reader went away
    const write = async (line: string) => {
      if (!broken && !streams.out.write(`${line}\n`)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            streams.out.off('drain', done);
            streams.out.off('error', done); // the error itself is recorded in `broken` by the listener above
            resolve();
          };
          streams.out.on('drain', done);
          streams.out.on('error', done);
        });
      }
      if (broken) throw new TransferError(`export stopped: stdout failed (${broken.message}).`);
    };
    const counts: Record<string, number> = { users: 0, phones: 0 };
    // One snapshot for the header, the count and every row: the service may go on writing meanwhile.
    await store.transfer.snapshot(async (view) => {
      const bar = progress(streams, 'export', await view.count());
      try {
        await write(JSON.stringify({ format: FORMAT, schema: await view.schema() }));
        let n = 0;
        for await (const record of view.rows()) {
          await write(JSON.stringify(record));
          counts[record.table] = (counts[record.table] ?? 0) + 1;
          if (++n % 100 === 0) bar.update(n);
        }
        bar.update(n);
      } finally {
        bar.stop();
      }
    });
    streams.err.write(`exported ${tally(counts)} from ${store.kind} at ${store.location}\n`);
  });
}

/** The file's records, one per non-blank line after the header, each with its line number. */
async function* records(file: string, check: (value: unknown, schema?: readonly string[]) => TransferRecord, schema: readonly string[]) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lineNo = 0;
  /** The schema the file's rows follow, once its header is read (an older one is upgraded by the checker). */
  let header: readonly string[] | undefined;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new TransferError(`${file}:${lineNo}: not a JSON value.`);
    }
    if (!header) {
      header = checkHeader(value, schema, `${file}:${lineNo}`);
      continue;
    }
    try {
      yield check(value, header);
    } catch (err) {
      if (err instanceof TransferError) throw new TransferError(`${file}:${lineNo}: ${err.message}.`);
      throw err;
    }
  }
  if (!header) throw new TransferError(`${file} is empty: an export starts with its header line.`);
}

/** The header's schema (the migrations the rows follow), when this version can read it. */
function checkHeader(value: unknown, schema: readonly string[], where: string): string[] {
  const h = value as { format?: unknown; schema?: unknown };
  if (typeof h !== 'object' || h === null || h.format !== FORMAT || !Array.isArray(h.schema)) {
    throw new TransferError(`${where}: not the header of an export ({"format":"${FORMAT}","schema":[...]}).`);
  }
  // The store was migrated when it opened: its schema is every migration this version knows.
  const unknown = h.schema.filter((m) => typeof m !== 'string' || !schema.includes(m));
  if (unknown.length > 0) {
    throw new TransferError(`${where}: the file was exported by a newer version of the service (schema ${unknown.join(', ')}); import it with that version.`);
  }
  return h.schema as string[];
}

export async function importCommand(args: string[], streams: Streams = std): Promise<void> {
  const { config, positionals } = parseCommandLine(args, { allowPositionals: true });
  if (positionals.length !== 1) throw new TransferError('Usage: npm run -s import -- <file.jsonl> [settings]');
  const file = positionals[0]!;
  await withStore(config, streams, async (store) => {
    const check = await store.transfer.recordChecker();
    const schema = await store.transfer.schema();
    // First pass: the whole file is checked before anything is written, and counted for the progress bar.
    let total = 0;
    try {
      for await (const _ of records(file, check, schema)) total++;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') throw new TransferError(`cannot read ${file} (${code}).`);
      throw err;
    }
    const bar = progress(streams, 'import', total);
    const counts: Record<string, number> = { users: 0, phones: 0 };
    try {
      let batch: TransferRecord[] = [];
      let done = 0;
      const flush = async () => {
        try {
          await store.transfer.upsert(batch);
        } catch (err) {
          throw new TransferError(
            `import stopped after ${done} of ${total} rows: ${(err as Error).message}. The rows before were written; fix the cause and run the import again (it is idempotent).`,
            { cause: err },
          );
        }
        done += batch.length;
        batch = [];
        bar.update(done);
      };
      for await (const record of records(file, check, schema)) {
        batch.push(record);
        counts[record.table] = (counts[record.table] ?? 0) + 1;
        if (batch.length >= BATCH) await flush();
      }
      if (batch.length > 0) await flush();
    } finally {
      bar.stop();
    }
    streams.err.write(`imported ${tally(counts)} into ${store.kind} at ${store.location}\n`);
  });
}
