import { readFileSync } from 'node:fs';
const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const m = snap.snapshot.meta; const nf = m.node_fields; const nfl = nf.length;
const types = m.node_types[0]; const strings = snap.strings; const nodes = snap.nodes;
const iType = nf.indexOf('type'), iName = nf.indexOf('name'), iSize = nf.indexOf('self_size');
const by = new Map(); let total = 0;
for (let i = 0; i < nodes.length; i += nfl) {
  const t = types[nodes[i + iType]]; const size = nodes[i + iSize]; total += size;
  let name = strings[nodes[i + iName]];
  const key = t === 'object' || t === 'closure' || t === 'native' || t==='hidden' ? `${t}:${name.slice(0, 60)}` : t === 'string' || t === 'concatenated string' || t === 'sliced string' ? 'strings' : t === 'code' ? `code:${name.slice(0,30)}` : t;
  const e = by.get(key) ?? [0, 0]; e[0] += size; e[1]++; by.set(key, e);
}
console.log('total MB', (total / 1048576).toFixed(1), 'nodes', nodes.length / nfl);
for (const [k, [s, n]] of [...by].sort((a, b) => b[1][0] - a[1][0]).slice(0, 40)) console.log((s / 1048576).toFixed(2).padStart(7), String(n).padStart(8), k);
// biggest strings
const big = [];
for (let i = 0; i < nodes.length; i += nfl) { const t = types[nodes[i + iType]]; if (t.includes('string') && nodes[i + iSize] > 100000) big.push([nodes[i + iSize], strings[nodes[i + iName]].slice(0, 80)]); }
console.log(big.sort((a,b)=>b[0]-a[0]).slice(0, 15));
