// bench:replay once with a few replays, so it cannot rot. The figure is printed by the benchmark,
// never asserted here: this checks that the recorded history replays and that a figure comes out.
import { DEFAULT_HISTORY, measureReplay } from '../../bench/replay';

test('bench:replay: the recorded run replays without error and yields a CPU figure per replay', async () => {
  const figures = await measureReplay(DEFAULT_HISTORY, 3);
  expect(figures.events).toBeGreaterThan(40);
  expect(figures.replays).toBe(3);
  expect(figures.cpuMsPerReplay).toBeGreaterThan(0);
});
