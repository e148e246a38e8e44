// Short names for server processes (CONTRACT v2 NODE_ID, by default `host:port`), as tags a
// timeline row can carry: the part that tells them apart.

/**
 * Each id's tag among `ids`: the port (`:3101`) when every id is `host:port` of one host, the
 * host when the ports say nothing, else the id itself.
 */
export function nodeTags(ids: readonly string[]): Record<string, string> {
  const parts = ids.map((id) => {
    const at = id.lastIndexOf(':');
    return at > 0 ? { id, host: id.slice(0, at), port: id.slice(at + 1) } : null;
  });
  const split = parts.every((p) => p !== null) ? (parts as Array<{ id: string; host: string; port: string }>) : null;
  const distinct = (values: string[]) => new Set(values).size === values.length;
  const tags: Record<string, string> = {};
  for (const [i, id] of ids.entries()) {
    if (split && new Set(split.map((p) => p.host)).size === 1 && distinct(split.map((p) => p.port))) tags[id] = `:${split[i]!.port}`;
    else if (split && distinct(split.map((p) => p.host))) tags[id] = split[i]!.host;
    else tags[id] = id;
  }
  return tags;
}
