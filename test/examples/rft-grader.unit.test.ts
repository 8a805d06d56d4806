// The example grader Lambda (examples/reinforcement-fine-tuning/grader): it finds the reference answer in
// both places the AWS docs show, scores the final line, and answers one result per sample by id.
import { handler, referenceAnswer, type GraderSample } from '../../examples/reinforcement-fine-tuning/grader';

const quote = { total: 177.8, currency: 'EUR' };
const sample = (id: string, answer: unknown, extra: Partial<GraderSample> = {}): GraderSample => ({
  id,
  messages: [
    { role: 'user', content: 'Quote a pallet of tiles, 340 kg, Rotterdam to Lyon (zone C).' },
    { role: 'assistant', content: answer as string },
  ],
  ...extra,
});

it('reads reference_answer under metadata (Bedrock page) and at the top level (Nova 2 page)', () => {
  expect(referenceAnswer(sample('a', '', { metadata: { reference_answer: quote } }))).toBe(quote);
  expect(referenceAnswer(sample('b', '', { reference_answer: quote }))).toBe(quote);
  expect(referenceAnswer(sample('c', ''))).toBeUndefined();
});

it('scores each sample by id: 1 right, 0.2 well-formed but wrong, 0 without the final line', async () => {
  const results = await handler([
    sample('right-metadata', '340 x 0.42 = 142.80\nTotal: 177.80 EUR', { metadata: { reference_answer: quote } }),
    sample('right-top-level', 'Total: 177.8 EUR', { reference_answer: quote }),
    sample('text-parts', [{ type: 'text', text: 'Total: 177.80 EUR' }], { reference_answer: quote }),
    sample('wrong-amount', 'Total: 170.00 EUR', { reference_answer: quote }),
    sample('no-final-line', 'It comes to about 178 euros.', { reference_answer: quote }),
    sample('no-reference', 'Total: 177.80 EUR'),
  ]);
  expect(results.map((r) => [r.id, r.aggregate_reward_score])).toEqual([
    ['right-metadata', 1],
    ['right-top-level', 1],
    ['text-parts', 1],
    ['wrong-amount', 0.2],
    ['no-final-line', 0],
    ['no-reference', 0.2],
  ]);
  expect(results[0].metrics_list).toContainEqual({ name: 'correct_total', value: 1, type: 'Metric' });
});
