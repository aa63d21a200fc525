// @odata.context URLs: where a response's shape is described in $metadata, in Graph's form.

export function contextUrl(base: string, fragment: string): string {
  return `${base}/beta/$metadata#${fragment}`;
}
