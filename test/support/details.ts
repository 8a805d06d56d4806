// The Markdown the Temporal UI shows as a run's current details, read the way the UI reads it: the
// SDK's built-in metadata query (a worker answers it, from the details the workflow last set).
import type { Client } from '@temporalio/client';

export async function currentDetails(client: Client, workflowId: string): Promise<string> {
  const metadata = await client.workflow
    .getHandle(workflowId)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}
