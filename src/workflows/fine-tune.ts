export async function fineTune(): Promise<string> {
  return 'placeholder';
}
