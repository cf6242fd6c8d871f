// After `vite build`: version the asset URLs in index.html with a content hash (the files
// keep fixed names, so the server embeds them by name) and write gzip and brotli copies of
// every file, which the server sends as they are to clients that accept them. Node's zlib
// output depends only on the input and the options, so the build stays byte-for-byte
// reproducible (CI rebuilds ui/dist and compares it with the committed one).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url);
const assets = ["assets/app.js", "assets/app.css"];

let html = readFileSync(new URL("index.html", dist), "utf8");
for (const asset of assets) {
  const bytes = readFileSync(new URL(asset, dist));
  const version = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const before = html;
  html = html.replace(`"/${asset}"`, `"/${asset}?v=${version}"`);
  if (html === before) throw new Error(`index.html does not reference /${asset}`);
}
writeFileSync(new URL("index.html", dist), html);

for (const file of ["index.html", ...assets]) {
  const bytes = readFileSync(new URL(file, dist));
  writeFileSync(new URL(`${file}.gz`, dist), gzipSync(bytes, { level: 9 }));
  writeFileSync(
    new URL(`${file}.br`, dist),
    brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  );
}
console.log(`compressed ${assets.length + 1} files, versioned ${assets.join(", ")}`);
