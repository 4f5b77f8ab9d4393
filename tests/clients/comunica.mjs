// Comunica's `sparql@` source against a citykg endpoint: SELECT, ASK, CONSTRUCT and DESCRIBE, each
// checked for its content. Run by tests/clients.rs as `node comunica.mjs ENDPOINT COMUNICA_DIR`.
import { createRequire } from 'node:module';
import path from 'node:path';

const [endpoint, comunicaDir] = process.argv.slice(2);
const require = createRequire(path.join(comunicaDir, 'package.json'));
const { QueryEngine } = require('@comunica/query-sparql');

const CKG = 'https://w3id.org/citykg/ontology#';
const STOCKHOLM = 'https://w3id.org/citykg/id/city/stockholm';
const engine = new QueryEngine();
const context = { sources: [{ type: 'sparql', value: endpoint }] };
let failures = 0;

function check(name, condition, detail) {
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${name}${condition ? '' : `: ${detail}`}`);
  if (!condition) failures += 1;
}

async function run(name, body) {
  try {
    await body();
  } catch (e) {
    check(name, false, e && e.stack ? e.stack : String(e));
  }
}

await run('comunica SELECT', async () => {
  const stream = await engine.queryBindings(`SELECT ?city WHERE { ?city a <${CKG}City> }`, context);
  const cities = (await stream.toArray()).map((b) => b.get('city').value);
  check('comunica SELECT', cities.includes(STOCKHOLM) && cities.length >= 15, cities.slice(0, 3));
});
await run('comunica ASK', async () => {
  const answer = await engine.queryBoolean(`ASK { <${STOCKHOLM}> a <${CKG}City> }`, context);
  check('comunica ASK', answer === true, answer);
});
for (const [name, query] of [
  ['CONSTRUCT', `CONSTRUCT { <${STOCKHOLM}> ?p ?o } WHERE { <${STOCKHOLM}> ?p ?o }`],
  ['DESCRIBE', `DESCRIBE <${STOCKHOLM}>`],
]) {
  await run(`comunica ${name}`, async () => {
    const quads = await (await engine.queryQuads(query, context)).toArray();
    const names = quads
      .filter((q) => q.subject.value === STOCKHOLM && q.predicate.value === 'https://schema.org/name')
      .map((q) => q.object.value);
    check(`comunica ${name}`, names.includes('Stockholm'), `${quads.length} quads, names ${names}`);
  });
}
console.log(failures ? `${failures} comunica checks failed` : 'all comunica checks passed');
process.exit(failures ? 1 : 0);
