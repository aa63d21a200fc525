// How the serve command keeps an idle process small. Start-up makes many objects that live on (modules, routes, the
// OpenAPI document), and V8 answers that by growing its young generation to the largest size it allows, which an idle
// service then keeps (about 14 MB of its resident memory, measured in bench/RESULTS.md). So the young generation does
// not grow during start-up, and grows as usual once the service is up: under load it reaches the same size as before,
// so requests cost no more garbage collection.
import v8 from 'node:v8';

const FLAG = 'semi-space-growth-factor';
/** V8's own value (`node --v8-options`), put back once started. */
const V8_DEFAULT = 2;

/** Call before loading the service; call what it returns once the service is up. */
export function smallYoungGenerationWhileStarting(): () => void {
  // Set by whoever runs the process (NODE_OPTIONS, node's flags): theirs stands.
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.replace(/_/g, '-').includes(FLAG));
  if (given) return () => undefined;
  v8.setFlagsFromString(`--${FLAG}=1`);
  return () => v8.setFlagsFromString(`--${FLAG}=${V8_DEFAULT}`);
}
