// The fixed, documented credentials of the local S3 server that `finetune dev`, the demo and the tests
// start. Not secrets: that server listens only on loopback. The simulator falls back to them when it
// has no credentials of its own and its S3 is on loopback (the local stack's).
export const LOCAL_S3_CREDENTIALS = {
  accessKeyId: 'finetune-local',
  secretAccessKey: 'finetune-local-secret',
} as const;

/** An endpoint on this machine (loopback), where only the local stack's S3 server would listen. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
