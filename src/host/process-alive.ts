// Whether a process exists, by its PID: signal 0 checks without signalling. Used where the project
// looks for its own processes (stack leftovers, a killed worker's preparation spools).

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
