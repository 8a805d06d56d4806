// One function maps the error that ended a command to the contract's exit code (0 success, 1 the job or
// validation failed, 2 bad usage or input); the errors themselves carry none.
import { CommanderError } from 'commander';
import { OverlapPolicyRefusedError, RetryRefusedError } from '../../src/client';
import { exitCodeOf, ExitCode, outcomeExitCode, UsageError } from '../../src/cli/exit-codes';
import { ConfigError } from '../../src/config';
import { DatasetContextError } from '../../src/core/dataset';
import { InvalidRequestError } from '../../src/core/request';
import { StateFileError } from '../../src/simulator/state';
import { PortTakenError } from '../../src/stack/ports';
import { StackInUseError } from '../../src/stack/process-record';

it('maps bad usage or input to 2, whichever layer noticed it', () => {
  const owner = { name: 'finetune dev', pid: 4242 } as ConstructorParameters<typeof StackInUseError>[0];
  const badInput = [
    new UsageError('Say when: give --cron <expression> or --every <duration>.'),
    new InvalidRequestError(['baseModelIdentifier: Required']),
    new ConfigError(['TASK_QUEUE is empty']),
    new RetryRefusedError('Run r-1 is still running'),
    new OverlapPolicyRefusedError('TERMINATE_OTHER'),
    new StateFileError('The simulator state file s.json cannot be read'),
    new PortTakenError('127.0.0.1', 7233, 'the Temporal server', 'FINETUNE_TEMPORAL_PORT'),
    new StackInUseError(owner, '.finetune'),
    new CommanderError(1, 'commander.unknownOption', "error: unknown option '--frob'"),
  ];
  expect(badInput.map((err) => [err.name, exitCodeOf(err)])).toEqual(badInput.map((err) => [err.name, ExitCode.usage]));
});

it('maps --help and --version to 0', () => {
  expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(ExitCode.ok);
});

it('maps everything else to 1: a failure, not the user typing something wrong', () => {
  for (const err of [new Error('connection refused'), new DatasetContextError('no such pair'), 'a string', undefined])
    expect(exitCodeOf(err)).toBe(ExitCode.failed);
});

it('leaves no exit code on the errors themselves', () => {
  expect('exitCode' in new InvalidRequestError(['x'])).toBe(false);
  expect('exitCode' in new ConfigError(['x'])).toBe(false);
  expect('exitCode' in new UsageError('x')).toBe(false);
});

it('maps a command that ran to its end by its outcome: 0 right, 1 failed', () => {
  expect([outcomeExitCode(true), outcomeExitCode(false)]).toEqual([0, 1]);
});
