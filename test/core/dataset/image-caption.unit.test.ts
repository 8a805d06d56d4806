// Image-caption records for Titan Image Generator, Titan Multimodal Embeddings and Nova Canvas: fields,
// S3 reference and extension (images are never opened), caption length, record counts, no validation set.
import { caption, context, lineRules, MODELS, records, validate } from './helpers';

const ref = (key: string) => `s3://finetune-datasets/${key}`;

describe('image-caption records', () => {
  it.each([MODELS.titanImage, MODELS.novaCanvas])('accepts PNG and JPEG references for %s', (model) => {
    const lines = records(5, caption);
    lines[1] = { 'image-ref': ref('b.jpg'), caption: 'A cat' };
    lines[2] = { 'image-ref': ref('photos/c.JPEG'), caption: 'A dog' };
    const report = validate(context(model), lines);
    expect(report.format).toBe('image-caption');
    expect(report.verdict).toBe('valid');
  });

  it('checks fields, the URI and the extension', () => {
    const report = validate(context(MODELS.titanImage), [
      { image: ref('a.png'), caption: 'A cat' },
      { 'image-ref': 'https://example.com/a.png', caption: 'A cat' },
      { 'image-ref': ref('a.gif'), caption: 'A cat' },
      { 'image-ref': ref('a'), caption: 'A cat' },
      { 'image-ref': ref('a.png'), caption: 12 },
      { 'image-ref': ref('a.png') },
    ]);
    expect(lineRules(report)).toEqual([
      '1:unknown-field',
      '1:missing-field',
      '2:media-uri',
      '3:media-extension',
      '4:media-extension',
      '5:wrong-type',
      '6:missing-field',
    ]);
  });

  it('holds captions to the model: 3-1,024 characters for Titan Image Generator, 0-2,560 for embeddings', () => {
    const gen = (text: string) =>
      validate(context(MODELS.titanImage), [{ 'image-ref': ref('a.png'), caption: text }]).counts['caption-length'] ??
      0;
    expect(gen('abc')).toBe(0);
    expect(gen('ab')).toBe(1);
    expect(gen('x'.repeat(1_024))).toBe(0);
    expect(gen('x'.repeat(1_025))).toBe(1);
    const embed = (text: string) =>
      validate(context(MODELS.titanEmbed), [{ 'image-ref': ref('a.png'), caption: text }]).counts['caption-length'] ??
      0;
    expect(embed('')).toBe(0);
    expect(embed('x'.repeat(2_561))).toBe(1);
  });

  it('counts records: 5-10,000 for image generation, at least 1,000 for embeddings', () => {
    expect(validate(context(MODELS.titanImage), records(4, caption)).counts['too-few-records']).toBe(1);
    expect(validate(context(MODELS.titanImage), records(10_001, caption)).counts['too-many-records']).toBe(1);
    expect(validate(context(MODELS.titanEmbed), records(999, caption)).counts['too-few-records']).toBe(1);
    expect(validate(context(MODELS.titanEmbed), records(1_000, caption)).verdict).toBe('valid');
  });

  it('takes no validation file', () => {
    expect(
      validate(context(MODELS.novaCanvas, 'FINE_TUNING', { role: 'validation' }), records(5, caption)).counts[
        'validation-not-supported'
      ],
    ).toBe(1);
  });
});
