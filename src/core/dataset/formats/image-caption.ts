// {"image-ref": "s3://bucket/key.png", "caption": "..."}: Titan Image Generator, Titan Multimodal
// Embeddings and Nova Canvas. Images are referenced, never opened: the checks stop at the URI and the
// extension (JPEG or PNG only).
import type { DataLimits } from '../../catalog';
import { checkKeys, jsonType, type RecordChecker } from './common';
import { extensionOf, parseMediaUri } from './media';

const KEYS = ['image-ref', 'caption'] as const;
const EXTENSIONS = ['png', 'jpg', 'jpeg'];

export function imageCaptionChecker(limits: DataLimits): RecordChecker {
  const captionChars = limits.captionChars;
  return {
    check(record, scope) {
      checkKeys(record, KEYS, 'the record', scope);
      const ref = record['image-ref'];
      if (ref === undefined) scope.report('missing-field', 'image-ref is missing');
      else if (typeof ref !== 'string') scope.report('wrong-type', `image-ref must be a string, not ${jsonType(ref)}`);
      else if (!parseMediaUri(ref, false))
        scope.report('media-uri', `image-ref ${JSON.stringify(ref)} is not an s3://bucket/key URI`);
      else if (!EXTENSIONS.includes(extensionOf(ref))) {
        scope.report(
          'media-extension',
          `image-ref ${JSON.stringify(ref)} must end in .png, .jpg or .jpeg (JPEG or PNG only)`,
        );
      }
      const caption = record.caption;
      if (caption === undefined) scope.report('missing-field', 'caption is missing');
      else if (typeof caption !== 'string')
        scope.report('wrong-type', `caption must be a string, not ${jsonType(caption)}`);
      else {
        scope.input += caption.length;
        if (captionChars && (caption.length < captionChars.min || caption.length > captionChars.max)) {
          scope.report(
            'caption-length',
            `caption has ${caption.length} characters: this model takes ${captionChars.min} to ${captionChars.max}`,
          );
        }
      }
    },
  };
}
