// bedrock-conversation-2024 records for Nova and Llama 3.2/3.3: structure, media references and Nova's
// reserved words, and Nova's record limits.
import { context, conversation, imageRef, lineRules, MODELS, records, validate, videoRef } from './helpers';

const user = (...content: unknown[]) => ({ role: 'user', content });
const assistant = (...content: unknown[]) => ({ role: 'assistant', content });
const answer = assistant({ text: 'It is a cat.' });
const ask = { text: 'What is in this picture?' };
const withMessages = (...messages: unknown[]) => conversation(0, { messages });
const nova = (options = {}) => context(MODELS.novaLite, 'FINE_TUNING', options);
/** Nova needs 8 records: pad a file with clean ones after the lines under test. */
const padded = (...lines: Record<string, unknown>[]) => [...lines, ...records(8, (i) => conversation(1000 + i))];

describe('conversation structure', () => {
  it('accepts text records for Nova and Llama 3.2/3.3', () => {
    for (const model of [MODELS.novaMicro, MODELS.novaLite, MODELS.llama32Text, MODELS.llama3290]) {
      const report = validate(
        context(model),
        records(100, (i) => conversation(i)),
      );
      expect(report.format).toBe('bedrock-conversation');
      expect(report.problems).toEqual([]);
    }
  });

  it('lets Nova records carry any schemaVersion string or none, but Llama needs the documented one', () => {
    const noVersion = conversation(0, { schemaVersion: undefined });
    const other = conversation(1, { schemaVersion: 'v2' });
    expect(validate(nova(), padded(noVersion, other)).verdict).toBe('valid');
    expect(lineRules(validate(nova(), padded(conversation(2, { schemaVersion: 7 }))))).toEqual(['1:wrong-type']);
    expect(lineRules(validate(context(MODELS.llama32Text), [noVersion, other]))).toEqual([
      '1:schema-version',
      '2:schema-version',
    ]);
  });

  it('checks system blocks, messages and content blocks', () => {
    const report = validate(nova(), [
      conversation(0, { system: 'You are a cat.' }),
      conversation(1, { system: [{ text: 'ok', cache: true }] }),
      conversation(2, { messages: [user({ text: 'hi' }, { audio: { format: 'mp3' } }), answer] }),
      conversation(3, { messages: [user({}), answer] }),
      conversation(4, { messages: [user('hi'), answer] }),
      conversation(5, { messages: [{ role: 'user', content: 'hi' }, answer] }),
      conversation(6, { messages: [user({ text: '  ' }), answer] }),
      conversation(7, { messages: [user({ text: 12 }), answer] }),
      conversation(8, { messages: [{ role: 'system', content: [{ text: 'x' }] }, user({ text: 'hi' }), answer] }),
      conversation(9, { messages: [user({ text: 'hi' })] }),
      conversation(10, { messages: [user({ text: 'hi' }), answer, user({ text: 'and?' })] }),
      conversation(11, { messages: [user({ text: 'hi' }), user({ text: 'hello?' }), answer] }),
      conversation(12, { turns: [] }),
    ]);
    expect(lineRules(report)).toEqual([
      '1:wrong-type',
      '2:unknown-field',
      '3:invalid-content-block',
      '4:invalid-content-block',
      '4:empty-text',
      '5:invalid-content-block',
      '5:empty-text',
      '6:wrong-type',
      '7:empty-text',
      '8:wrong-type',
      '8:empty-text',
      '9:invalid-role',
      '10:too-few-messages',
      '11:last-message-not-assistant',
      '12:roles-not-alternating',
      '13:unknown-field',
    ]);
    expect(report.problems.find((p) => p.line === 3)?.message).toBe(
      'messages[0].content[1] has "audio": a block holds exactly one of "text", "image", "video", "document", "reasoningContent", "toolUse", "toolResult"',
    );
  });

  it('counts user and system text as input, assistant text as output', () => {
    const record = conversation(0, {
      system: [{ text: 's'.repeat(60) }],
      messages: [user({ text: 'u'.repeat(60) }), assistant({ text: 'a'.repeat(6 * 31_980 + 1) })],
    });
    expect(validate(nova(), [record]).counts['too-many-tokens']).toBe(1);
    const fits = conversation(0, {
      system: [{ text: 's'.repeat(60) }],
      messages: [user({ text: 'u'.repeat(60) }), assistant({ text: 'a'.repeat(6 * 31_980) })],
    });
    expect(validate(nova(), [fits]).counts['too-many-tokens']).toBeUndefined();
  });
});

describe('media references', () => {
  it('accepts images of every format and extension, and a video, for Nova Lite', () => {
    const images = withMessages(
      user(
        ask,
        imageRef('a.png'),
        imageRef('b.jpg', 'jpeg'),
        imageRef('c.JPEG', 'jpeg'),
        imageRef('d.gif', 'gif'),
        imageRef('e.webp', 'webp'),
      ),
      answer,
    );
    const video = conversation(1, { messages: [user(ask, videoRef('clips/a.mov', 'mov')), answer] });
    expect(validate(nova({ datasetBucket: 'finetune-datasets' }), padded(images)).verdict).toBe('valid');
    expect(validate(nova(), padded(video)).verdict).toBe('valid');
    for (const [key, format] of [
      ['b.mkv', 'mkv'],
      ['c.mp4', 'mp4'],
      ['d.webm', 'webm'],
    ]) {
      expect(validate(nova(), padded(withMessages(user(ask, videoRef(key, format)), answer))).verdict).toBe('valid');
    }
  });

  it('allows 10 images per record, not 11, and one video, not two', () => {
    const images = (n: number) =>
      withMessages(user(ask, ...Array.from({ length: n }, (_, i) => imageRef(`img/${i}.png`))), answer);
    expect(validate(nova(), padded(images(10))).verdict).toBe('valid');
    expect(lineRules(validate(nova(), [images(11)]))).toEqual(['1:too-many-images']);
    expect(
      lineRules(validate(nova(), [withMessages(user(ask, videoRef('a.mp4'), videoRef('b.mp4')), answer)])),
    ).toEqual(['1:too-many-videos']);
  });

  it('refuses images and videos mixed in a record, or across the dataset', () => {
    const image = withMessages(user(ask, imageRef('a.png')), answer);
    const video = withMessages(user(ask, videoRef('a.mp4')), answer);
    const report = validate(nova(), [image, conversation(5), video, image]);
    expect(lineRules(report)).toEqual(['3:mixed-media', '4:mixed-media']);
    expect(report.problems.find((p) => p.line === 3)?.message).toBe(
      'the record has videos, but line 1 has images: a dataset holds images or videos, not both',
    );
  });

  it('checks format, extension, URI characters, bucket and role', () => {
    const report = validate(nova({ datasetBucket: 'finetune-datasets' }), [
      withMessages(user(ask, imageRef('a.tiff', 'tiff')), answer),
      withMessages(user(ask, imageRef('a.png', 'PNG')), answer),
      withMessages(user(ask, imageRef('a.jpeg', 'png')), answer),
      withMessages(user(ask, imageRef('my photo.png')), answer),
      withMessages(user(ask, imageRef('a.png', 'png', 'elsewhere')), answer),
      withMessages(user(ask), assistant({ text: 'Here is one.' }, imageRef('a.png'))),
      withMessages(user(ask, { image: { format: 'png' } }), answer),
      withMessages(
        user(ask, {
          image: {
            format: 'png',
            source: { s3Location: { uri: 's3://finetune-datasets/a.png', bucketOwner: 111122223333 } },
          },
        }),
        answer,
      ),
    ]);
    expect(lineRules(report)).toEqual([
      '1:media-format',
      '2:media-format',
      '3:media-extension',
      '4:media-uri',
      '5:media-bucket',
      '6:media-in-assistant-message',
      '7:missing-field',
      '8:wrong-type',
    ]);
    expect(lineRules(validate(nova(), [withMessages(user(ask, videoRef('a.avi', 'avi')), answer)]))).toEqual([
      '1:media-format',
    ]);
  });

  it('applies the same-bucket rule only when the dataset bucket is known', () => {
    const elsewhere = withMessages(user(ask, imageRef('a.png', 'png', 'elsewhere')), answer);
    expect(validate(nova(), padded(elsewhere)).verdict).toBe('valid');
  });

  it('refuses media a model does not take: Nova Micro, Llama 3.2 1B, video on Llama 3.2 Vision', () => {
    const image = withMessages(user(ask, imageRef('a.png')), answer);
    const video = withMessages(user(ask, videoRef('a.mp4')), answer);
    expect(lineRules(validate(context(MODELS.novaMicro), [image]))).toEqual(['1:media-not-supported']);
    expect(lineRules(validate(context(MODELS.llama32Text), [image]))).toEqual(['1:media-not-supported']);
    expect(lineRules(validate(context(MODELS.llama32Vision), [image, video]))).toEqual(['2:media-not-supported']);
  });
});

describe("Nova's reserved words", () => {
  it('are found in any text, in any case, and named in the message', () => {
    const report = validate(nova(), [
      withMessages(user({ text: 'USER: hello' }), answer),
      conversation(1, { system: [{ text: 'You are helpful; answer <Image> tags' }] }),
      withMessages(user({ text: 'hello' }), assistant({ text: 'Thought: it is [eos]' })),
      withMessages(user({ text: 'Ratio 3:1, user-friendly, <b>bold</b>, [link]' }), answer),
    ]);
    expect(lineRules(report)).toEqual(['1:reserved-word', '2:reserved-word', '3:reserved-word']);
    expect(report.problems.filter((p) => p.line).map((p) => p.message)).toEqual([
      'messages[0].content[0].text contains the reserved marker "USER:"',
      'system[0].text contains the reserved marker "<Image>"',
      'messages[1].content[0].text contains the reserved marker "Thought:"',
    ]);
  });

  it('are not Llama rules', () => {
    expect(
      validate(
        context(MODELS.llama32Text),
        records(100, () => withMessages(user({ text: 'User: hi' }), answer)),
      ).counts['reserved-word'],
    ).toBeUndefined();
  });
});

describe('Nova limits', () => {
  it('8 to 20,000 training records, at most 1,000 validation records', () => {
    expect(
      validate(
        nova(),
        records(7, (i) => conversation(i)),
      ).counts['too-few-records'],
    ).toBe(1);
    expect(
      validate(
        nova(),
        records(8, (i) => conversation(i)),
      ).verdict,
    ).toBe('valid');
    expect(
      validate(
        nova(),
        records(20_000, (i) => conversation(i)),
      ).verdict,
    ).toBe('valid');
    expect(
      validate(
        nova(),
        records(20_001, (i) => conversation(i)),
      ).counts['too-many-records'],
    ).toBe(1);
    expect(
      validate(
        nova({ role: 'validation' }),
        records(3, (i) => conversation(i)),
      ).verdict,
    ).toBe('valid');
    expect(
      validate(
        nova({ role: 'validation' }),
        records(1_001, (i) => conversation(i)),
      ).counts['too-many-records'],
    ).toBe(1);
  });
});
