/**
 * The access log: one JSON line per request, written to stdout by default.
 */

export interface AccessLogEntry {
  readonly time: string;
  readonly gateway: string;
  readonly listener?: string;
  readonly protocol: string;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly status: number;
  readonly grpcStatus?: number;
  readonly route?: string;
  readonly rule?: string;
  readonly backend?: string;
  readonly upstream?: string;
  readonly error?: string;
  readonly durationMs: number;
  readonly bytes: number;
}

export type AccessLog = (entry: AccessLogEntry) => void;

/** Writes each entry as a JSON line through `write` (stdout by default). */
export function jsonAccessLog(write: (line: string) => void = (l) => process.stdout.write(l)): AccessLog {
  return (entry) => write(`${JSON.stringify({ level: 'info', msg: 'access', ...entry })}\n`);
}

/** The access log when it is turned off. */
export const noAccessLog: AccessLog = () => undefined;
