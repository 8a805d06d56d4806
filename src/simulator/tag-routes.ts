// ListTagsForResource, TagResource and UntagResource (POST with a JSON body; the member is resourceARN).
import { TAG_KEY_MAX } from '../core/bedrock-patterns';
import type { Engine } from './engine';
import { Violations } from './errors';
import { TAG_PATTERN } from './model-patterns';
import type { Route } from './router';
import { readTags } from './validate-create';
import { checkCount, checkString, elementString, readArray, readString, type JsonObject } from './wire';

function readResourceArn(v: Violations, body: JsonObject): string {
  const arn = readString(body, 'resourceARN');
  checkString(v, 'resourceARN', arn, { min: 20, max: 1011 }, true);
  return arn ?? '';
}

export function tagRoutes(engine: Engine): Route[] {
  return [
    {
      operation: 'ListTagsForResource',
      method: 'POST',
      path: '/listTagsForResource',
      handler: (ctx) => {
        const v = new Violations();
        const arn = readResourceArn(v, ctx.body());
        v.throwIfAny();
        return { status: 200, body: { tags: engine.listTags(arn) } };
      },
    },
    {
      operation: 'TagResource',
      method: 'POST',
      path: '/tagResource',
      handler: (ctx) => {
        const body = ctx.body();
        const v = new Violations();
        const arn = readResourceArn(v, body);
        const tags = readTags(v, body, 'tags');
        if (tags === undefined) v.missing('tags');
        v.throwIfAny();
        engine.tagResource(arn, tags ?? []);
        return { status: 200 };
      },
    },
    {
      operation: 'UntagResource',
      method: 'POST',
      path: '/untagResource',
      handler: (ctx) => {
        const body = ctx.body();
        const v = new Violations();
        const arn = readResourceArn(v, body);
        const list = readArray(body, 'tagKeys');
        if (list === undefined) v.missing('tagKeys');
        checkCount(v, 'tagKeys', list, 0, 200);
        const keys = (list ?? []).map((item, i) => {
          const key = elementString(item, `tagKeys.${i + 1}.member`);
          checkString(v, `tagKeys.${i + 1}.member`, key, { min: 1, max: TAG_KEY_MAX, pattern: TAG_PATTERN });
          return key;
        });
        v.throwIfAny();
        engine.untagResource(arn, keys);
        return { status: 200 };
      },
    },
  ];
}
