/**
 * Operational log lines (JSON on stdout): startup, reloads, shutdown. The startup lines are a contract
 * (`listening`, `admin listening`, `ready`); tools wait for them.
 */

export type Logger = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return (level, msg, fields = {}) => write(`${JSON.stringify({ level, msg, ...fields })}\n`);
}
