// @odata.context URLs: where a response's shape is described in $metadata, in Graph's form.

export function contextUrl(base: string, fragment: string): string {
  return `${base}/beta/$metadata#${fragment}`;
}

/** What $select adds to a context URL: the selected properties in parentheses, e.g. phones(id,number); nothing without it. */
export function selectedSuffix(select: readonly string[] | undefined): string {
  return select ? `(${select.join(',')})` : '';
}
