/** Simulated seconds per real second in tests: a 1,000-record, 2-epoch job (about an hour) takes ~3.6 s. */
export const TEST_SIMULATOR_TIME_SCALE = 1000;
