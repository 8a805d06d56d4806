// Lineage tags written on a resource read back as the same owner: the workflow ID exactly (even when a
// tag's character set or length cannot hold it), the namespace and installation, the role.
import { lineageOf, withLineage } from '../../src/aws/lineage-tags';
import { LINEAGE_TAG_WORKFLOW_ID, LINEAGE_TAG_WORKFLOW_ID_EXACT } from '../../src/core/lineage';

const scope = { namespace: 'ml-prod', installation: 'temporal.prod:7233' };

it('reads back what it wrote, keeping the request’s own tags and replacing lineage keys in them', () => {
  const tags = withLineage(
    [
      { key: 'team', value: 'support' },
      { key: LINEAGE_TAG_WORKFLOW_ID, value: 'forged' },
    ],
    { ...scope, workflowId: 'retrain-support-bot', role: 'training-job', datasetFingerprint: 'ab'.repeat(32) },
  );
  expect(tags.filter((t) => t.key === LINEAGE_TAG_WORKFLOW_ID)).toEqual([
    { key: LINEAGE_TAG_WORKFLOW_ID, value: 'retrain-support-bot' },
  ]);
  expect(tags).toContainEqual({ key: 'team', value: 'support' });
  expect(tags.some((t) => t.key === LINEAGE_TAG_WORKFLOW_ID_EXACT)).toBe(false);
  expect(lineageOf(tags)).toEqual({ ...scope, workflowId: 'retrain-support-bot', exact: true, role: 'training-job' });
});

it('carries a workflow ID a tag cannot hold as it is, exactly, beside its readable form', () => {
  for (const workflowId of ['nightly#7, team ü', 'a'.repeat(150) + '!']) {
    const tags = withLineage([], { ...scope, workflowId, role: 'training-job' });
    expect(tags.find((t) => t.key === LINEAGE_TAG_WORKFLOW_ID)!.value).not.toBe(workflowId);
    expect(lineageOf(tags)).toMatchObject({ workflowId, exact: true });
  }
});

it('says when the workflow ID cannot be known exactly (longer than a tag holds)', () => {
  const workflowId = 'x'.repeat(300) + '#';
  const lineage = lineageOf(withLineage([], { ...scope, workflowId, role: 'training-job' }));
  expect(lineage?.exact).toBe(false);
  expect(lineageOf([{ key: 'team', value: 'support' }])).toBeUndefined();
});
