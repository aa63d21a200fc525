// How the serve command keeps its resident memory small, idle and under load. Both are V8 flags that V8 reads each
// time it sizes its heap, so they can be set once the process runs (node has no other way for a program to set
// them for itself); flags the operator gives (NODE_OPTIONS, node's own flags) always stand.
//
// - Start-up makes many objects that live on (modules, routes, the OpenAPI document), and V8 answers that by growing
//   its young generation to the largest size it allows, which an idle service then keeps (about 14 MB of its resident
//   memory, measured in bench/RESULTS.md). So the young generation does not grow during start-up, and grows as usual
//   once the service is up: under load it reaches the same size as before, so requests cost no more scavenges.
// - Under load, V8 sets the old generation's next limit at up to 4× what survived its last full collection, by how
//   fast the program allocates, and the process keeps the pages it grew into. A limit 20% above what survived keeps
//   the service under load at about 125-145 MB instead of 180-210 MB, for about the same CPU per request (issue 15's
//   A/B in bench/RESULTS.md); capping the young generation instead cost a third more CPU.
import v8 from 'node:v8';

const YOUNG_GROWTH = 'semi-space-growth-factor';
/** V8's own value (`node --v8-options`), put back once started. */
const V8_YOUNG_GROWTH = 2;
const OLD_GROWTH = 'heap-growing-percent';
const OLD_GROWTH_PERCENT = 20;

/** Whoever runs the process set `flag` (NODE_OPTIONS, node's flags): theirs stands. */
const given = (flag: string) => [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.replace(/_/g, '-').includes(flag));

/** Call before loading the service; call what it returns once the service is up. */
export function memoryWhileServing(): () => void {
  const young = !given(YOUNG_GROWTH);
  if (young) v8.setFlagsFromString(`--${YOUNG_GROWTH}=1`);
  return () => {
    if (young) v8.setFlagsFromString(`--${YOUNG_GROWTH}=${V8_YOUNG_GROWTH}`);
    if (!given(OLD_GROWTH)) v8.setFlagsFromString(`--${OLD_GROWTH}=${OLD_GROWTH_PERCENT}`);
  };
}
