// The CLI's exit codes (the design's contract): 0 success, 1 the job or validation failed, 2 bad usage or
// input. Errors carry no exit code of their own, so core, the client and the stack stay free of CLI
// concerns; this file is the one place that decides which errors mean "bad usage or input".
import { CommanderError } from 'commander';
import { OverlapPolicyRefusedError, RetryRefusedError } from '../client';
import { ConfigError } from '../config';
import { InvalidRequestError } from '../core/request';
import { StateFileError } from '../simulator/state';
import { PortTakenError } from '../stack/ports';
import { StackInUseError } from '../stack/process-record';

export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad usage or input the user can fix (exit 2); bin/finetune.js prints the message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code of a command that ran to its end: 0 when the job or the check came out right, else 1. */
export function outcomeExitCode(ok: boolean): ExitCode {
  return ok ? ExitCode.ok : ExitCode.failed;
}

/** Errors the user fixes by changing what they typed, their files or their settings. */
const USAGE_ERRORS = [
  UsageError,
  InvalidRequestError,
  ConfigError,
  RetryRefusedError,
  OverlapPolicyRefusedError,
  StateFileError,
  PortTakenError,
  StackInUseError,
] as const;

/** The exit code for an error that ended a command; anything not known as bad input is a failure. */
export function exitCodeOf(err: unknown): ExitCode {
  // Commander ends --help and --version with code 0; its parse errors (code 1 or 2) are all bad usage.
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  return USAGE_ERRORS.some((type) => err instanceof type) ? ExitCode.usage : ExitCode.failed;
}
