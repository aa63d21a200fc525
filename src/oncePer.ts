// Values worked out from a descriptor (an entity type, a collection, a table) once, at first use, and kept as long
// as the descriptor lives: parsed orders and filters, column maps, wire orders are never redone per request.

/** `make`, remembered per key object. */
export function oncePer<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>();
  return (key) => {
    if (!made.has(key)) made.set(key, make(key));
    return made.get(key)!;
  };
}
