/**
 * Watching the configuration input: fs.watch on every input file's directory and every input
 * directory, a short debounce, and a fingerprint of the input files so that events that change nothing
 * (editor swap files, other files of the directory) do not reload. The default fingerprint is what
 * `stat` says of each file (size, modification time, inode): it costs no read of the input on the
 * serving thread. A change of it that leaves the contents alike (a touch, a save of the same bytes)
 * is told apart by the reload itself, which compares the hash of what its worker read
 * (`InputSnapshot.hash`).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { listInputFiles } from '../config/load';

/** Hash of the names and contents of every input file; unreadable input hashes to its error text. */
export function hashInputs(paths: readonly string[]): string {
  return hashFiles(paths, (f) => fs.readFileSync(f));
}

/** Names, sizes, modification times and inodes of every input file (no file is read); errors hash to their text. */
export function statInputs(paths: readonly string[]): string {
  return hashFiles(paths, (f) => {
    const st = fs.statSync(f);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  });
}

function hashFiles(paths: readonly string[], fact: (file: string) => Buffer | string): string {
  const h = createHash('sha256');
  try {
    for (const f of listInputFiles(paths)) {
      h.update(f).update('\0');
      try {
        h.update(fact(f));
      } catch (e: any) {
        h.update(`error:${e.code ?? e.message}`);
      }
      h.update('\0');
    }
  } catch (e: any) {
    h.update(`error:${e.message}`);
  }
  return h.digest('hex');
}

export interface InputWatcher {
  close(): void;
}

/**
 * Calls `onChange` (debounced by `debounceMs`) whenever the input's fingerprint (default `statInputs`;
 * `hashInputs` reads the contents) changed since the last call (or since start). Also re-checks every
 * `pollMs` as a fallback for file systems without events.
 */
export function watchInputs(
  paths: readonly string[],
  onChange: () => void,
  options: { debounceMs?: number; pollMs?: number; fingerprint?: (paths: readonly string[]) => string } = {},
): InputWatcher {
  const debounceMs = options.debounceMs ?? 150;
  const fingerprint = options.fingerprint ?? statInputs;
  let last = fingerprint(paths);
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    timer = undefined;
    const now = fingerprint(paths);
    if (now === last) return;
    last = now;
    onChange();
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
  };
  const dirs = new Set<string>();
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = fs.statSync(p).isDirectory();
    } catch {
      isDir = false;
    }
    dirs.add(isDir ? path.resolve(p) : path.dirname(path.resolve(p)));
  }
  const watchers: fs.FSWatcher[] = [];
  for (const d of dirs) {
    try {
      const w = fs.watch(d, { persistent: false }, schedule);
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // a missing directory is covered by polling
    }
  }
  const poll = setInterval(schedule, options.pollMs ?? 2_000);
  poll.unref();
  return {
    close: () => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
