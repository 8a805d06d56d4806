// Distillation prompt files: bedrock-conversation-2024 prompts, single-turn for Anthropic and Meta
// students, multi-turn for Nova, an optional golden answer, text only, 100 to 15,000 prompts.
import { context, lineRules, MODELS, prompt, records, validate, imageRef } from './helpers';

const user = (text: string) => ({ role: 'user', content: [{ text }] });
const assistant = (text: string) => ({ role: 'assistant', content: [{ text }] });
const withMessages = (...messages: unknown[]) => ({ schemaVersion: 'bedrock-conversation-2024', messages });
const distill = (model: string, options = {}) => context(model, 'DISTILLATION', options);

describe('distillation prompts', () => {
  it.each([MODELS.novaMicro, MODELS.haiku, MODELS.llama31])(
    'accepts single prompts and prompts with a golden answer for %s',
    (model) => {
      const lines = records(100, prompt);
      lines[0] = withMessages(user('Summarise the text.'), assistant('A golden answer.'));
      lines[1] = { ...withMessages(user('Translate it.')), system: [{ text: 'You translate.' }] };
      const report = validate(distill(model), lines);
      expect(report.format).toBe('distillation-prompts');
      expect(report.problems).toEqual([]);
    },
  );

  it('takes multi-turn prompts for Nova students, ending on either role', () => {
    const lines = records(100, prompt);
    lines[0] = withMessages(user('a'), assistant('b'), user('c'));
    lines[1] = withMessages(user('a'), assistant('b'), user('c'), assistant('d'));
    expect(validate(distill(MODELS.novaMicro), lines).verdict).toBe('valid');
  });

  it('refuses multi-turn prompts for Anthropic and Meta students', () => {
    for (const model of [MODELS.haiku, MODELS.llama31]) {
      const report = validate(distill(model), [
        withMessages(user('a'), assistant('b'), user('c')),
        withMessages(user('a'), user('b')),
      ]);
      expect(lineRules(report)).toEqual(['1:multi-turn-not-supported', '2:multi-turn-not-supported']);
    }
  });

  it('needs the schemaVersion, a user prompt first, and text only', () => {
    const report = validate(distill(MODELS.novaMicro), [
      { messages: [user('a')] },
      withMessages(assistant('b')),
      withMessages(),
      withMessages({ role: 'user', content: [{ text: 'What is this?' }, imageRef('a.png')] }),
    ]);
    expect(lineRules(report)).toEqual([
      '1:schema-version',
      '2:first-message-not-user',
      '3:too-few-messages',
      '4:media-not-supported',
    ]);
  });

  it('applies Nova reserved words to Nova students', () => {
    expect(lineRules(validate(distill(MODELS.novaMicro), [withMessages(user('Assistant: hi'))]))).toEqual([
      '1:reserved-word',
    ]);
  });

  it('takes 100 to 15,000 prompts and no validation file', () => {
    expect(validate(distill(MODELS.haiku), records(99, prompt)).counts['too-few-records']).toBe(1);
    expect(validate(distill(MODELS.haiku), records(100, prompt)).verdict).toBe('valid');
    expect(validate(distill(MODELS.haiku), records(15_000, prompt)).verdict).toBe('valid');
    expect(validate(distill(MODELS.haiku), records(15_001, prompt)).counts['too-many-records']).toBe(1);
    expect(
      validate(distill(MODELS.haiku, { role: 'validation' }), records(10, prompt)).counts['validation-not-supported'],
    ).toBe(1);
  });
});
