// The Temporal time-skipping test server, for workflow tests whose branches take hours of timers (a
// stop that never confirms, a quota that never frees). The SDK would download it at run time, which
// these machines cannot; it is a Java program on Maven Central, so it is fetched once with Maven into
// the per-user tool cache (beside the Go tools) and started through a small launcher script.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolsDir } from '../../src/stack/tools';

const execFileAsync = promisify(execFile);

export const TEST_SERVER_VERSION = '1.31.0';

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;

const LAUNCHER = `#!/bin/sh
# Starts the Temporal test server; the SDK passes the port.
exec java -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"
`;

/** The launcher's path, fetching the server with Maven the first time (quiet afterwards). */
export async function ensureTimeSkippingServer(): Promise<string> {
  const dir = join(toolsDir(), `temporal-test-server-${TEST_SERVER_VERSION}`);
  const launcher = join(dir, 'temporal-test-server');
  if (existsSync(launcher)) return launcher;
  // Fetched into a scratch folder and renamed, so an interrupted fetch never looks finished.
  const scratch = `${dir}.partial-${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  const started = Date.now();
  process.stderr.write(`[tools] fetching the Temporal test server ${TEST_SERVER_VERSION} with Maven\n`);
  try {
    writeFileSync(join(scratch, 'pom.xml'), POM);
    await execFileAsync(
      'mvn',
      ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${join(scratch, 'lib')}`],
      {
        cwd: scratch,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    writeFileSync(join(scratch, 'temporal-test-server'), LAUNCHER);
    chmodSync(join(scratch, 'temporal-test-server'), 0o755);
    rmSync(join(scratch, 'pom.xml'));
    renameSync(scratch, dir);
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    // Another test process fetched it at the same time and renamed its folder first: use that one.
    if (existsSync(launcher)) return launcher;
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (e.code === 'ENOENT') {
      throw new Error('The time-skipping tests need Java 17+ and Maven (mvn) to fetch the Temporal test server.', {
        cause: err,
      });
    }
    throw new Error(`fetching the Temporal test server failed:\n${(e.stdout ?? '') + (e.stderr ?? e.message)}`, {
      cause: err,
    });
  }
  process.stderr.write(`[tools] fetched the Temporal test server in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return launcher;
}
